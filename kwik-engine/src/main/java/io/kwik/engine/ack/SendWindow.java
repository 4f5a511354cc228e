package io.kwik.engine.ack;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

import io.kwik.api.ErrorCode;
import io.kwik.api.KwikException;

/**
 * A path's sender side of KWIK acknowledgements (docs/PROTOCOL.md 4.5, R11): it remembers every data
 * packet sent and not yet acknowledged, measures the path from the acknowledgements (smoothed
 * RTT and its variance, goodput, bytes in flight), and keeps a send window that writers wait
 * on, so the data at risk on a path stays bounded.
 *
 * <p>The window is delay-based AIMD. It starts at {@link #INITIAL_WINDOW}. An acknowledgement
 * whose RTT sample stays below twice the smallest RTT seen (plus {@link #RTT_SLACK}) grows it
 * additively, by one packet per window acknowledged; a sample above that, which means queues
 * are building on the path, shrinks it by a quarter, at most once per smoothed RTT. It stays
 * between {@link #MIN_WINDOW} and {@link #MAX_WINDOW}.
 *
 * <p>A decrease never takes the window below twice what the path has shown it delivers in a
 * smoothed RTT (its recent peak goodput x smoothed RTT, the bandwidth-delay product as
 * measured), nor raises it. KWIK's RTT
 * includes time the packet spends queued in the sending JVM and the QUIC send buffer, and time
 * the receiver takes to get to it under CPU starvation, so a rising RTT does not always mean
 * the path is queueing; a window below what the path carries in an RTT would then throttle a
 * path by queues the window itself does not cause. What is at risk stays bounded by the
 * window, which the path's measured delivery bounds.
 */
public final class SendWindow {
    public static final long INITIAL_WINDOW = 16L << 20;
    /**
     * The smallest window: 4 MiB. KWIK's RTT includes the time a packet waits in the QUIC send
     * buffer and for a busy receiver, so on a path whose QUIC queue is full every sample reads as
     * queueing; at the 1 MiB this was before, a 200 ms KWIK RTT held an 80 Mbit/s secondary at
     * 5 MiB/s, and the capped benchmark's secondaries waited for this window a quarter to a third
     * of their time (docs/PERFORMANCE.md, "Where a secondary's time goes"). QUIC's own congestion
     * control still paces the path; 4 MiB bounds what a dying path can leave to refill.
     */
    public static final long MIN_WINDOW = 4L << 20;
    public static final long MAX_WINDOW = 64L << 20;
    /** Jitter tolerated above twice the smallest RTT before the window shrinks. */
    public static final Duration RTT_SLACK = Duration.ofMillis(5);
    /** How far back goodput looks. */
    private static final long GOODPUT_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    /** What {@link #ackOverdue} assumes of a path not yet measured. */
    private static final long UNMEASURED_RTT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private record Sent(long timeNanos, int bytes) {}

    private final LongSupplier clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition room = lock.newCondition();
    private final TreeMap<Long, Sent> unacked = new TreeMap<>();
    private long nextExpected;
    private long inFlight;
    private long window = INITIAL_WINDOW;
    private long smoothedRtt = -1;
    private long rttVariance;
    private long minRtt = Long.MAX_VALUE;
    private long lastDecreaseNanos;
    private long goodput = -1;
    /** The highest goodput of an interval, decaying by a sixteenth per interval: what the path has shown it carries. */
    private long peakGoodput = -1;
    private long intervalStart;
    private long intervalBytes;
    private long ackedBytes;
    private boolean closed;

    /** @param clock nanoseconds, like {@link System#nanoTime()} */
    public SendWindow(LongSupplier clock) {
        this.clock = clock;
        this.intervalStart = clock.getAsLong();
    }

    /**
     * Waits until {@code bytes} more fit the window; a packet always fits an empty window.
     *
     * @return false when the path closed while waiting
     */
    public boolean awaitRoom(int bytes) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (!closed && !fits(bytes)) room.await();
            return !closed;
        } finally {
            lock.unlock();
        }
    }

    /** Whether {@code bytes} more fit the window now, so that {@link #awaitRoom} would not wait. */
    public boolean hasRoom(int bytes) {
        lock.lock();
        try {
            return closed || fits(bytes);
        } finally {
            lock.unlock();
        }
    }

    /** Called with the lock held: a packet always fits an empty window. */
    private boolean fits(int bytes) {
        return inFlight == 0 || inFlight + bytes <= window;
    }

    /** A data packet went out. Packet numbers must come in order, from 0. */
    public void onSent(long packetNumber, int bytes) {
        lock.lock();
        try {
            unacked.put(packetNumber, new Sent(clock.getAsLong(), bytes));
            nextExpected = Math.max(nextExpected, packetNumber + 1);
            inFlight += bytes;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The peer acknowledged the packets in {@code [smallest, largest]}, and held the largest
     * for {@code ackDelayMicros} before it said so.
     *
     * @throws KwikException {@link ErrorCode#INVALID_FRAME} for a range that is inverted or
     *                       names a packet never sent
     */
    public void onAck(long smallest, long largest, long ackDelayMicros) throws KwikException {
        if (smallest < 0 || largest < smallest) {
            throw new KwikException(ErrorCode.INVALID_FRAME, "ack range [" + smallest + ", " + largest + "] is inverted");
        }
        long now = clock.getAsLong();
        lock.lock();
        try {
            if (largest >= nextExpected) {
                throw new KwikException(ErrorCode.INVALID_FRAME, "ack of packet " + largest + ", which was never sent");
            }
            Sent newest = unacked.get(largest);
            long acked = 0;
            // only what is in flight is visited, however wide the range
            Map<Long, Sent> range = unacked.subMap(smallest, true, largest, true);
            for (Sent sent : range.values()) acked += sent.bytes;
            range.clear();
            if (acked == 0) return;
            inFlight -= acked;
            ackedBytes += acked;
            intervalBytes += acked;
            if (newest != null) sample(now - newest.timeNanos - TimeUnit.MICROSECONDS.toNanos(Math.max(0, ackDelayMicros)),
                    now, acked);
            if (now - intervalStart >= GOODPUT_INTERVAL_NANOS) {
                long rate = intervalBytes * 1_000_000_000L / (now - intervalStart);
                goodput = goodput < 0 ? rate : (goodput + rate) / 2;
                peakGoodput = Math.max(rate, peakGoodput - peakGoodput / 16);
                intervalStart = now;
                intervalBytes = 0;
            }
            room.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void sample(long rtt, long now, long acked) {
        rtt = Math.max(rtt, 1);
        minRtt = Math.min(minRtt, rtt);
        if (smoothedRtt < 0) {
            smoothedRtt = rtt;
            rttVariance = rtt / 2;
        } else {
            rttVariance = (3 * rttVariance + Math.abs(smoothedRtt - rtt)) / 4;
            smoothedRtt = (7 * smoothedRtt + rtt) / 8;
        }
        boolean queueing = rtt > 2 * minRtt + RTT_SLACK.toNanos();
        if (queueing) {
            if (now - lastDecreaseNanos >= smoothedRtt) {
                window = Math.max(decreaseFloor(), window - window / 4);
                lastDecreaseNanos = now;
            }
        } else {
            // one 16 KiB packet per window acknowledged
            window = Math.min(MAX_WINDOW, window + Math.max(1, acked * (16 * 1024) / window));
        }
    }

    /**
     * The least a decrease leaves: {@link #MIN_WINDOW}, or twice the measured bandwidth-delay
     * product (the recent peak goodput x smoothed RTT) if that is more, but never more than the
     * window already is. The peak, not the mean: a secondary waiting for its next range sends
     * less than its path carries, and a floor from that mean let the window ratchet down to
     * 1 MiB (the delay rule grows it back only while RTT samples stay near the smallest, which
     * a path whose QUIC queue is full never shows); the capped benchmark's timeline then had
     * the secondaries' writers waiting for this window a third of their time
     * (docs/PERFORMANCE.md, "Where a secondary's time goes").
     */
    private long decreaseFloor() {
        long rate = Math.max(goodput, peakGoodput);
        if (rate <= 0 || smoothedRtt <= 0) return MIN_WINDOW;
        // rate (bytes/s) x smoothedRtt (ns) / 1e9, in two steps so that it cannot overflow
        long bdp = rate * (smoothedRtt / 1_000) / 1_000_000;
        return Math.max(MIN_WINDOW, Math.min(window, 2 * bdp));
    }

    /**
     * Whether the peer's acknowledgement is overdue: the oldest packet in flight left longer
     * ago than a smoothed RTT (100 ms before the first sample), four RTT variances and
     * {@code maxAckDelay}, the longest the peer may hold an acknowledgement back.
     */
    public boolean ackOverdue(Duration maxAckDelay) {
        long now = clock.getAsLong();
        lock.lock();
        try {
            if (unacked.isEmpty()) return false;
            long rtt = smoothedRtt < 0 ? UNMEASURED_RTT_NANOS : smoothedRtt;
            return now - unacked.firstEntry().getValue().timeNanos > rtt + 4 * rttVariance + maxAckDelay.toNanos();
        } finally {
            lock.unlock();
        }
    }

    /** The path closed: wake every writer. */
    public void close() {
        lock.lock();
        try {
            closed = true;
            room.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Smoothed RTT, or {@link Duration#ZERO} before the first acknowledgement. */
    public Duration smoothedRtt() {
        lock.lock();
        try {
            return smoothedRtt < 0 ? Duration.ZERO : Duration.ofNanos(smoothedRtt);
        } finally {
            lock.unlock();
        }
    }

    /** RTT variance, or {@link Duration#ZERO} before the first acknowledgement. */
    public Duration rttVariance() {
        lock.lock();
        try {
            return Duration.ofNanos(rttVariance);
        } finally {
            lock.unlock();
        }
    }

    /** Acknowledged bytes per second, recently; -1 before half a second of acknowledgements. */
    public long goodput() {
        lock.lock();
        try {
            if (goodput >= 0) return goodput;
            long elapsed = clock.getAsLong() - intervalStart;
            // a short transfer still gets a figure once anything was acknowledged
            return ackedBytes == 0 || elapsed <= 0 ? -1 : intervalBytes * 1_000_000_000L / elapsed;
        } finally {
            lock.unlock();
        }
    }

    /** Bytes sent and not acknowledged. */
    public long bytesInFlight() {
        lock.lock();
        try {
            return inFlight;
        } finally {
            lock.unlock();
        }
    }

    /** The window in bytes. */
    public long window() {
        lock.lock();
        try {
            return window;
        } finally {
            lock.unlock();
        }
    }
}
