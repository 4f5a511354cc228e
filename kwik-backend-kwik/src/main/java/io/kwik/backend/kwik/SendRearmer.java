package io.kwik.backend.kwik;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Works around a lost wake-up in kwik 0.10.8's {@code StreamOutputStreamImpl}.
 *
 * <h2>The bug</h2>
 * {@code scheduleSendStreamFrameRequest} queues a send request and only then increments
 * {@code sendRequestsQueued}. When kwik's sender thread takes that request in between, the
 * counter is -1 inside {@code sendStreamFrame}; if the frame it builds does not take all
 * buffered data (the packet had less room, or a retransmission went first), its own follow-up
 * request sees -1 and is not queued. The stream then holds data and no request, and nothing
 * sends it until the next {@code write} or {@code close} on that stream. Every caller of
 * {@code scheduleSendStreamFrameRequest} that is not the sender thread can lose it this way:
 * {@code write}, {@code close}, flow-control credit from the peer ({@code streamNotBlocked}) and
 * retransmission of a lost frame.
 *
 * <h2>Why a zero-length write is not a general re-arm</h2>
 * A zero-length {@code write} re-queues the request, but it also appends an empty buffer to
 * kwik's {@code SendBuffer}. {@code getStreamFrame} only removes empty buffers while it copies at
 * least one byte, so once the real data is gone the empty buffer stays at the head; if the
 * next call is {@code close()}, the end-of-stream marker sits behind it, every later frame asks
 * for 0 bytes, never reaches the marker, and the FIN is never sent. A zero-length write is
 * therefore only safe when a write of at least one byte follows it on the same stream.
 *
 * <h2>What the backend does</h2>
 * <ol>
 *   <li><b>Held-back last byte.</b> {@link KwikStream}'s output hands kwik all but the last
 *       byte of each write at once and keeps that byte back; it goes to kwik together with the
 *       next write, before {@code close()}, or from a virtual thread {@link #TAIL_DELAY_NANOS}
 *       after the write, whichever comes first.</li>
 *   <li><b>Drain before the tail.</b> Before the held-back byte goes out on its own (from the
 *       timer or from {@code close()}), the output re-arms the stream with zero-length writes:
 *       one per KiB handed to kwik since the last drain plus two (at most 52), 0.2 ms apart,
 *       and for at least {@link #TAIL_DELAY_NANOS} after the last write. These are safe because
 *       the held byte follows them. Each re-arm that finds the request lost sends at least one
 *       frame, so kwik has at most a frame left when the 1-byte write and {@code close()} come,
 *       and their own requests cannot strand data or the FIN.</li>
 *   <li><b>Blocked writers.</b> Every {@link #PERIOD_MS} ms one daemon timer re-arms each stream
 *       whose writer has been blocked in kwik's {@code SendBuffer.write} for more than
 *       {@link #BLOCKED_MS} ms with a zero-length write. It is safe there: the blocked write
 *       appends its data after the empty buffer.</li>
 * </ol>
 * What is left (see README.md): every operation from a non-sender thread can lose the request
 * when kwik's sender is idle and more than one frame is buffered; in the regression test
 * (virtual-thread writers, 2 cores) each such operation sent exactly one frame. The drain is
 * counted, not confirmed (kwik has no public accessor for a stream's sent offset), so a drain
 * whose re-arms are all lost while more data than they cover is buffered can still leave the
 * stream stuck, as can one that loses the request through flow-control credit or a
 * retransmission after its last byte went out.
 *
 * <p>Bounds: the set holds only writes in progress (one per writing thread); each stream has at
 * most one pending tail task.
 */
final class SendRearmer {

    /** How often blocked writers are checked. */
    static final long PERIOD_MS = 20;
    /** How long a writer must have been blocked before its stream is re-armed. */
    static final long BLOCKED_MS = 20;
    /** How long the last byte of a write is held back at most. */
    static final long TAIL_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    /** A stream that can be re-armed with a zero-length write. */
    interface Target {
        /** Re-arms the stream if {@code writing} is still in progress and the stream is open. */
        void rearm(Writing writing);
    }

    /** One kwik write in progress on {@code target}, and when it began. */
    record Writing(Target target, long sinceNanos) {
    }

    private static final Set<Writing> WRITING = ConcurrentHashMap.newKeySet();
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "kwik-send-rearmer");
        thread.setDaemon(true);
        return thread;
    });

    static {
        TIMER.scheduleWithFixedDelay(SendRearmer::sweep, PERIOD_MS, PERIOD_MS, TimeUnit.MILLISECONDS);
    }

    private SendRearmer() {
    }

    static Writing enter(Target target) {
        Writing writing = new Writing(target, System.nanoTime());
        WRITING.add(writing);
        return writing;
    }

    static void exit(Writing writing) {
        WRITING.remove(writing);
    }

    static boolean inProgress(Writing writing) {
        return WRITING.contains(writing);
    }

    /**
     * Runs {@code task} on a new virtual thread after {@code delayNanos}: the task may block in
     * kwik's {@code write} (when the buffer is exactly full), which must not stall the timer.
     */
    static void later(Runnable task, long delayNanos) {
        TIMER.schedule(() -> Thread.ofVirtual().name("kwik-send-tail").start(task), Math.max(0, delayNanos),
                TimeUnit.NANOSECONDS);
    }

    private static void sweep() {
        long now = System.nanoTime();
        for (Writing writing : WRITING) {
            if (now - writing.sinceNanos() >= TimeUnit.MILLISECONDS.toNanos(BLOCKED_MS)) {
                writing.target().rearm(writing);
            }
        }
    }
}
