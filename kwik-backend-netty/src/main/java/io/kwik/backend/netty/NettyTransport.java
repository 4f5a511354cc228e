package io.kwik.backend.netty;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import javax.net.ssl.SSLHandshakeException;

import io.kwik.spi.ClientTransportConfig;
import io.kwik.spi.HandshakeObserver;
import io.kwik.spi.QuicConnection;
import io.kwik.spi.QuicServer;
import io.kwik.spi.QuicTransport;
import io.kwik.spi.ServerTransportConfig;
import io.kwik.spi.TransportContext;
import io.kwik.spi.TransportLimits;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannelConfig;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicChannelBootstrap;
import io.netty.handler.codec.quic.QuicChannelOption;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;

/**
 * One Netty event loop group (NIO) with the clients and servers made from it.
 *
 * <p>Threads: the event loops are Netty's own daemon threads, named after
 * {@link TransportContext#name()}; nothing on them ever blocks. Every call into the engine
 * (the {@code onConnection} callback, the completion of every future this transport returns)
 * runs on a new thread of {@link TransportContext#threadFactory()}, so what the engine does
 * there can never stall an event loop.
 */
final class NettyTransport implements QuicTransport {

    private static final System.Logger LOG = System.getLogger(NettyTransport.class.getName());

    /** How long {@link #close()} waits for the event loops to finish their last tasks. */
    private static final long SHUTDOWN_TIMEOUT_SECONDS = 5;

    /**
     * How long {@link #close()} waits, at most, for the closes it asked for to be written
     * before it stops the event loops: a stopping loop closes its sockets before it runs the
     * tasks still queued, which dropped the CONNECTION_CLOSE of most clients closed with their
     * transport (the server then kept the session until its idle timeout).
     */
    private static final long CLOSE_WRITE_TIMEOUT_MILLIS = 1000;

    /** The least time a handshake is given, whatever the idle timeout. */
    private static final long MIN_CONNECT_TIMEOUT_MILLIS = 10_000;

    private final TransportContext context;
    private final EventLoopGroup group;
    private final ExecutorService callbacks;
    private final Set<NettyConnection> clients = ConcurrentHashMap.newKeySet();
    private final Set<NettyServer> servers = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();

    NettyTransport(TransportContext context) {
        this.context = context;
        int threads = Math.max(2, Math.min(Runtime.getRuntime().availableProcessors(), 8));
        this.group = new MultiThreadIoEventLoopGroup(threads,
                new DefaultThreadFactory(context.name() + "-netty", true), NioIoHandler.newFactory());
        this.callbacks = Executors.newThreadPerTaskExecutor(context.threadFactory());
    }

    /** Runs {@code task} on a new context thread; inline only when this transport is closed. */
    void callback(Runnable task) {
        try {
            callbacks.execute(task);
        } catch (RejectedExecutionException e) {
            task.run();
        }
    }

    void forget(NettyConnection connection) {
        clients.remove(connection);
    }

    void forget(NettyServer server) {
        servers.remove(server);
    }

    @Override
    public CompletableFuture<QuicConnection> connect(InetSocketAddress remote, ClientTransportConfig config) {
        return connect(remote, config, HandshakeObserver.NONE);
    }

    /**
     * Dials; {@code observer} hears of every datagram that reaches the client's UDP channel
     * until the handshake ends. Cancelling the future closes that channel, which ends the
     * handshake at once.
     */
    @Override
    public CompletableFuture<QuicConnection> connect(InetSocketAddress remote, ClientTransportConfig config,
                                                     HandshakeObserver observer) {
        Objects.requireNonNull(observer, "observer");
        Objects.requireNonNull(remote, "remote");
        Objects.requireNonNull(config, "config");
        CompletableFuture<QuicConnection> result = new CompletableFuture<>();
        if (closed.get()) {
            result.completeExceptionally(new IOException("transport " + context.name() + " is closed"));
            return result;
        }
        if (remote.isUnresolved()) {
            result.completeExceptionally(new IOException("unresolved address " + remote));
            return result;
        }
        ChannelHandler codec;
        try {
            QuicSslContext tls = QuicSettings.clientTls(config);
            String host = config.serverName();
            int port = remote.getPort();
            codec = QuicSettings.apply(new QuicClientCodecBuilder(), config.limits())
                    .sslContext(tls)
                    .sslEngineProvider(q -> tls.newEngine(q.alloc(), host, port))
                    .build();
        } catch (GeneralSecurityException | RuntimeException e) {
            result.completeExceptionally(new IOException("invalid TLS configuration: " + e.getMessage(), e));
            return result;
        }
        Bootstrap bootstrap = datagramBootstrap(family(remote.getAddress()), config.limits()).handler(codec);
        bootstrap.bind(new InetSocketAddress(sourceAddress(remote), 0)).addListener((ChannelFuture bound) -> {
            if (!bound.isSuccess()) {
                fail(result, "cannot bind a UDP socket", bound.cause());
                return;
            }
            Channel udp = bound.channel();
            result.whenComplete((connection, failure) -> {
                if (result.isCancelled()) udp.close();
            });
            if (result.isDone()) return;
            logBuffers(udp, config.limits());
            HandshakeProgress progress = new HandshakeProgress(observer);
            if (observer != HandshakeObserver.NONE) udp.pipeline().addFirst(progress);
            NettyConnection connection = new NettyConnection(this, config.limits(), udp, null);
            QuicChannelBootstrap quic = QuicChannel.newBootstrap(udp)
                    .handler(connection.handler())
                    .streamHandler(new NettyConnection.StreamInitializer(null, true))
                    .remoteAddress(remote)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis(config.limits()));
            QuicSettings.forEachStreamOption(quic::streamOption);
            QuicSettings.qlog(context.name()).ifPresent(q -> quic.option(QuicChannelOption.QLOG, q));
            quic.connect().addListener(connected -> {
                if (udp.pipeline().context(progress) != null) udp.pipeline().remove(progress);
                if (!connected.isSuccess()) {
                    udp.close();
                    fail(result, "QUIC handshake with " + remote + " failed", connected.cause());
                    return;
                }
                connection.activated();
                if (closed.get()) {
                    connection.close(0, "transport closed");
                    fail(result, "transport closed during the handshake", null);
                    return;
                }
                clients.add(connection);
                callback(() -> {
                    if (!result.complete(connection)) connection.close(0, "connect cancelled");
                });
            });
        });
        return result;
    }

    /**
     * The handshake's bound: the idle timeout, but at least {@link #MIN_CONNECT_TIMEOUT_MILLIS}.
     * quiche's idle timer already ends a handshake with a silent peer; a short idle timeout
     * must not also cut off a handshake that is merely slow (a busy server signing with RSA).
     */
    private static int connectTimeoutMillis(TransportLimits limits) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(MIN_CONNECT_TIMEOUT_MILLIS, limits.idleTimeout().toMillis()));
    }

    /**
     * Fails {@code result} on a callback thread. A TLS failure (BoringSSL reports a refused chain,
     * a wrong name or a server's alert as an {@link SSLHandshakeException}) stays one, as the SPI
     * requires, with the backend's context in its message and the original as its cause.
     */
    private void fail(CompletableFuture<?> result, String message, Throwable cause) {
        String text = message + (cause == null ? "" : ": " + cause);
        IOException error;
        if (cause instanceof SSLHandshakeException) {
            error = new SSLHandshakeException(text);
            error.initCause(cause);
        } else {
            error = new IOException(text, cause);
        }
        callback(() -> result.completeExceptionally(error));
    }

    @Override
    public QuicServer bind(InetSocketAddress local, ServerTransportConfig config, Consumer<QuicConnection> onConnection)
            throws IOException {
        Objects.requireNonNull(local, "local");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(onConnection, "onConnection");
        if (closed.get()) throw new IOException("transport " + context.name() + " is closed");
        NettyServer server = new NettyServer(this, config.limits(), config.maxConnections(), onConnection);
        ChannelHandler codec;
        try {
            QuicServerCodecBuilder builder = QuicSettings.apply(new QuicServerCodecBuilder(), config.limits())
                    .sslContext(QuicSettings.serverTls(config))
                    .tokenHandler(config.addressValidation() ? new RetryTokens() : null)
                    .handler(server.connectionInitializer())
                    .streamHandler(new NettyConnection.StreamInitializer(null, true));
            QuicSettings.forEachStreamOption(builder::streamOption);
            QuicSettings.qlog(context.name()).ifPresent(q -> builder.option(QuicChannelOption.QLOG, q));
            codec = builder.build();
        } catch (RuntimeException e) {
            throw new IOException("invalid TLS configuration: " + e.getMessage(), e);
        }
        SocketProtocolFamily family = local.getAddress() == null || local.getAddress().isAnyLocalAddress()
                ? null : family(local.getAddress());
        ChannelFuture bound = datagramBootstrap(family, config.limits()).handler(codec).bind(local).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            Throwable cause = bound.cause();
            if (cause instanceof IOException io) throw io;
            throw new IOException("cannot bind " + local + ": " + cause, cause);
        }
        logBuffers(bound.channel(), config.limits());
        server.bound(bound.channel());
        servers.add(server);
        if (closed.get()) server.close();
        return server;
    }

    /** A NIO UDP socket bootstrap with the receive allocator and socket buffers applied. */
    private Bootstrap datagramBootstrap(SocketProtocolFamily family, TransportLimits limits) {
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channelFactory(() -> family == null ? new NioDatagramChannel() : new NioDatagramChannel(family))
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(QuicSettings.DATAGRAM_RECEIVE_BUFFER)
                        .maxMessagesPerRead(QuicSettings.DATAGRAMS_PER_READ));
        if (limits.udpBufferSize() > 0) {
            bootstrap.option(ChannelOption.SO_RCVBUF, limits.udpBufferSize());
            bootstrap.option(ChannelOption.SO_SNDBUF, limits.udpBufferSize());
        }
        return bootstrap;
    }

    private static void logBuffers(Channel channel, TransportLimits limits) {
        if (limits.udpBufferSize() == 0) return;
        DatagramChannelConfig config = (DatagramChannelConfig) channel.config();
        int receive = config.getReceiveBufferSize();
        int send = config.getSendBufferSize();
        Level level = receive < limits.udpBufferSize() || send < limits.udpBufferSize() ? Level.WARNING : Level.DEBUG;
        LOG.log(level, () -> "UDP socket " + channel.localAddress() + ": asked for " + limits.udpBufferSize()
                + " bytes of buffer, got receive " + receive + " and send " + send
                + " (Linux caps them at net.core.rmem_max / wmem_max)");
    }

    private static SocketProtocolFamily family(InetAddress address) {
        return address instanceof Inet4Address ? SocketProtocolFamily.INET : SocketProtocolFamily.INET6;
    }

    /**
     * The local address the routing table picks for {@code remote}, so that the connection's
     * {@code localAddress()} is what the peer sees. Connecting a UDP socket sends nothing.
     * Falls back to the wildcard address of the remote's family.
     */
    private static InetAddress sourceAddress(InetSocketAddress remote) {
        try (DatagramSocket probe = new DatagramSocket()) {
            probe.connect(remote);
            InetAddress local = probe.getLocalAddress();
            if (local != null && !local.isAnyLocalAddress()) return local;
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.DEBUG, () -> "no route to " + remote + " found; binding the wildcard address: " + e);
        }
        try {
            return InetAddress.getByName(remote.getAddress() instanceof Inet4Address ? "0.0.0.0" : "::");
        } catch (IOException e) {
            throw new IllegalStateException("the wildcard address cannot be resolved", e);
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        List<Future<Void>> closing = new ArrayList<>();
        for (NettyServer server : List.copyOf(servers)) {
            server.close();
            closing.add(server.socketClosed());
        }
        for (NettyConnection connection : List.copyOf(clients)) {
            connection.close(0, "transport closed");
            closing.add(connection.channelClosed());
        }
        boolean onEventLoop = false;
        for (EventExecutor executor : group) onEventLoop |= executor.inEventLoop();
        if (!onEventLoop) awaitWritten(closing);
        group.shutdownGracefully(0, SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (!onEventLoop && !group.terminationFuture().awaitUninterruptibly(SHUTDOWN_TIMEOUT_SECONDS + 1, TimeUnit.SECONDS))
            LOG.log(Level.WARNING, () -> "transport " + context.name() + ": event loops did not stop in time");
        callbacks.shutdown();
    }

    /**
     * Waits, within {@link #CLOSE_WRITE_TIMEOUT_MILLIS} in all, for each channel close (a
     * client's QUIC channel, whose close writes its CONNECTION_CLOSE, or a server's socket,
     * closed after its connections' closes on the same event loop) to be done.
     */
    private void awaitWritten(List<Future<Void>> closing) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WRITE_TIMEOUT_MILLIS);
        for (Future<Void> close : closing) {
            if (close == null) continue;
            long left = deadline - System.nanoTime();
            if (left <= 0 || !close.awaitUninterruptibly(left, TimeUnit.NANOSECONDS)) {
                LOG.log(Level.DEBUG, () -> "transport " + context.name() + ": closes not written within "
                        + CLOSE_WRITE_TIMEOUT_MILLIS + " ms; stopping the event loops anyway");
                return;
            }
        }
    }

    @Override
    public String toString() {
        return "netty transport " + context.name();
    }
}
