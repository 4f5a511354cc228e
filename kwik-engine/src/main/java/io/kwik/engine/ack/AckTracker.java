package io.kwik.engine.ack;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.kwik.engine.util.Timers;
import io.kwik.proto.AckFrame;
import io.kwik.proto.PacketRange;

/**
 * A path's receiver side of KWIK acknowledgements (docs/PROTOCOL.md 4.5, R11.1-11.2). Acknowledgements
 * are delayed and batched: one goes out once {@link #PACKETS_PER_ACK} data packets are
 * unacknowledged, or {@code rtt / 4} (within [{@link #MIN_ACK_DELAY}, {@link #MAX_ACK_DELAY}])
 * after the first of them arrived, whichever comes first. Each names only the packets received since the previous one,
 * as ranges; the control stream it travels on is reliable, so nothing is acknowledged twice.
 * Only data packets are acknowledged, so acknowledgements never beget acknowledgements.
 */
public final class AckTracker {
    private static final System.Logger LOG = System.getLogger(AckTracker.class.getName());

    /** Unacknowledged packets that make an acknowledgement go out at once. */
    public static final int PACKETS_PER_ACK = 16;
    /** The longest an acknowledgement waits. */
    public static final Duration MAX_ACK_DELAY = Duration.ofMillis(25);
    /**
     * The shortest timer delay. On a path of a millisecond's RTT a 1 ms timer, not the packet
     * count, would send most acknowledgements (at 50 MB/s, one per 5 packets of 10 KB), each a
     * control frame handed to the control stream's writer and a datagram, on both ends. 5 ms lets the
     * count decide on any path faster than 16 packets per 5 ms (about 32 MB/s with default
     * packets), and a slower path holds at most 5 ms more of unacknowledged data, far below the
     * smallest send window; RTT samples subtract the delay either way.
     */
    public static final Duration MIN_ACK_DELAY = Duration.ofMillis(5);

    /** Where acknowledgements go: the path's control stream. */
    public interface Sink {
        /** Queues {@code frame}, waiting while the control stream's queue is full. */
        void send(AckFrame frame) throws IOException;

        /** Queues {@code frame} only if there is room now; never waits. */
        boolean offer(AckFrame frame);
    }

    /** Runs {@code task} once after {@code delayNanos}; the production one is the engine's timer thread. */
    interface Timer {
        void schedule(Runnable task, long delayNanos);
    }

    private final String pathId;
    private final LongSupplier clock;
    private final Supplier<Duration> rtt;
    private final Sink sink;
    private final Timer timer;
    private final ReentrantLock lock = new ReentrantLock();
    private final long[] pending = new long[PACKETS_PER_ACK];
    private int count;
    private long largestArrivalNanos;
    /** An acknowledgement the timer could not queue (the control stream was full); it goes first next time. */
    private AckFrame deferred;
    private boolean timerArmed;
    private volatile boolean closed;

    public AckTracker(String pathId, LongSupplier clock, Supplier<Duration> rtt, Sink sink) {
        // the task runs on the shared timer thread itself: it never waits (see onTimer), so no thread per timer
        this(pathId, clock, rtt, sink,
                (task, delayNanos) -> Timers.scheduler().schedule(task, delayNanos, TimeUnit.NANOSECONDS));
    }

    /** With {@code timer} for the delayed acknowledgement, so a test can decide when it fires. */
    AckTracker(String pathId, LongSupplier clock, Supplier<Duration> rtt, Sink sink, Timer timer) {
        this.pathId = pathId;
        this.clock = clock;
        this.rtt = rtt;
        this.sink = sink;
        this.timer = timer;
    }

    /** A data packet arrived; may send an acknowledgement from the calling thread. */
    public void onPacket(long packetNumber) {
        onPacket(packetNumber, null);
    }

    /**
     * A data packet arrived; may send an acknowledgement from the calling thread, which waits
     * while the control stream is full.
     *
     * @param beforeSending run first when an acknowledgement is to be sent (so before any wait), or null
     */
    public void onPacket(long packetNumber, Runnable beforeSending) {
        AckFrame late = null;
        AckFrame due = null;
        boolean arm = false;
        lock.lock();
        try {
            pending[count++] = packetNumber;
            largestArrivalNanos = clock.getAsLong();
            if (count == PACKETS_PER_ACK) {
                late = takeDeferred();
                due = take();
            } else if (!timerArmed) {
                timerArmed = arm = true;
            }
        } finally {
            lock.unlock();
        }
        if (beforeSending != null && (late != null || due != null)) beforeSending.run();
        if (late != null) send(late);
        if (due != null) send(due);
        if (arm) {
            long delay = Math.max(MIN_ACK_DELAY.toNanos(), Math.min(rtt.get().toNanos() / 4, MAX_ACK_DELAY.toNanos()));
            timer.schedule(this::onTimer, delay);
        }
    }

    /** Sends what is unacknowledged now, waiting for room on the control stream if need be. */
    public void flush() {
        AckFrame late;
        AckFrame due;
        lock.lock();
        try {
            late = takeDeferred();
            due = count == 0 ? null : take();
        } finally {
            lock.unlock();
        }
        if (late != null) send(late);
        if (due != null) send(due);
    }

    /**
     * The delayed acknowledgement. It runs on the shared timer thread, so it only offers: when
     * the control stream is full (a peer that does not read it), the acknowledgement is kept
     * and the timer re-armed for {@link #MAX_ACK_DELAY}, one task per path whatever the peer does.
     */
    void onTimer() {
        if (closed) return;
        boolean rearm;
        lock.lock();
        try {
            while (deferred != null || count > 0) {
                if (deferred == null) deferred = take();
                if (!sink.offer(deferred)) break;
                deferred = null;
            }
            rearm = deferred != null;
            timerArmed = rearm;
        } finally {
            lock.unlock();
        }
        if (rearm) timer.schedule(this::onTimer, MAX_ACK_DELAY.toNanos());
    }

    /** Stops acknowledging. */
    public void close() {
        closed = true;
    }

    private AckFrame takeDeferred() {
        AckFrame late = deferred;
        deferred = null;
        return late;
    }

    private AckFrame take() {
        java.util.Arrays.sort(pending, 0, count);
        AckFrame.Builder ack = AckFrame.newBuilder().setPathId(pathId)
                .setAckDelayMicros(TimeUnit.NANOSECONDS.toMicros(clock.getAsLong() - largestArrivalNanos));
        long start = pending[0];
        long end = start;
        for (int i = 1; i < count; i++) {
            if (pending[i] == end + 1) {
                end++;
            } else if (pending[i] > end) {
                ack.addRanges(PacketRange.newBuilder().setSmallest(start).setLargest(end));
                start = end = pending[i];
            }
        }
        ack.addRanges(PacketRange.newBuilder().setSmallest(start).setLargest(end));
        count = 0;
        return ack.build();
    }

    private void send(AckFrame frame) {
        if (closed) return;
        try {
            sink.send(frame);
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "cannot acknowledge on {0}: {1}", pathId, e);
        }
    }
}
