package io.kwik.engine.events;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import io.kwik.api.KwikSubscription;

/**
 * Listeners of one kind of event, each with its own registration: the same listener added
 * twice is called twice, and closing one registration removes that one alone. Thread-safe;
 * listeners are called without a lock, on the caller's thread.
 *
 * @param <T> the event
 */
public final class Listeners<T> {
    private static final System.Logger LOG = System.getLogger(Listeners.class.getName());

    /** One registration; its identity, not the listener's, is what {@link KwikSubscription#close()} removes. */
    private static final class Entry<T> {
        private final Consumer<? super T> listener;

        private Entry(Consumer<? super T> listener) {
            this.listener = listener;
        }
    }

    private final List<Entry<T>> entries = new CopyOnWriteArrayList<>();
    private final String kind;

    /** @param kind what the listeners listen for, for the log of one that throws */
    public Listeners(String kind) {
        this.kind = kind;
    }

    /** Registers {@code listener}; closing the result removes it. */
    public KwikSubscription add(Consumer<? super T> listener) {
        Entry<T> entry = new Entry<>(Objects.requireNonNull(listener, "listener"));
        entries.add(entry);
        return () -> entries.remove(entry);
    }

    /** Tells every listener; one that throws is logged and skipped. */
    public void fire(T event) {
        for (Entry<T> entry : entries) {
            try {
                entry.listener.accept(event);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, kind + " listener failed", e);
            }
        }
    }
}
