package io.kwik.engine.multipath;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

import io.kwik.engine.util.Timers;

/**
 * The client's clock for path health (docs/PROTOCOL.md 4.5): every eighth of {@code pathTimeout} it
 * asks the paths to ping whoever has been quiet for a quarter of the timeout, and to declare
 * dead a secondary silent for all of it. Anything received counts as an answer, so a busy path
 * costs no pings.
 */
public final class Heartbeat {

    /** What the heartbeat does to the paths; called on a virtual thread, so it may wait. */
    public interface Paths {
        /** Pings every path quiet since {@code quietSinceNanos}; dead-declares secondaries silent since {@code deadSinceNanos}. */
        void check(long quietSinceNanos, long deadSinceNanos);

        /**
         * The heartbeat itself ran {@code lateNanos} late, so this process was starved of CPU
         * for about that long and could not read what the paths sent: that much of their
         * silence proves nothing, and is forgiven.
         */
        void forgive(long lateNanos);
    }

    private final ScheduledFuture<?> task;
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile long lastRunNanos;

    public Heartbeat(Duration pathTimeout, Paths paths, LongSupplier nanoClock) {
        long timeout = pathTimeout.toNanos();
        long period = Math.max(TimeUnit.MILLISECONDS.toNanos(10), timeout / 8);
        this.lastRunNanos = nanoClock.getAsLong();
        this.task = Timers.scheduler().scheduleWithFixedDelay(() -> {
            if (!running.compareAndSet(false, true)) return;
            Thread.ofVirtual().name("kwik-heartbeat").start(() -> {
                try {
                    long now = nanoClock.getAsLong();
                    long late = now - lastRunNanos - period;
                    lastRunNanos = now;
                    if (late > period) paths.forgive(late);
                    paths.check(now - timeout / 4, now - timeout);
                } finally {
                    running.set(false);
                }
            });
        }, period, period, TimeUnit.NANOSECONDS);
    }

    /** Stops watching. */
    public void close() {
        task.cancel(false);
    }
}
