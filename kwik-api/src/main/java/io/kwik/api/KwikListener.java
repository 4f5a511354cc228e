package io.kwik.api;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.function.Consumer;

/**
 * A bound KWIK server.
 *
 * @since 0.1.0
 */
public interface KwikListener extends AutoCloseable {

    /**
     * Waits for the next authenticated session, primary or secondary. Sessions that fail
     * before they are accepted never reach this method; see {@link #addErrorListener}.
     *
     * @throws KwikException with {@link ErrorCode#SESSION_CLOSED} once the listener is closed
     */
    KwikSession accept() throws IOException, InterruptedException;

    /** The bound address, with the real port when port 0 was asked for. */
    InetSocketAddress localAddress();

    /**
     * Registers a listener for every connection this server closes because of a protocol
     * error (a malformed frame, a failed authentication, a flow-control violation, ...), before
     * or after its session was accepted. Called on an engine thread; it must not block.
     *
     * @return the registration: closing it removes the listener
     */
    KwikSubscription addErrorListener(Consumer<KwikException> listener);

    /** Stops accepting and closes every session of this listener. Idempotent. */
    @Override
    void close();
}
