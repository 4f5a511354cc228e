package io.kwik.engine.stream;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import io.kwik.api.ErrorCode;
import io.kwik.api.KwikException;
import io.kwik.engine.events.StreamLifecycleEvent;
import io.kwik.engine.events.StreamLifecycleEvent.Action;
import io.kwik.engine.util.BoundedQueue;
import io.kwik.proto.ControlFrame;
import io.kwik.proto.MaxStreams;
import io.kwik.proto.StreamCreateNotification;

/**
 * The logical streams of one end of a session: ids, creation, the stream limit in both
 * directions, and the queue of streams the peer opened and the application has not accepted.
 *
 * <p>The stream limit is cumulative, as in QUIC: the peer may open streams whose sequence is
 * below the limit it was given, and each stream of the peer's that ends raises the limit by
 * one ({@code MaxStreams}). Memory is therefore bounded by the limit times the window.
 */
public final class StreamRegistry {
    private final StreamContext context;
    private final boolean localIsServer;
    private final int localPathNumber;
    private final long receiveWindow;
    private final Duration creationTimeout;
    private final Duration readTimeout;
    private final Map<Long, LogicalStream> streams = new ConcurrentHashMap<>();
    private final BoundedQueue<LogicalStream> acceptQueue;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private long nextLocalSequence;
    private long localLimit;          // streams we may open, cumulative, granted by the peer
    private long peerWindow;          // the peer's initial window for each stream we send on
    private long nextPeerSequence;    // sequence the peer's next stream must have
    private long peerLimit;           // streams the peer may open, cumulative, granted by us
    private volatile boolean failed;

    /**
     * @param maxPeerStreams how many streams the peer may have open at once
     */
    public StreamRegistry(StreamContext context, boolean localIsServer, int localPathNumber, long receiveWindow,
                          int maxPeerStreams, Duration creationTimeout) {
        this(context, localIsServer, localPathNumber, receiveWindow, maxPeerStreams, creationTimeout, null);
    }

    /**
     * @param maxPeerStreams how many streams the peer may have open at once
     * @param readTimeout    each new stream's initial read timeout, or null to wait forever
     */
    public StreamRegistry(StreamContext context, boolean localIsServer, int localPathNumber, long receiveWindow,
                          int maxPeerStreams, Duration creationTimeout, Duration readTimeout) {
        this.context = context;
        this.readTimeout = readTimeout;
        this.localIsServer = localIsServer;
        this.localPathNumber = localPathNumber;
        this.receiveWindow = receiveWindow;
        this.creationTimeout = creationTimeout;
        this.peerLimit = maxPeerStreams;
        this.acceptQueue = new BoundedQueue<>(maxPeerStreams);
    }

    /** What the peer said in the handshake: its window per stream and how many streams we may open. */
    public void peerParameters(long peerStreamWindow, long peerMaxStreams) {
        lock.lock();
        try {
            this.peerWindow = peerStreamWindow;
            this.localLimit = Math.max(localLimit, peerMaxStreams);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Opens a stream and announces it to the peer.
     *
     * @param wait whether to wait for the peer's limit, or fail at once with {@link ErrorCode#STREAM_LIMIT}
     */
    public LogicalStream open(boolean wait) throws IOException, InterruptedException {
        lock.lockInterruptibly();
        try {
            while (nextLocalSequence >= localLimit) {
                throwIfFailed();
                if (!wait) {
                    throw new KwikException(ErrorCode.STREAM_LIMIT,
                            "the peer allows " + localLimit + " streams so far, all in use; use openStreamSync() to wait");
                }
                changed.await();
            }
            throwIfFailed();
            long id = StreamIds.of(nextLocalSequence++, localIsServer, localIsServer ? localPathNumber : 0);
            LogicalStream stream = new LogicalStream(id, context, receiveWindow, peerWindow, readTimeout);
            streams.put(id, stream);
            // announced under the lock so that the peer sees creations in sequence order
            context.sendControl(ControlFrame.newBuilder()
                    .setStreamCreateNotification(StreamCreateNotification.newBuilder().setLogicalStreamId(id)).build());
            StreamLifecycleEvent.record(context.sessionId(), context.pathId(), id, Action.OPENED_LOCALLY, 0);
            return stream;
        } finally {
            lock.unlock();
        }
    }

    /** The next stream the peer opened, waiting up to {@code timeout}, or forever when null. */
    public LogicalStream accept(Duration timeout) throws IOException, InterruptedException {
        throwIfFailed();
        LogicalStream stream = timeout == null
                ? acceptQueue.poll(-1, TimeUnit.NANOSECONDS)
                : acceptQueue.poll(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
        if (stream == null) {
            throwIfFailed();
            if (timeout == null) throw new KwikException(ErrorCode.SESSION_CLOSED, "session closed");
        }
        return stream;
    }

    /** The peer announced a stream. */
    public void onCreateNotification(long id) throws KwikException {
        LogicalStream stream;
        lock.lock();
        try {
            if (StreamIds.isServerInitiated(id) == localIsServer) {
                throw new KwikException(ErrorCode.INVALID_FRAME, "peer announced stream " + id + ", whose id is ours to give");
            }
            if (StreamIds.pathNumber(id) != 0) {
                throw new KwikException(ErrorCode.INVALID_FRAME, "stream " + id + " names a path this session does not have");
            }
            long sequence = StreamIds.sequence(id);
            if (sequence != nextPeerSequence) {
                throw new KwikException(ErrorCode.INVALID_FRAME,
                        "peer announced stream sequence " + sequence + ", expected " + nextPeerSequence);
            }
            if (sequence >= peerLimit) {
                throw new KwikException(ErrorCode.STREAM_LIMIT,
                        "peer opened stream sequence " + sequence + " but was allowed " + peerLimit);
            }
            nextPeerSequence++;
            stream = new LogicalStream(id, context, receiveWindow, peerWindow, readTimeout);
            streams.put(id, stream);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        StreamLifecycleEvent.record(context.sessionId(), context.pathId(), id, Action.OPENED_BY_PEER, 0);
        if (!acceptQueue.offer(stream)) {
            throw new KwikException(ErrorCode.STREAM_LIMIT, "accept queue full");
        }
    }

    /**
     * As {@link #forFrame(long)}, for a path's data reader: before it may wait for a stream not
     * announced yet, it wakes the readers {@code wakeups} holds.
     */
    public LogicalStream forFrame(long id, ReaderWakeups wakeups) throws KwikException, InterruptedException {
        LogicalStream stream = streams.get(id);
        if (stream != null) return stream;
        // the stream may not be announced yet, and waiting for it must not keep other readers waiting
        wakeups.wake();
        return forFrame(id);
    }

    /**
     * The stream a data frame is for. Waits up to the creation timeout for a peer stream whose
     * announcement, travelling on the control stream, has not arrived yet.
     *
     * @return the stream, or null when the frame is for a stream that already ended (drop it)
     * @throws KwikException {@link ErrorCode#INVALID_FRAME} for a stream that was never created
     */
    public LogicalStream forFrame(long id) throws KwikException, InterruptedException {
        LogicalStream stream = streams.get(id);
        if (stream != null) return stream;
        long sequence = StreamIds.sequence(id);
        boolean ours = StreamIds.isServerInitiated(id) == localIsServer;
        lock.lockInterruptibly();
        try {
            if (ours) {
                if (sequence < nextLocalSequence) return null;
                throw new KwikException(ErrorCode.INVALID_FRAME, "data for stream " + id + ", which was never created");
            }
            long deadline = System.nanoTime() + creationTimeout.toNanos();
            while ((stream = streams.get(id)) == null) {
                if (sequence < nextPeerSequence) return null;
                throwIfFailed();
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new KwikException(ErrorCode.INVALID_FRAME,
                            "data for stream " + id + ", which was not created within " + creationTimeout);
                }
                changed.awaitNanos(left);
            }
            return stream;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The stream a control frame names, such as a StopSending. Control frames travel in order
     * with the creation notices, so a peer stream not announced yet was never created.
     *
     * @return the stream, or null when it already ended (ignore the frame)
     * @throws KwikException {@link ErrorCode#INVALID_FRAME} for a stream that was never created
     */
    public LogicalStream forControl(long id) throws KwikException {
        LogicalStream stream = streams.get(id);
        if (stream != null) return stream;
        long sequence = StreamIds.sequence(id);
        boolean ours = StreamIds.isServerInitiated(id) == localIsServer;
        int pathNumber = ours && localIsServer ? localPathNumber : 0;
        lock.lock();
        try {
            boolean created = StreamIds.pathNumber(id) == pathNumber
                    && sequence < (ours ? nextLocalSequence : nextPeerSequence);
            if (!created) throw new KwikException(ErrorCode.INVALID_FRAME, "a control frame names stream " + id + ", which was never created");
            return streams.get(id);
        } finally {
            lock.unlock();
        }
    }

    /** The stream with this id, or null when it is unknown or ended. */
    public LogicalStream get(long id) {
        return streams.get(id);
    }

    /** The peer raised how many streams we may open. */
    public void onMaxStreams(long maxStreams) {
        lock.lock();
        try {
            if (maxStreams > localLimit) {
                localLimit = maxStreams;
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Both halves of {@code stream} ended: forget it, and give the peer its slot back. */
    public void released(LogicalStream stream) throws IOException {
        streams.remove(stream.id());
        StreamLifecycleEvent.record(context.sessionId(), context.pathId(), stream.id(), Action.CLOSED, 0);
        if (StreamIds.isServerInitiated(stream.id()) == localIsServer) return;
        long limit;
        lock.lock();
        try {
            limit = ++peerLimit;
        } finally {
            lock.unlock();
        }
        context.sendControl(ControlFrame.newBuilder().setMaxStreams(MaxStreams.newBuilder().setMaxStreams(limit)).build());
    }

    /** Streams open now, both directions counted. */
    public int openStreams() {
        return streams.size();
    }

    /** The session failed: wake every waiter. */
    public void fail() {
        failed = true;
        acceptQueue.close();
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        for (LogicalStream stream : List.copyOf(streams.values())) stream.onSessionFailed();
    }

    private void throwIfFailed() throws KwikException {
        if (!failed) return;
        KwikException failure = context.failure();
        if (failure != null) throw new KwikException(failure.code(), failure.getMessage(), failure);
        throw new KwikException(ErrorCode.SESSION_CLOSED, "session closed");
    }
}
