package io.kwik.backend.kwik;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import io.kwik.spi.ConnectionClose;
import io.kwik.spi.ConnectionClosedException;
import io.kwik.spi.QuicConnection;
import io.kwik.spi.QuicStream;
import io.kwik.spi.TransportStats;
import tech.kwik.core.ConnectionListener;
import tech.kwik.core.ConnectionTerminatedEvent;
import tech.kwik.core.Statistics;

/**
 * One kwik connection seen through the SPI.
 *
 * <p>Peer-initiated streams wait in a bounded deque of {@code maxIncomingStreams} entries
 * plus one slot kept free for the end-of-connection marker, so {@link #acceptStream()} wakes
 * up when the connection closes even with a full deque. kwik delivers new streams on its
 * per-connection callback thread; that thread never blocks here: a stream that finds the
 * deque full is refused with RESET_STREAM and STOP_SENDING.
 *
 * <p>{@link #closed()} completes from kwik's {@link ConnectionListener#disconnected} event,
 * from a local {@link #close(long, String)}, or, when kwik aborts a connection without any
 * event (it does that after an internal error), from the first stream operation that
 * observes the abort, after a grace period that lets a late event win.
 */
final class KwikConnection implements QuicConnection, KwikLogBridge.FrameSink, IdleBackstop.Watched {

    /** RESET_STREAM / STOP_SENDING code for a peer stream that found the accept queue full. */
    static final long REFUSED_STREAM_CODE = 0x5;

    private static final System.Logger LOG = System.getLogger(KwikConnection.class.getName());
    private static final KwikStream END = new KwikStream();
    private static final Duration ABORT_GRACE = Duration.ofSeconds(1);
    private static final int MAX_REMEMBERED_CODES = 4096;

    /**
     * The stream-data bytes one packet carries at most, conservatively: kwik never sends a
     * datagram larger than 1200 bytes unless both sides agree to more (its IPv4 default is
     * 1252, IPv6 1232), minus a short header with the longest connection id (1 + 20), the
     * longest packet number (4) and the AEAD tag (16), minus a STREAM frame header with
     * 8-byte stream id and offset varints and a 4-byte length (1 + 8 + 8 + 4).
     */
    static final int MAX_STREAM_FRAME_PAYLOAD = 1200 - (1 + 20 + 4 + 16) - (1 + 8 + 8 + 4);

    private final tech.kwik.core.QuicConnection connection;
    private final String label;
    private final InetSocketAddress localAddress;
    private final InetSocketAddress remoteAddress;
    private final ThreadFactory threadFactory;
    private final int maxIncomingStreams;
    private final BlockingDeque<KwikStream> incoming;
    private final CompletableFuture<ConnectionClose> closed = new CompletableFuture<>();
    private final AtomicBoolean closeRequested = new AtomicBoolean();
    private final AtomicBoolean abortObserved = new AtomicBoolean();
    private final Map<Long, Long> resetCodes = new ConcurrentHashMap<>();
    private final Map<Long, Long> stopSendingCodes = new ConcurrentHashMap<>();
    private final Consumer<KwikConnection> onGone;
    private volatile long lastReceivedNanos = System.nanoTime();
    private volatile long lastActiveNanos = lastReceivedNanos;
    /** Control-only packets (ACK, PING, PADDING) received since {@link #lastActiveNanos}. */
    private final AtomicLong controlOnlySinceActive = new AtomicLong();

    KwikConnection(tech.kwik.core.QuicConnection connection, String label, InetSocketAddress localAddress,
                   InetSocketAddress remoteAddress, ThreadFactory threadFactory, int maxIncomingStreams,
                   Consumer<KwikConnection> onGone) {
        this.connection = connection;
        this.label = label;
        this.localAddress = localAddress;
        this.remoteAddress = remoteAddress;
        this.threadFactory = threadFactory;
        this.maxIncomingStreams = maxIncomingStreams;
        this.incoming = new LinkedBlockingDeque<>(maxIncomingStreams + 1);
        this.onGone = onGone;
        connection.setConnectionListener(new ConnectionListener() {
            @Override
            public void disconnected(ConnectionTerminatedEvent event) {
                terminated(translate(event));
            }
        });
        connection.setPeerInitiatedStreamCallback(this::peerStreamOpened);
    }

    /** Called by kwik (callback thread) for every stream the peer opens. */
    void peerStreamOpened(tech.kwik.core.QuicStream stream) {
        if (!stream.isBidirectional()) {
            stream.abortReading(REFUSED_STREAM_CODE);
            return;
        }
        KwikStream wrapped = new KwikStream(stream, this);
        if (closed.isDone() || incoming.size() >= maxIncomingStreams || !incoming.offerLast(wrapped)) {
            LOG.log(System.Logger.Level.WARNING, () -> label + ": refusing peer stream " + stream.getStreamId()
                    + (closed.isDone() ? " (connection closed)" : " (accept queue full: " + maxIncomingStreams + ")"));
            stream.resetStream(REFUSED_STREAM_CODE);
            stream.abortReading(REFUSED_STREAM_CODE);
        }
    }

    @Override
    public CompletableFuture<QuicStream> openBidirectionalStream() {
        CompletableFuture<QuicStream> result = new CompletableFuture<>();
        if (closed.isDone()) {
            result.completeExceptionally(new ConnectionClosedException(closed.join()));
            return result;
        }
        Thread opener = threadFactory.newThread(() -> {
            try {
                result.complete(new KwikStream(connection.createStream(true), this));
            } catch (IOException | RuntimeException e) {
                result.completeExceptionally(closed.isDone() ? new ConnectionClosedException(closed.join())
                        : new IOException(label + ": cannot open a stream: " + e.getMessage(), e));
            }
        });
        opener.start();
        return result;
    }

    @Override
    public QuicStream acceptStream() throws IOException, InterruptedException {
        KwikStream next = incoming.takeFirst();
        if (next == END) {
            incoming.offerFirst(END);
            throw new ConnectionClosedException(closed.join());
        }
        return next;
    }

    @Override
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remoteAddress;
    }

    @Override
    public int maxStreamFramePayload() {
        return MAX_STREAM_FRAME_PAYLOAD;
    }

    @Override
    public TransportStats stats() {
        Statistics stats;
        try {
            stats = connection.getStats();
        } catch (RuntimeException e) {
            return TransportStats.UNKNOWN;
        }
        return new TransportStats(Duration.ofMillis(Math.max(0, stats.smoothedRtt())), -1, -1,
                stats.bytesSent(), -1, stats.packetsSent(), -1, stats.lostPackets());
    }

    @Override
    public void close(long applicationErrorCode, String reason) {
        if (!closeRequested.compareAndSet(false, true)) {
            return;
        }
        String phrase = reason == null ? "" : reason;
        if (!closed.isDone()) {
            try {
                connection.close(applicationErrorCode, phrase);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, () -> label + ": kwik close failed", e);
            }
        }
        terminated(new ConnectionClose(ConnectionClose.Origin.LOCAL, applicationErrorCode, phrase));
    }

    @Override
    public CompletableFuture<ConnectionClose> closed() {
        return closed;
    }

    /**
     * The TLS alert the peer closed this connection with, waiting at most {@code wait} for kwik's
     * close event, or {@code null}. For a failed {@code connect()}: a server that refuses the
     * client's certificate (TLS 1.3) may close while kwik's {@code connect()} still waits, and
     * kwik then throws only "Handshake error"; its close event carries the crypto error.
     */
    ConnectionClose peerTlsAlert(Duration wait) {
        try {
            ConnectionClose close = closed.get(wait.toMillis(), TimeUnit.MILLISECONDS);
            return close.isTlsAlert() ? close : null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> label + ": no close event after the failed handshake");
        }
        return null;
    }

    /** Why the connection is gone, waiting briefly for kwik's event; used when a stream call fails. */
    ConnectionClose closeCause() {
        try {
            return closed.get(ABORT_GRACE.toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> label + ": no close cause yet");
        }
        return closed.getNow(new ConnectionClose(ConnectionClose.Origin.TRANSPORT_ERROR, 0x1, "connection aborted by kwik"));
    }

    /**
     * A stream saw kwik's "connection closed" state. kwik aborts a connection after an internal
     * error without any event; if no event arrives within the grace period, the abort is the cause.
     */
    void abortObserved() {
        if (closed.isDone() || !abortObserved.compareAndSet(false, true)) {
            return;
        }
        CompletableFuture.delayedExecutor(ABORT_GRACE.toMillis(), TimeUnit.MILLISECONDS).execute(() ->
                terminated(new ConnectionClose(ConnectionClose.Origin.TRANSPORT_ERROR, 0x1,
                        "kwik aborted the connection without a close event")));
    }

    /** The RESET_STREAM code the peer sent on {@code streamId}, or -1 when unknown. */
    long takeResetCode(long streamId) {
        Long code = resetCodes.remove(streamId);
        return code == null ? -1 : code;
    }

    /** The STOP_SENDING code the peer sent on {@code streamId}, or -1 when unknown. */
    long takeStopSendingCode(long streamId) {
        Long code = stopSendingCodes.remove(streamId);
        return code == null ? -1 : code;
    }

    @Override
    public void packetReceived(boolean controlOnly) {
        long now = System.nanoTime();
        lastReceivedNanos = now;
        if (controlOnly) {
            controlOnlySinceActive.incrementAndGet();
        } else {
            active(now);
        }
    }

    /** The application wrote to or closed one of this connection's streams. */
    void localActivity() {
        active(System.nanoTime());
    }

    private void active(long now) {
        lastActiveNanos = now;
        controlOnlySinceActive.set(0);
    }

    @Override
    public long lastReceivedNanos() {
        return lastReceivedNanos;
    }

    @Override
    public long lastActiveNanos() {
        return lastActiveNanos;
    }

    @Override
    public long controlOnlySinceActive() {
        return controlOnlySinceActive.get();
    }

    @Override
    public boolean ended() {
        return closed.isDone();
    }

    /**
     * Ends the connection as an idle timeout, then closes kwik's side off the backstop's thread
     * (the close sends CONNECTION_CLOSE and must not hold up other connections' checks), after
     * {@code closeKwikAfter}: a peer that is itself a kwik endpoint of this backend stuck in the
     * same ACK/PING exchange fires its own backstop meanwhile, so it too ends as an idle timeout
     * rather than by our CONNECTION_CLOSE.
     */
    @Override
    public void idleBackstopFired(Duration quietFor, String why, Duration closeKwikAfter) {
        terminated(new ConnectionClose(ConnectionClose.Origin.IDLE_TIMEOUT, 0,
                "idle timeout: " + why + " for " + quietFor.toMillis() + " ms"));
        IdleBackstop.later(this::closeKwikAfterIdle, closeKwikAfter);
    }

    private void closeKwikAfterIdle() {
        threadFactory.newThread(() -> {
            try {
                connection.close();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, () -> label + ": kwik close after the idle backstop failed", e);
            }
        }).start();
    }

    @Override
    public boolean wantsFrameCodes() {
        return !closed.isDone();
    }

    @Override
    public void resetReceived(long streamId, long errorCode) {
        remember(resetCodes, streamId, errorCode);
    }

    @Override
    public void stopSendingReceived(long streamId, long errorCode) {
        remember(stopSendingCodes, streamId, errorCode);
    }

    private static void remember(Map<Long, Long> codes, long streamId, long errorCode) {
        if (codes.size() >= MAX_REMEMBERED_CODES) {
            codes.clear();
        }
        codes.put(streamId, errorCode);
    }

    String label() {
        return label;
    }

    private void terminated(ConnectionClose close) {
        if (closed.complete(close)) {
            LOG.log(System.Logger.Level.DEBUG, () -> label + ": closed " + close);
            incoming.offerLast(END);
            onGone.accept(this);
        }
    }

    private ConnectionClose translate(ConnectionTerminatedEvent event) {
        return switch (event.closeReason()) {
            case IdleTimeout -> new ConnectionClose(ConnectionClose.Origin.IDLE_TIMEOUT, 0, "idle timeout");
            case ConnectionLost -> new ConnectionClose(ConnectionClose.Origin.IDLE_TIMEOUT, 0,
                    "idle timeout: probes were not answered");
            case StatelessReset -> new ConnectionClose(ConnectionClose.Origin.TRANSPORT_ERROR, 0, "stateless reset");
            case ImmediateClose -> immediateClose(event);
        };
    }

    private static ConnectionClose immediateClose(ConnectionTerminatedEvent event) {
        if (event.hasTransportError()) {
            return new ConnectionClose(ConnectionClose.Origin.TRANSPORT_ERROR, event.transportErrorCode(),
                    event.errorDescription());
        }
        long code = event.hasApplicationError() ? event.applicationErrorCode() : 0;
        String reason = event.hasApplicationError() ? applicationReason(event) : "";
        return new ConnectionClose(event.closedByPeer() ? ConnectionClose.Origin.PEER : ConnectionClose.Origin.LOCAL,
                code, reason);
    }

    /**
     * kwik keeps the reason phrase private and exposes it only inside
     * {@code "Application error: <code> (<reason>)"}.
     */
    private static String applicationReason(ConnectionTerminatedEvent event) {
        String description = event.errorDescription();
        String prefix = "Application error: " + event.applicationErrorCode();
        if (description != null && description.startsWith(prefix + " (") && description.endsWith(")")) {
            return description.substring(prefix.length() + 2, description.length() - 1);
        }
        return "";
    }

    @Override
    public String toString() {
        return "KwikConnection[" + label + " " + localAddress + " -> " + remoteAddress + "]";
    }
}
