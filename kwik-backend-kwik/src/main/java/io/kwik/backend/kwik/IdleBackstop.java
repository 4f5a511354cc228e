package io.kwik.backend.kwik;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection that has received no packet for well past its idle timeout when kwik's
 * own idle timer has not.
 *
 * <h2>Why</h2>
 * kwik 0.10.8 closes an idle connection from a per-connection timer, once a second, and only
 * when the quiet period also exceeds three probe timeouts (RFC 9000 §10.1) computed from its RTT
 * estimate. That estimate comes from the handshake alone when nothing else is acknowledged, and
 * a slow first flight on a cold JVM has been seen to inflate it to 1–8 s (README.md, "Known
 * upstream defects"); three probe timeouts from such an estimate are roughly 9–72 s. This class
 * bounds that case.
 *
 * <p>The second case is two idle kwik 0.10.8 endpoints that never idle out because they keep
 * exchanging packets of ACK and PING frames (README.md, "Known upstream defects"): kwik adds a
 * PING to an ACK-only packet when it has not seen its own ACKs acknowledged for a while, and the
 * peer's answer, an ACK delayed by 20 ms, gets a PING for the same reason; about 25 packets a
 * second each way, each one restarting both idle timers, for as long as the smoothed RTT stays
 * below about 20 ms.
 *
 * <h2>What it does</h2>
 * Every connection records the monotonic time of each packet kwik hands to the log bridge (which
 * kwik does for every packet it received and parsed, before processing it). One daemon
 * scheduler for the whole backend checks each open connection every {@link #period} and, once
 * nothing has arrived for the idle timeout plus {@link #grace} (at least one second: kwik's
 * timer runs once a second, and RFC 9000 §10.1 stretches the period to three probe timeouts),
 * ends it as an idle timeout. For the second case a connection is also ended as an idle
 * timeout when, for that long, it has received nothing but control-only packets (ACK, PING and
 * PADDING frames), the application has not written to it, and those packets came at least every
 * {@link #PING_PONG_INTERVAL} on average: a keep-alive, even one as frequent as four a second,
 * still keeps a connection open, as in QUIC; only the exchange above is faster. Its kwik
 * connection is closed {@link #grace} later, so that a peer of this backend in the same exchange
 * fires its own backstop first and also ends as an idle timeout, not by our CONNECTION_CLOSE.
 *
 * <p>This departs from RFC 9000 §10.1 on purpose: the grace does not grow with the probe
 * timeout, because the estimate it would grow with is the one that can be wrong by seconds on a
 * loopback-fast path. An application that configured a short idle timeout gets its close within
 * about twice that timeout (at least one second more), not after a minute.
 */
final class IdleBackstop {

    private static final System.Logger LOG = System.getLogger(IdleBackstop.class.getName());
    private static final ScheduledExecutorService SCHEDULER = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "kwik-idle-backstop");
        thread.setDaemon(true);
        return thread;
    });

    /** What the backstop watches: one connection. */
    interface Watched {
        /** Monotonic time ({@link System#nanoTime()}) of the last packet received. */
        long lastReceivedNanos();

        /** Whether the connection has ended, so the watch can stop. */
        boolean ended();

        /**
         * Monotonic time of the last sign of use: a received packet that is not control-only, or
         * an application write; defaults to {@link #lastReceivedNanos()}.
         */
        default long lastActiveNanos() {
            return lastReceivedNanos();
        }

        /** Control-only packets received since {@link #lastActiveNanos()}. */
        default long controlOnlySinceActive() {
            return 0;
        }

        /**
         * Ends the connection as an idle timeout: {@code why} for {@code quietFor}; kwik's own
         * connection is to be closed after {@code closeKwikAfter}.
         */
        void idleBackstopFired(Duration quietFor, String why, Duration closeKwikAfter);
    }

    /**
     * The mean interval at or below which control-only packets alone do not keep a connection
     * open: the exchange described above runs at about 40 ms per packet each way.
     */
    static final Duration PING_PONG_INTERVAL = Duration.ofMillis(250);

    private IdleBackstop() {
    }

    /** The extra time granted past the idle timeout before the backstop acts. */
    static Duration grace(Duration idleTimeout) {
        return idleTimeout.compareTo(Duration.ofSeconds(1)) > 0 ? idleTimeout : Duration.ofSeconds(1);
    }

    /** How often a connection with this idle timeout is checked. */
    static Duration period(Duration idleTimeout) {
        long quarter = idleTimeout.toMillis() / 4;
        return Duration.ofMillis(Math.max(100, Math.min(1000, quarter)));
    }

    /** Starts watching {@code watched} until it ends. */
    static void watch(Watched watched, Duration idleTimeout) {
        long limitNanos = idleTimeout.plus(grace(idleTimeout)).toNanos();
        long periodMillis = period(idleTimeout).toMillis();
        ScheduledFuture<?>[] self = new ScheduledFuture<?>[1];
        Runnable check = () -> {
            if (watched.ended()) {
                cancel(self);
                return;
            }
            long now = System.nanoTime();
            long quiet = now - watched.lastReceivedNanos();
            if (quiet > limitNanos) {
                cancel(self);
                Duration quietFor = Duration.ofNanos(quiet);
                LOG.log(System.Logger.Level.WARNING, () -> watched + ": nothing received for " + quietFor.toMillis()
                        + " ms (idle timeout " + idleTimeout.toMillis() + " ms) and kwik reported no close;"
                        + " closing it as idle");
                watched.idleBackstopFired(quietFor, "nothing received", Duration.ZERO);
                return;
            }
            long inactive = now - watched.lastActiveNanos();
            long controlOnly = watched.controlOnlySinceActive();
            if (inactive > limitNanos && controlOnly * PING_PONG_INTERVAL.toNanos() >= inactive) {
                cancel(self);
                Duration inactiveFor = Duration.ofNanos(inactive);
                LOG.log(System.Logger.Level.DEBUG, () -> watched + ": only " + controlOnly + " ACK/PING packets received in "
                        + inactiveFor.toMillis() + " ms (idle timeout " + idleTimeout.toMillis()
                        + " ms), kwik's idle ping-pong; closing it as idle");
                watched.idleBackstopFired(inactiveFor, "only " + controlOnly + " ACK/PING packets received",
                        grace(idleTimeout));
            }
        };
        synchronized (self) {
            self[0] = SCHEDULER.scheduleWithFixedDelay(check, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
        }
    }

    /** Runs {@code task} on the backstop's scheduler after {@code delay}; it must not block. */
    static void later(Runnable task, Duration delay) {
        SCHEDULER.schedule(task, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
    }

    private static void cancel(ScheduledFuture<?>[] self) {
        synchronized (self) {
            self[0].cancel(false);
        }
    }
}
