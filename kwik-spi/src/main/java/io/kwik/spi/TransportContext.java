package io.kwik.spi;

import java.util.Objects;
import java.util.concurrent.ThreadFactory;

/**
 * What the engine hands a transport when it creates one.
 *
 * @param name          a short label for the transport's threads and log lines
 * @param threadFactory the factory the transport should use for threads that run blocking
 *                      work or callbacks into the engine (the engine passes virtual threads)
 *
 * @since 0.1.0
 */
public record TransportContext(String name, ThreadFactory threadFactory) {
    /**
     * Checks the components.
     *
     * @throws NullPointerException when {@code name} or {@code threadFactory} is null
     */
    public TransportContext {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(threadFactory, "threadFactory");
    }

    /** A context with the given name and a virtual-thread factory. */
    public static TransportContext of(String name) {
        return new TransportContext(name, Thread.ofVirtual().name(name + "-", 0).factory());
    }
}
