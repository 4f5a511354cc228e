package io.kwik.backend.netty;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import io.kwik.spi.ConnectionClose;
import io.kwik.spi.ConnectionClosedException;
import io.kwik.spi.QuicConnection;
import io.kwik.spi.QuicStream;
import io.kwik.spi.TransportLimits;
import io.kwik.spi.TransportStats;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import io.netty.handler.codec.quic.QuicConnectionPathStats;
import io.netty.handler.codec.quic.QuicConnectionStats;
import io.netty.handler.codec.quic.QuicDatagramExtensionEvent;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamChannelBootstrap;
import io.netty.handler.codec.quic.QuicStreamLimitChangedEvent;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * One QUIC connection: a Netty {@link QuicChannel}.
 *
 * <p>Peer-initiated streams wait in a queue bounded by {@code maxIncomingStreams} (the peer
 * cannot have more open, since that is the stream limit this side advertises). Local opens
 * wait on the event loop while the peer's stream credit is used up, and are retried when
 * Netty reports a {@link QuicStreamLimitChangedEvent}; Netty burns a stream id when asked for
 * a stream beyond the credit, so this class never asks.
 *
 * <p>The close reason is taken, in this order, from a local {@link #close(long, String)}, the
 * peer's CONNECTION_CLOSE ({@link QuicConnectionCloseEvent}), the idle timer
 * ({@link QuicChannel#isTimedOut()}), and otherwise is a transport error.
 */
final class NettyConnection implements QuicConnection {

    private static final System.Logger LOG = System.getLogger(NettyConnection.class.getName());

    /** How the peer-initiated streams find their connection. */
    static final AttributeKey<NettyConnection> KEY = AttributeKey.valueOf(NettyConnection.class, "connection");

    /** How long a close with open streams waits, for the queued data to leave and the ACKs to make room. */
    static final long CLOSE_DELAY_MILLIS = 50;

    /** How long {@link #stats()} waits for the event loop. */
    private static final long STATS_TIMEOUT_SECONDS = 5;

    private final NettyTransport transport;
    private final TransportLimits limits;
    private final Channel ownedUdpChannel;
    private final NettyServer server;
    private final Handler handler = new Handler();
    private volatile QuicChannel channel;
    private volatile InetSocketAddress localAddress;
    private volatile InetSocketAddress remoteAddress;
    private volatile int maxStreamFramePayload = QuicSettings.streamFramePayload(QuicSettings.MAX_UDP_PAYLOAD);

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition acceptable = lock.newCondition();
    private final ArrayDeque<NettyStream> incoming = new ArrayDeque<>();
    /** Every stream whose channel is open, local or peer-initiated. */
    private final java.util.Set<NettyStream> streams = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Event-loop confined. */
    private final ArrayDeque<CompletableFuture<QuicStream>> pendingOpens = new ArrayDeque<>();
    private ScheduledFuture<?> keepAlive;
    private boolean datagramsSupported;
    private QuicConnectionCloseEvent peerClose;

    private final AtomicBoolean activated = new AtomicBoolean();
    private final AtomicReference<ConnectionClose> requestedClose = new AtomicReference<>();
    private final AtomicReference<ConnectionClose> closeInfo = new AtomicReference<>();
    private final CompletableFuture<ConnectionClose> closed = new CompletableFuture<>();
    private volatile TransportStats lastStats = TransportStats.UNKNOWN;
    private volatile QuicConnectionPathStats lastPathStats;

    /**
     * @param ownedUdpChannel the client's own UDP socket, closed with the connection; null on a server
     * @param server          the server that accepted it; null on a client
     */
    NettyConnection(NettyTransport transport, TransportLimits limits, Channel ownedUdpChannel, NettyServer server) {
        this.transport = transport;
        this.limits = limits;
        this.ownedUdpChannel = ownedUdpChannel;
        this.server = server;
    }

    /** The handler for the {@link QuicChannel}'s pipeline. */
    ChannelHandler handler() {
        return handler;
    }

    /** The close reason once known, else null. */
    ConnectionClose closeInfo() {
        return closeInfo.get();
    }

    /** Maps an SPI error code to Netty's {@code int}; QUIC allows 62 bits, Netty 31. */
    static int toNettyCode(long code) {
        if (code < 0 || code > Integer.MAX_VALUE)
            throw new IllegalArgumentException("the netty transport carries error codes 0.." + Integer.MAX_VALUE + " only: " + code);
        return (int) code;
    }

    /** Event loop, once the handshake is complete: reads what only the live connection knows. */
    void activated() {
        if (!activated.compareAndSet(false, true)) return;
        QuicChannel ch = channel;
        SocketAddress local = ch.localSocketAddress();
        if (!(local instanceof InetSocketAddress) || ((InetSocketAddress) local).getAddress().isAnyLocalAddress()) {
            SocketAddress udpLocal = ch.parent().localAddress();
            if (udpLocal instanceof InetSocketAddress) local = udpLocal;
        }
        if (local instanceof InetSocketAddress inet) localAddress = inet;
        if (ch.remoteSocketAddress() instanceof InetSocketAddress inet) remoteAddress = inet;
        long udpPayload = QuicSettings.MAX_UDP_PAYLOAD;
        if (ch.peerTransportParameters() != null)
            udpPayload = Math.min(udpPayload, ch.peerTransportParameters().maxUdpPayloadSize());
        Future<QuicConnectionPathStats> path = ch.collectPathStats(0);
        if (path.isSuccess() && path.getNow() != null) {
            lastPathStats = path.getNow();
            if (lastPathStats.pmtu() > 0) udpPayload = Math.min(udpPayload, lastPathStats.pmtu());
        }
        maxStreamFramePayload = QuicSettings.streamFramePayload(udpPayload);
        Duration interval = limits.keepAliveInterval();
        if (!interval.isZero()) {
            long millis = Math.max(1, interval.toMillis());
            keepAlive = ch.eventLoop().scheduleAtFixedRate(this::ping, millis, millis, TimeUnit.MILLISECONDS);
        }
        drainOpens();
        if (server != null) server.accepted(this);
    }

    /** Event loop: a keep-alive is one DATAGRAM frame, which is ack-eliciting (quiche has no PING API in Netty). */
    private void ping() {
        QuicChannel ch = channel;
        if (!ch.isActive()) return;
        if (!datagramsSupported) {
            LOG.log(Level.WARNING, () -> this + ": the peer does not accept DATAGRAM frames, keep-alive is off");
            keepAlive.cancel(false);
            return;
        }
        ch.writeAndFlush(ch.alloc().directBuffer(1).writeByte(0));
    }

    /** Event loop, or the stream bootstrap: a peer-initiated stream arrived. */
    void incoming(NettyStream stream) {
        lock.lock();
        try {
            if (closeInfo.get() == null && incoming.size() < limits.maxIncomingStreams()) {
                incoming.add(stream);
                acceptable.signalAll();
                return;
            }
        } finally {
            lock.unlock();
        }
        LOG.log(Level.WARNING, () -> this + ": more than " + limits.maxIncomingStreams()
                + " streams wait for acceptStream(); resetting stream " + stream.id());
        stream.reset(0);
        stream.stopSending(0);
    }

    @Override
    public CompletableFuture<QuicStream> openBidirectionalStream() {
        CompletableFuture<QuicStream> future = new CompletableFuture<>();
        ConnectionClose close = closeInfo.get();
        if (close != null) {
            future.completeExceptionally(new ConnectionClosedException(close));
            return future;
        }
        try {
            channel.eventLoop().execute(() -> {
                pendingOpens.add(future);
                drainOpens();
            });
        } catch (RejectedExecutionException e) {
            future.completeExceptionally(new ConnectionClosedException(
                    new ConnectionClose(ConnectionClose.Origin.LOCAL, 0, "transport closed")));
        }
        return future;
    }

    /** Event loop: opens as many pending streams as the peer's credit allows. */
    private void drainOpens() {
        QuicChannel ch = channel;
        ConnectionClose close = closeInfo.get();
        if (close != null) {
            CompletableFuture<QuicStream> f;
            while ((f = pendingOpens.poll()) != null) fail(f, new ConnectionClosedException(close));
            return;
        }
        if (!activated.get()) return;
        while (!pendingOpens.isEmpty() && ch.isActive() && ch.peerAllowedStreams(QuicStreamType.BIDIRECTIONAL) > 0) {
            CompletableFuture<QuicStream> future = pendingOpens.poll();
            if (future.isDone()) continue;
            QuicStreamChannelBootstrap bootstrap = ch.newStreamBootstrap().type(QuicStreamType.BIDIRECTIONAL);
            QuicSettings.forEachStreamOption(bootstrap::option);
            bootstrap.handler(new StreamInitializer(this, false)).create().addListener(created -> {
                if (!created.isSuccess()) {
                    fail(future, new IOException("cannot open a stream: " + created.cause(), created.cause()));
                    return;
                }
                QuicStreamChannel streamChannel = (QuicStreamChannel) created.getNow();
                NettyStream stream = streamChannel.attr(StreamInitializer.KEY).get();
                transport.callback(() -> {
                    if (!future.complete(stream)) stream.reset(0);
                });
            });
        }
    }

    private void fail(CompletableFuture<?> future, Throwable cause) {
        transport.callback(() -> future.completeExceptionally(cause));
    }

    @Override
    public QuicStream acceptStream() throws IOException, InterruptedException {
        lock.lockInterruptibly();
        try {
            while (true) {
                ConnectionClose close = closeInfo.get();
                if (close != null) throw new ConnectionClosedException(close);
                NettyStream stream = incoming.poll();
                if (stream != null) return stream;
                acceptable.await();
            }
        } finally {
            lock.unlock();
        }
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
        return maxStreamFramePayload;
    }

    @Override
    public TransportStats stats() {
        QuicChannel ch = channel;
        if (ch.eventLoop().inEventLoop()) return collectStats();
        Promise<TransportStats> promise = ch.eventLoop().newPromise();
        try {
            ch.eventLoop().execute(() -> promise.setSuccess(collectStats()));
            return promise.get(STATS_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (RejectedExecutionException | ExecutionException | TimeoutException e) {
            return lastStats;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return lastStats;
        }
    }

    /** Event loop: connection counters plus the path's RTT and congestion window. */
    private TransportStats collectStats() {
        QuicChannel ch = channel;
        Future<QuicConnectionStats> conn = ch.collectStats();
        if (!conn.isSuccess() || conn.getNow() == null) return lastStats;
        Future<QuicConnectionPathStats> path = ch.isOpen() ? ch.collectPathStats(0) : null;
        if (path != null && path.isSuccess() && path.getNow() != null) lastPathStats = path.getNow();
        QuicConnectionStats c = conn.getNow();
        QuicConnectionPathStats p = lastPathStats;
        TransportStats stats = new TransportStats(p == null ? Duration.ZERO : Duration.ofNanos(p.rtt()),
                p == null ? -1 : p.cwnd(), -1, c.sentBytes(), c.recvBytes(), c.sent(), c.recv(), c.lost());
        lastStats = stats;
        return stats;
    }

    @Override
    public void close(long applicationErrorCode, String reason) {
        int code = toNettyCode(applicationErrorCode);
        String text = reason == null ? "" : reason;
        if (!requestedClose.compareAndSet(null, new ConnectionClose(ConnectionClose.Origin.LOCAL, code, text))) return;
        QuicChannel ch = channel;
        if (ch == null) return;
        try {
            ch.eventLoop().execute(() -> closeOnEventLoop(ch, code, text));
        } catch (RejectedExecutionException e) {
            ch.close(true, code, Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
        }
    }

    /**
     * Event loop: closes, {@link #CLOSE_DELAY_MILLIS} later when streams are open. quiche
     * writes CONNECTION_CLOSE only into room the congestion window leaves, and Netty frees the
     * connection right after that one attempt; a connection closed mid-transfer (its window
     * full of stream data) therefore left without a word, and its peer learned of it only from
     * its own timers. The delay lets the queued data leave and the ACKs in flight make room.
     * The streams are not reset first: the peer would read its control stream's RESET_STREAM
     * before the CONNECTION_CLOSE and report a failed control stream instead of the close.
     * Under heavy load the close can still find no room (kwik-backend-netty/README.md).
     */
    private void closeOnEventLoop(QuicChannel ch, int code, String text) {
        boolean streamsOpen = !streams.isEmpty();
        Runnable close = () -> ch.close(true, code, Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
        if (!streamsOpen || !ch.isActive()) close.run();
        else ch.eventLoop().schedule(close, CLOSE_DELAY_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * Completes once the QUIC channel is closed, which is after its CONNECTION_CLOSE was handed
     * to the UDP socket ({@code QuicheQuicChannel.doClose} flushes it before completing); null
     * before the channel exists.
     */
    io.netty.util.concurrent.Future<Void> channelClosed() {
        QuicChannel ch = channel;
        return ch == null ? null : ch.closeFuture();
    }

    @Override
    public CompletableFuture<ConnectionClose> closed() {
        return closed;
    }

    @Override
    public String toString() {
        return "netty connection " + localAddress + " -> " + remoteAddress;
    }

    /** Event loop: the connection is gone (or, after a peer's close, going); records why, once. */
    private void finish(ConnectionClose close) {
        if (!closeInfo.compareAndSet(null, close)) return;
        LOG.log(Level.DEBUG, () -> this + " closed: " + close);
        if (keepAlive != null) keepAlive.cancel(false);
        lock.lock();
        try {
            NettyStream stream;
            while ((stream = incoming.poll()) != null) stream.reset(0);
            acceptable.signalAll();
        } finally {
            lock.unlock();
        }
        drainOpens();
        if (server != null) server.forget(this);
        transport.forget(this);
        transport.callback(() -> closed.complete(close));
    }

    /** Event loop: the reason for a close that was not announced by a peer's CONNECTION_CLOSE. */
    private ConnectionClose reasonAtClose() {
        ConnectionClose local = requestedClose.get();
        if (local != null) return local;
        if (peerClose != null) return fromPeer(peerClose);
        if (channel.isTimedOut())
            return new ConnectionClose(ConnectionClose.Origin.IDLE_TIMEOUT, 0, "idle for " + limits.idleTimeout());
        return new ConnectionClose(ConnectionClose.Origin.TRANSPORT_ERROR, 0,
                "closed by the transport without CONNECTION_CLOSE or idle timeout");
    }

    private static ConnectionClose fromPeer(QuicConnectionCloseEvent event) {
        String reason = new String(reasonOf(event), StandardCharsets.UTF_8);
        if (event.isApplicationClose() || event.error() == 0)
            return new ConnectionClose(ConnectionClose.Origin.PEER, Integer.toUnsignedLong(event.error()), reason);
        return new ConnectionClose(ConnectionClose.Origin.TRANSPORT_ERROR, Integer.toUnsignedLong(event.error()), reason);
    }

    /**
     * The close event's reason phrase. Netty 4.2.18 builds the event with a null array when the
     * peer sent an empty phrase, and {@code reason()} then throws NullPointerException.
     */
    private static byte[] reasonOf(QuicConnectionCloseEvent event) {
        try {
            return event.reason();
        } catch (NullPointerException e) {
            return new byte[0];
        }
    }

    /** The {@link QuicChannel}'s pipeline end; runs on the event loop only. */
    private final class Handler extends ChannelInboundHandlerAdapter {

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            QuicChannel ch = (QuicChannel) ctx.channel();
            channel = ch;
            ch.attr(KEY).set(NettyConnection.this);
            if (ch.remoteSocketAddress() instanceof InetSocketAddress inet) remoteAddress = inet;
            ch.closeFuture().addListener(f -> {
                stats();
                finish(reasonAtClose());
                if (ownedUdpChannel != null) ownedUdpChannel.close();
            });
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            activated();
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof QuicStreamChannel) {
                ctx.fireChannelRead(msg);
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof QuicStreamLimitChangedEvent) {
                drainOpens();
            } else if (event instanceof QuicDatagramExtensionEvent) {
                datagramsSupported = true;
            } else if (event instanceof QuicConnectionCloseEvent close) {
                peerClose = close;
                if (requestedClose.get() == null) finish(fromPeer(close));
            }
            ReferenceCountUtil.release(event);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.log(Level.DEBUG, () -> NettyConnection.this + ": " + cause);
        }
    }

    /** Puts a {@link NettyStream} on a new stream channel, local or peer-initiated. */
    @ChannelHandler.Sharable
    static final class StreamInitializer extends ChannelInitializer<QuicStreamChannel> {
        static final AttributeKey<NettyStream> KEY = AttributeKey.valueOf(NettyStream.class, "stream");

        private final NettyConnection connection;
        private final boolean peerInitiated;

        /** @param connection the connection, or null to look it up on the parent channel */
        StreamInitializer(NettyConnection connection, boolean peerInitiated) {
            this.connection = connection;
            this.peerInitiated = peerInitiated;
        }

        @Override
        protected void initChannel(QuicStreamChannel ch) {
            NettyConnection owner = connection != null ? connection : ch.parent().attr(NettyConnection.KEY).get();
            ch.config().setReadFrames(true);
            NettyStream stream = new NettyStream(owner, ch);
            ch.attr(KEY).set(stream);
            owner.streams.add(stream);
            ch.closeFuture().addListener(f -> owner.streams.remove(stream));
            ch.pipeline().addLast(stream.handler());
            if (peerInitiated) {
                if (ch.type() != QuicStreamType.BIDIRECTIONAL) {
                    ch.close();
                    return;
                }
                owner.incoming(stream);
            }
        }
    }
}
