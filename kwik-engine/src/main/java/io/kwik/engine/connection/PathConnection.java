package io.kwik.engine.connection;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

import com.google.protobuf.ByteString;

import io.kwik.api.ErrorCode;
import io.kwik.api.KwikException;
import io.kwik.api.KwikTimeoutException;
import io.kwik.api.SessionClose;
import io.kwik.engine.ack.AckTracker;
import io.kwik.engine.ack.ReceiveRate;
import io.kwik.engine.ack.SendWindow;
import io.kwik.engine.packet.OffsetManager;
import io.kwik.engine.packet.PacketSizeCalculator;
import io.kwik.engine.stream.DataChannel;
import io.kwik.engine.stream.ReaderWakeups;
import io.kwik.engine.util.Timers;
import io.kwik.engine.wire.MessageReader;
import io.kwik.engine.wire.MessageSender;
import io.kwik.engine.wire.Messages;
import io.kwik.proto.AckFrame;
import io.kwik.proto.ControlFrame;
import io.kwik.proto.PacketRange;
import io.kwik.proto.DataPacket;
import io.kwik.proto.RawPacket;
import io.kwik.proto.StreamHeader;
import io.kwik.spi.ConnectionClose;
import io.kwik.spi.ConnectionClosedException;
import io.kwik.spi.QuicConnection;
import io.kwik.spi.QuicStream;
import io.kwik.spi.TransportStats;

/**
 * One path: a QUIC connection, its control stream and its data streams. It reads the
 * control stream and every data stream on threads of its own, hands frames to its
 * {@link PathHandler}, and closes the connection with the right application error code
 * when a peer breaks the protocol.
 */
public final class PathConnection {
    private static final System.Logger LOG = System.getLogger(PathConnection.class.getName());
    /** Packets remembered for mapping acknowledgements back to logical ranges. */
    private static final int OFFSET_HISTORY_PACKETS = 4096;

    private final String pathId;
    private final QuicConnection quic;
    private final MessageReader controlReader;
    private final MessageSender control;
    private final ThreadFactory threads;
    private final int maxMessageSize;
    private final Duration openTimeout;
    private final Duration idleTimeout;
    private final PacketSizeCalculator sizes;
    private final StreamMultiplexer multiplexer;
    private final Duration reapInterval;
    private volatile ScheduledFuture<?> reaper;
    private final AtomicLong packetNumbers = new AtomicLong();
    private final LongAdder packetsReceived = new LongAdder();
    private final LongAdder bytesReceived = new LongAdder();
    private final LongAdder bytesSent = new LongAdder();
    private final AtomicReference<KwikException> failure = new AtomicReference<>();
    /** How this end closed the path, once it did; set before the transport is told. */
    private final AtomicReference<SessionClose> localClose = new AtomicReference<>();
    private final AtomicBoolean closedReported = new AtomicBoolean();
    private final KwikException closedLocally = new KwikException(ErrorCode.SESSION_CLOSED, "session closed locally");
    private volatile PathHandler handler;
    private static final System.Logger TIMELINE = System.getLogger(io.kwik.api.MultiSourceTransfer.TIMELINE_LOGGER);
    private final AtomicLong windowWaitNanos = new AtomicLong();
    private final AtomicLong windowWaitLogged = new AtomicLong(System.nanoTime());
    private final SendWindow sendWindow = new SendWindow(System::nanoTime);
    private final ReceiveRate receiveRate = new ReceiveRate(System::nanoTime);
    private final Liveness liveness = new Liveness(System::nanoTime);
    private static final long TRANSPORT_RTT_REFRESH_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    private volatile Duration cachedTransportRtt;
    private volatile long transportRttReadNanos;
    private final AckTracker acks;
    private final AtomicReference<CompletableFuture<MessageSender>> raw = new AtomicReference<>();
    /** Relayed messages queued for the raw stream at most; {@link MessageSender} bounds their bytes too. */
    private static final int RAW_QUEUE_MESSAGES = 64;

    /**
     * @param controlReader the reader already used for the handshake on the control stream
     * @param control       the sender already used for the handshake on the control stream
     */
    public PathConnection(String pathId, QuicConnection quic, MessageReader controlReader,
                          MessageSender control, ThreadFactory threads, PathSettings settings) {
        this.pathId = pathId;
        this.quic = quic;
        this.controlReader = controlReader;
        this.control = control;
        this.threads = threads;
        this.maxMessageSize = settings.maxMessageSize();
        this.openTimeout = settings.openTimeout();
        this.idleTimeout = settings.idleTimeout();
        this.sizes = new PacketSizeCalculator(quic.maxStreamFramePayload(), settings.quicPacketsPerKwikPacket(),
                settings.peerMaxMessageSize());
        this.multiplexer = new StreamMultiplexer(this, settings.logicalStreamsPerRealStream(), settings.realStreamIdleTimeout(),
                sizes, new OffsetManager(OFFSET_HISTORY_PACKETS), threads);
        this.reapInterval = settings.realStreamIdleTimeout().dividedBy(2);
        this.acks = new AckTracker(pathId, System::nanoTime, this::rtt, new AckTracker.Sink() {
            @Override
            public void send(AckFrame frame) throws IOException {
                // from the data reader, which holds no lock: written on its thread when the control stream is idle
                control.sendThroughWhenIdle(Messages.delimited(ControlFrame.newBuilder().setAck(frame).build()));
            }

            @Override
            public boolean offer(AckFrame frame) {
                return offerControl(ControlFrame.newBuilder().setAck(frame).build());
            }
        });
    }

    /** The path's smoothed RTT as KWIK measures it, or as the transport does until then. */
    public Duration rtt() {
        Duration measured = sendWindow.smoothedRtt();
        return measured.isZero() ? transportRtt() : measured;
    }

    /**
     * The transport's smoothed RTT, read at most every {@link #TRANSPORT_RTT_REFRESH_NANOS}:
     * reading it may wait for the transport's own thread, and a receiver that never sends data
     * (so has no KWIK RTT) asks for it with every acknowledgement it schedules.
     */
    public Duration transportRtt() {
        long now = System.nanoTime();
        Duration cached = cachedTransportRtt;
        if (cached == null || now - transportRttReadNanos > TRANSPORT_RTT_REFRESH_NANOS) {
            cached = quic.stats().smoothedRtt();
            cachedTransportRtt = cached;
            transportRttReadNanos = now;
        }
        return cached;
    }

    /**
     * A data writer waited {@code nanos} for room in the send window. Summed and written to the
     * timeline ({@link io.kwik.api.MultiSourceTransfer#TIMELINE_LOGGER}) at most every 100 ms,
     * when it is on: {@code window-wait} lines say how much of a path's time its writers spent
     * held by the KWIK send window rather than by QUIC.
     */
    void windowWaited(long nanos) {
        if (!TIMELINE.isLoggable(System.Logger.Level.DEBUG)) return;
        long now = System.nanoTime();
        long sum = windowWaitNanos.addAndGet(nanos);
        long last = windowWaitLogged.get();
        if (now - last >= 100_000_000L && windowWaitLogged.compareAndSet(last, now)) {
            windowWaitNanos.addAndGet(-sum);
            TIMELINE.log(System.Logger.Level.DEBUG, String.format(java.util.Locale.ROOT, "%.3f window-wait path=%s ms=%.1f inflight=%d window=%d",
                    now / 1e6, pathId, sum / 1e6, sendWindow.bytesInFlight(), sendWindow.window()));
        }
    }

    /** The sender side of this path's acknowledgements: window, RTT, goodput, bytes in flight. */
    public SendWindow sendWindow() {
        return sendWindow;
    }

    /** When the peer was last heard on this path, and last pinged. */
    public Liveness liveness() {
        return liveness;
    }

    public String pathId() {
        return pathId;
    }

    /** Starts reading the control stream and accepting data streams. */
    public void start(PathHandler pathHandler) {
        this.handler = pathHandler;
        thread("control-reader", this::readControl).start();
        thread("stream-acceptor", this::acceptDataStreams).start();
        long interval = Math.max(10, reapInterval.toMillis());
        reaper = Timers.scheduler().scheduleWithFixedDelay(multiplexer::reapIdle, interval, interval, TimeUnit.MILLISECONDS);
        quic.closed().thenAccept(this::onConnectionClosed);
    }

    /** Queues a control frame, waiting while the control queue is full. */
    public void sendControl(ControlFrame frame) throws IOException {
        control.send(Messages.delimited(frame));
    }

    /** Queues a control frame if the control queue has room now; never waits. */
    public boolean offerControl(ControlFrame frame) {
        return control.offer(Messages.delimited(frame));
    }

    /**
     * Queues a relayed message on this path's raw stream, opening it on first use; waits while
     * the raw stream's queue is full, which pushes back on whoever relays.
     */
    public void sendRaw(RawPacket packet) throws IOException {
        rawSender().send(Messages.delimited(packet));
    }

    private MessageSender rawSender() throws IOException {
        CompletableFuture<MessageSender> mine = new CompletableFuture<>();
        CompletableFuture<MessageSender> existing = raw.compareAndExchange(null, mine);
        if (existing != null) {
            // someone else opens it (or opened it); wait without holding any lock
            try {
                return existing.get(openTimeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while opening the raw stream");
            } catch (ExecutionException | TimeoutException e) {
                throw new KwikException(ErrorCode.STREAM_CREATE_FAILED, "no raw stream on path " + pathId, e);
            }
        }
        try {
            KwikException failed = failure.get();
            if (failed != null) throw new KwikException(failed.code(), failed.getMessage(), failed);
            QuicStream stream = openQuicStream();
            MessageSender sender = new MessageSender(pathId + "-raw-writer", stream.output(), RAW_QUEUE_MESSAGES, threads,
                    e -> LOG.log(Level.DEBUG, "raw stream of path {0} failed: {1}", pathId, e));
            sender.send(Messages.delimited(StreamHeader.newBuilder().setKind(StreamHeader.Kind.KIND_RAW).build()));
            mine.complete(sender);
            if (failure.get() != null) sender.abort();
            return sender;
        } catch (IOException | RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        }
    }

    /** A channel for one logical stream's outgoing frames, on a real stream of this path. */
    public DataChannel dataChannel() throws IOException {
        return multiplexer.assign();
    }

    /** How data packets are sized on this path. */
    public PacketSizeCalculator packetSizes() {
        return sizes;
    }

    /** Real streams this end can send on now. */
    public int openRealStreams() {
        return multiplexer.openRealStreams();
    }

    /** Opens a QUIC stream and starts reading the peer's direction of it. */
    QuicStream openQuicStream() throws IOException {
        QuicStream stream;
        try {
            stream = quic.openBidirectionalStream().get(openTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while opening a data stream");
        } catch (ExecutionException | TimeoutException e) {
            KwikException failed = failure.get();
            if (failed != null) throw new KwikException(failed.code(), failed.getMessage(), failed);
            throw new KwikException(ErrorCode.STREAM_CREATE_FAILED, "cannot open a QUIC stream on path " + pathId, e);
        }
        thread("data-" + stream.id() + "-reader", () -> readDataStream(stream)).start();
        return stream;
    }

    long nextPacketNumber() {
        return packetNumbers.getAndIncrement();
    }

    void countSent(long bytes) {
        bytesSent.add(bytes);
    }

    /** Packets sent on this path so far. */
    public long packetsSent() {
        return packetNumbers.get();
    }

    public long packetsReceived() {
        return packetsReceived.sum();
    }

    public long bytesSent() {
        return bytesSent.sum();
    }

    /** Bytes of data packets received per second on this path, recently; -1 before any. */
    public long receivedBytesPerSecond() {
        return receiveRate.bytesPerSecond();
    }

    public long bytesReceived() {
        return bytesReceived.sum();
    }

    /** What the transport knows of the connection. */
    public TransportStats transportStats() {
        return quic.stats();
    }

    /** Why the path failed, or null. */
    public KwikException failure() {
        return failure.get();
    }

    /**
     * Closes the path because of {@code error}: the peer sees its code as the QUIC application
     * error code. Only the first failure counts.
     */
    public void fail(KwikException error) {
        if (!failure.compareAndSet(null, error)) return;
        SessionClose close = ended(SessionClose.Origin.LOCAL, error.getMessage(), error);
        localClose.set(close);
        LOG.log(Level.DEBUG, "closing path {0} to {1}: {2}", pathId, quic.remoteAddress(), error.getMessage());
        stopSending();
        quic.close(error.wireCode(), error.getMessage());
        reportClosed(close, true);
    }

    /** Closes the path gracefully (application error code 0). */
    public void close() {
        close(ErrorCode.NONE, "session closed");
    }

    /**
     * Closes the path at the application's request: the peer sees {@code code} as the QUIC
     * application error code and {@code reason} as the reason phrase. Only the first close counts.
     */
    public void close(ErrorCode code, String reason) {
        if (!failure.compareAndSet(null, closedLocally)) return;
        SessionClose close = code == ErrorCode.NONE
                ? new SessionClose(SessionClose.Origin.LOCAL, ErrorCode.NONE, reason, Optional.empty())
                : ended(SessionClose.Origin.LOCAL, reason, new KwikException(code, "closed locally: " + reason));
        localClose.set(close);
        stopSending();
        quic.close(code.code(), reason);
        reportClosed(close, false);
    }

    /** How a path ended with {@code cause}; a cause with code 0 is a graceful end. */
    private static SessionClose ended(SessionClose.Origin origin, String reason, KwikException cause) {
        return cause.code() == ErrorCode.NONE
                ? new SessionClose(origin, ErrorCode.NONE, reason, Optional.empty())
                : new SessionClose(origin, cause.code(), reason, Optional.of(cause));
    }

    private void onConnectionClosed(ConnectionClose close) {
        if (close.origin() == ConnectionClose.Origin.LOCAL) {
            // fail() or close() (or the transport's owner) closed it; a transport may report
            // that before they return, so the recorded failure is what counts
            failure.compareAndSet(null, closedLocally);
            boolean detectedHere = failure.get() != closedLocally;
            SessionClose local = localClose.get();
            stopSending();
            reportClosed(local != null ? local
                    : new SessionClose(SessionClose.Origin.LOCAL, ErrorCode.NONE, close.reason(), Optional.empty()), detectedHere);
            return;
        }
        KwikException cause = switch (close.origin()) {
            case LOCAL -> throw new IllegalStateException("handled above");
            case PEER -> close.errorCode() == ErrorCode.NONE.code()
                    ? null
                    : new KwikException(close.errorCode(),
                            "the peer closed path " + pathId + ": " + close.reason(), null);
            case IDLE_TIMEOUT -> new KwikTimeoutException(KwikTimeoutException.Kind.IDLE, idleTimeout,
                    ErrorCode.PATH_DEAD, "path " + pathId + " timed out (idle for "
                            + idleTimeout.toMillis() + " ms)", null);
            case TRANSPORT_ERROR -> new KwikException(ErrorCode.PATH_DEAD,
                    "path " + pathId + " failed: transport error " + close.errorCode() + " " + close.reason());
        };
        KwikException recorded = cause != null ? cause : new KwikException(ErrorCode.SESSION_CLOSED, "the peer closed the session");
        failure.compareAndSet(null, recorded);
        stopSending();
        SessionClose.Origin origin = close.origin() == ConnectionClose.Origin.PEER ? SessionClose.Origin.PEER : SessionClose.Origin.TRANSPORT;
        reportClosed(cause == null ? new SessionClose(origin, ErrorCode.NONE, close.reason(), Optional.empty())
                : ended(origin, origin == SessionClose.Origin.PEER ? close.reason() : cause.getMessage(), cause), false);
    }

    private void stopSending() {
        control.abort();
        sendWindow.close();
        acks.close();
        CompletableFuture<MessageSender> rawSender = raw.get();
        if (rawSender != null) rawSender.thenAccept(MessageSender::abort);
        multiplexer.close();
        ScheduledFuture<?> task = reaper;
        if (task != null) task.cancel(false);
    }

    private void reportClosed(SessionClose close, boolean detectedHere) {
        PathHandler current = handler;
        if (current != null && closedReported.compareAndSet(false, true)) current.onPathClosed(close, detectedHere);
    }

    private void readControl() {
        try {
            while (true) {
                byte[] message = controlReader.next();
                if (message == null) throw new KwikException(ErrorCode.INVALID_FRAME, "the peer ended the control stream");
                liveness.heard();
                ControlFrame frame = Messages.controlFrame(message);
                // a ping may mean our acknowledgement is overdue at the peer: it goes out now, not after the delay
                if (frame.hasPing()) acks.flush();
                if (frame.hasAck()) {
                    onAck(frame.getAck());
                } else {
                    handler.onControlFrame(frame);
                }
            }
        } catch (KwikException e) {
            fail(e);
        } catch (ConnectionClosedException e) {
            // the connection's own close report says why
        } catch (IOException e) {
            if (failure.get() == null) fail(new KwikException(ErrorCode.INVALID_FRAME, "control stream failed: " + e, e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failUnexpectedly("control", e);
        } finally {
            LOG.log(Level.TRACE, "control reader of path {0} ends", pathId);
        }
    }

    private void onAck(AckFrame ack) throws KwikException {
        if (!ack.getPathId().equals(pathId)) {
            throw new KwikException(ErrorCode.INVALID_FRAME, "acknowledgement for path " + ack.getPathId() + " on path " + pathId);
        }
        for (PacketRange range : ack.getRangesList()) {
            sendWindow.onAck(range.getSmallest(), range.getLargest(), ack.getAckDelayMicros());
        }
    }

    private void acceptDataStreams() {
        try {
            while (failure.get() == null) {
                QuicStream stream = quic.acceptStream();
                // adopted before its first frame is read, so an answer can go back on it
                multiplexer.adopt(stream);
                thread("data-" + stream.id() + "-reader", () -> readDataStream(stream)).start();
            }
        } catch (IOException e) {
            LOG.log(Level.TRACE, "stream acceptor of path {0} ends: {1}", pathId, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void readDataStream(QuicStream stream) {
        // readers of the logical streams are woken once per batch of arrivals, before this thread waits again
        ReaderWakeups wakeups = new ReaderWakeups();
        MessageReader reader = new MessageReader(stream.input(), maxMessageSize, wakeups::wake);
        try {
            byte[] header = reader.next();
            if (header == null) return;
            StreamHeader.Kind kind = Messages.streamKind(header);
            byte[] message;
            if (kind == StreamHeader.Kind.KIND_RAW) {
                while ((message = reader.next()) != null) {
                    liveness.heard();
                    handler.onRawPacket(Messages.rawPacket(message));
                }
                return;
            }
            // each packet is read into the reader's reused buffer and its frames alias it: the
            // logical streams copy what they keep, so a packet allocates no array of its own
            ByteString view;
            while ((view = reader.nextTransient()) != null) {
                liveness.heard();
                DataPacket packet = Messages.dataPacketView(view);
                // sending an acknowledgement may wait for room on the control stream: no reader waits with it
                acks.onPacket(packet.getPacketNumber(), wakeups::wake);
                packetsReceived.increment();
                bytesReceived.add(view.size());
                receiveRate.received(view.size());
                for (var frame : packet.getFramesList()) handler.onDataFrame(frame, wakeups);
            }
        } catch (KwikException e) {
            fail(e);
        } catch (IOException e) {
            LOG.log(Level.TRACE, "data stream {0} of path {1} ends: {2}", stream.id(), pathId, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failUnexpectedly("data stream " + stream.id(), e);
        } finally {
            wakeups.wake();
        }
    }

    /**
     * A handler threw what it should not have: the path is closed with {@link ErrorCode#INTERNAL}
     * rather than left with a dead reader and a peer that believes it is alive.
     */
    private void failUnexpectedly(String reader, RuntimeException e) {
        LOG.log(Level.WARNING, "the " + reader + " reader of path " + pathId + " failed; closing the path", e);
        fail(new KwikException(ErrorCode.INTERNAL, "path " + pathId + ": " + reader + " reader failed: " + e, e));
    }

    private Thread thread(String name, Runnable body) {
        Thread thread = threads.newThread(body);
        thread.setName(pathId + "-" + name);
        return thread;
    }
}
