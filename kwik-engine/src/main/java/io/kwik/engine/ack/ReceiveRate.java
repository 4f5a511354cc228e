package io.kwik.engine.ack;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * Bytes received per second on one path, recently: the receiving end's counterpart of
 * {@link SendWindow#goodput()}, measured over the same half-second intervals and smoothed the
 * same way, so that the two figures of a path can be compared. Thread-safe.
 */
public final class ReceiveRate {
    /** How far back the rate looks, as {@link SendWindow}'s goodput does. */
    private static final long INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private final LongSupplier clock;
    private final ReentrantLock lock = new ReentrantLock();
    private long rate = -1;
    private long intervalStart;
    private long intervalBytes;
    private long totalBytes;

    /** @param clock nanoseconds, like {@link System#nanoTime()} */
    public ReceiveRate(LongSupplier clock) {
        this.clock = clock;
        this.intervalStart = clock.getAsLong();
    }

    /** Counts {@code bytes} received now. */
    public void received(long bytes) {
        long now = clock.getAsLong();
        lock.lock();
        try {
            totalBytes += bytes;
            intervalBytes += bytes;
            if (now - intervalStart >= INTERVAL_NANOS) {
                long sample = intervalBytes * 1_000_000_000L / (now - intervalStart);
                rate = rate < 0 ? sample : (rate + sample) / 2;
                intervalStart = now;
                intervalBytes = 0;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Bytes received per second, recently; -1 before anything was received. */
    public long bytesPerSecond() {
        lock.lock();
        try {
            if (rate >= 0) return rate;
            long elapsed = clock.getAsLong() - intervalStart;
            // a short transfer still gets a figure once anything arrived
            return totalBytes == 0 || elapsed <= 0 ? -1 : intervalBytes * 1_000_000_000L / elapsed;
        } finally {
            lock.unlock();
        }
    }
}
