package io.kwik.engine.connection;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * When a path last proved alive and when it was last pinged (docs/PROTOCOL.md 4.5). Anything read
 * from the peer counts as proof, so a busy path costs no pings. Only times are kept here; the
 * client's heartbeat decides what silence means.
 */
public final class Liveness {
    private final LongSupplier clock;
    private final AtomicLong lastHeardNanos;
    private volatile long lastPingNanos;

    /** @param clock nanoseconds, like {@link System#nanoTime()}; silence is counted from now */
    public Liveness(LongSupplier clock) {
        this.clock = clock;
        long now = clock.getAsLong();
        this.lastHeardNanos = new AtomicLong(now);
        this.lastPingNanos = now;
    }

    /** Something arrived from the peer. */
    public void heard() {
        lastHeardNanos.set(clock.getAsLong());
    }

    /** When something last arrived from the peer, in {@code clock} nanoseconds. */
    public long lastHeardNanos() {
        return lastHeardNanos.get();
    }

    /** A ping just left; returns its nonce, the time it left. */
    public long pinged() {
        long now = clock.getAsLong();
        lastPingNanos = now;
        return now;
    }

    /** When the last ping left. */
    public long lastPingNanos() {
        return lastPingNanos;
    }

    /**
     * This process was starved of CPU for about {@code lateNanos} and could not read what the
     * peer sent meanwhile: that much of the silence proves nothing. Never moves past now.
     */
    public void forgive(long lateNanos) {
        long now = clock.getAsLong();
        // atomic, so that something heard meanwhile is never moved back in time
        lastHeardNanos.updateAndGet(heard -> {
            long shifted = heard + lateNanos;
            long capped = shifted - now > 0 ? now : shifted;
            return capped - heard > 0 ? capped : heard;
        });
    }
}
