package io.kwik.backend.netty;

import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import io.kwik.spi.QuicConnection;
import io.kwik.spi.QuicServer;
import io.kwik.spi.TransportLimits;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.util.concurrent.Future;

/**
 * A bound UDP socket with Netty's QUIC server codec. Every connection of one server runs on
 * the event loop of its socket: that is how Netty's codec works.
 */
final class NettyServer implements QuicServer {

    private static final System.Logger LOG = System.getLogger(NettyServer.class.getName());

    /** How long a closing server waits, at most, for its connections' closes before closing its socket. */
    private static final long SOCKET_CLOSE_TIMEOUT_MILLIS = 500;

    /** The QUIC transport error CONNECTION_REFUSED (RFC 9000 20.1). */
    private static final int CONNECTION_REFUSED = 0x02;

    private final NettyTransport transport;
    private final TransportLimits limits;
    private final int maxConnections;
    /** Connections from the first Initial on, handshaking or established: the ones the bound counts. */
    private final AtomicInteger kept = new AtomicInteger();
    private final Consumer<QuicConnection> onConnection;
    private final Set<NettyConnection> connections = ConcurrentHashMap.newKeySet();
    private volatile Channel udpChannel;
    private volatile InetSocketAddress localAddress;
    private volatile boolean closed;

    NettyServer(NettyTransport transport, TransportLimits limits, int maxConnections, Consumer<QuicConnection> onConnection) {
        this.transport = transport;
        this.limits = limits;
        this.maxConnections = maxConnections;
        this.onConnection = onConnection;
    }

    /**
     * The handler Netty puts on each new {@link QuicChannel}, before its handshake. Past
     * {@code maxConnections} the new connection is closed at once with CONNECTION_REFUSED, so
     * a flood of handshakes holds a bounded number of connections.
     */
    ChannelHandler connectionInitializer() {
        return new ChannelInitializer<QuicChannel>() {
            @Override
            protected void initChannel(QuicChannel ch) {
                if (kept.incrementAndGet() > maxConnections) {
                    kept.decrementAndGet();
                    LOG.log(Level.WARNING, () -> NettyServer.this + ": " + maxConnections
                            + " connections kept already; refusing one from " + ch.remoteSocketAddress());
                    // once registered, so that quiche has the connection and sends the refusal
                    ch.eventLoop().execute(() -> ch.close(false, CONNECTION_REFUSED,
                            Unpooled.copiedBuffer("too many connections", StandardCharsets.UTF_8)));
                    return;
                }
                ch.closeFuture().addListener(f -> kept.decrementAndGet());
                ch.pipeline().addLast(new NettyConnection(transport, limits, null, NettyServer.this).handler());
            }
        };
    }

    void bound(Channel channel) {
        udpChannel = channel;
        localAddress = (InetSocketAddress) channel.localAddress();
        // the transport keeps a closing server until its socket is closed, so that its own close waits for it
        channel.closeFuture().addListener(f -> transport.forget(this));
    }

    /** Event loop: a handshake completed. Hands the connection to the callback on a context thread. */
    void accepted(NettyConnection connection) {
        if (closed) {
            connection.close(0, "server closed");
            return;
        }
        connections.add(connection);
        transport.callback(() -> {
            try {
                onConnection.accept(connection);
            } catch (RuntimeException | Error e) {
                LOG.log(Level.WARNING, "onConnection callback failed; closing " + connection, e);
                connection.close(0, "server callback failed");
            }
        });
    }

    void forget(NettyConnection connection) {
        connections.remove(connection);
    }

    /** Completes once the UDP socket is closed; null before it is bound. */
    io.netty.util.concurrent.Future<Void> socketClosed() {
        Channel channel = udpChannel;
        return channel == null ? null : channel.closeFuture();
    }

    @Override
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        List<NettyConnection> open = List.copyOf(connections);
        for (NettyConnection connection : open) connection.close(0, "server closed");
        Channel channel = udpChannel;
        if (channel != null) closeSocketAfter(channel, open);
        else transport.forget(this);
    }

    /**
     * Closes the socket once every connection's close has been written through it, or after
     * {@link #SOCKET_CLOSE_TIMEOUT_MILLIS}: a connection may wait a moment before it closes
     * ({@link NettyConnection#CLOSE_DELAY_MILLIS}), and a socket closed before that drops the
     * CONNECTION_CLOSE its peer needs.
     */
    private static void closeSocketAfter(Channel channel, List<NettyConnection> open) {
        AtomicInteger left = new AtomicInteger(open.size() + 1);
        Runnable one = () -> {
            if (left.decrementAndGet() == 0) channel.close();
        };
        for (NettyConnection connection : open) {
            Future<Void> closed = connection.channelClosed();
            if (closed == null) one.run();
            else closed.addListener(f -> one.run());
        }
        one.run();
        channel.eventLoop().schedule(() -> {
            channel.close();
        }, SOCKET_CLOSE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public String toString() {
        return "netty server " + localAddress;
    }
}
