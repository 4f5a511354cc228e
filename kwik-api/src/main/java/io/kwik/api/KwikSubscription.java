package io.kwik.api;

/**
 * A listener's registration, from {@link KwikSession#addPathListener} or
 * {@link KwikListener#addErrorListener}. Closing it removes the listener: once
 * {@link #close()} returns, the listener is not called again, except by a call that was
 * already running. Idempotent.
 *
 * @since 0.1.0
 */
@FunctionalInterface
public interface KwikSubscription extends AutoCloseable {

    /** Removes the listener. Idempotent; throws nothing. */
    @Override
    void close();
}
