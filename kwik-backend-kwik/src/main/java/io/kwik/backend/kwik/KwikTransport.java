package io.kwik.backend.kwik;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import javax.net.ssl.SSLHandshakeException;

import io.kwik.spi.ClientTransportConfig;
import io.kwik.spi.ConnectionClose;
import io.kwik.spi.HandshakeObserver;
import io.kwik.spi.QuicConnection;
import io.kwik.spi.QuicServer;
import io.kwik.spi.QuicTransport;
import io.kwik.spi.ServerTransportConfig;
import io.kwik.spi.TlsManagers;
import io.kwik.spi.TransportContext;
import io.kwik.spi.TransportLimits;
import tech.kwik.core.QuicClientConnection;

/**
 * A kwik transport: dials client connections and binds {@link KwikServer}s.
 *
 * <p>How each {@link TransportLimits} value reaches kwik (see the module README for why):
 * <ul>
 *   <li>idle timeout: {@code maxIdleTimeout}, client and server; the client's handshake
 *       ({@code connectTimeout}, a bound on its whole length, not on silence) gets the idle
 *       timeout but at least {@link #MIN_CONNECT_TIMEOUT};</li>
 *   <li>keep-alive: {@code QuicClientConnection.keepAlive(seconds)} on clients, rounded up to
 *       whole seconds; kwik 0.10.8 has no keep-alive for server connections (logged once);</li>
 *   <li>stream window: the initial bidirectional and unidirectional stream receive buffer;</li>
 *   <li>connection window: {@code maxConnectionBufferSize} on servers; kwik's client builder
 *       can only set it as ten times a stream buffer, so a client gets
 *       {@code 10 * ceil(connectionWindow / 10)} before its stream buffers are set;</li>
 *   <li>max incoming streams: peer-initiated bidirectional streams (unidirectional: 0);</li>
 *   <li>UDP buffer: {@code SO_RCVBUF} and {@code SO_SNDBUF} on the socket this transport
 *       creates and hands to kwik; the kernel may cap it ({@code net.core.rmem_max}).</li>
 * </ul>
 *
 * <p>Server identity: the backend checks it itself. agent15's hostname verifier never matches
 * an IP address, and for a DNS name it falls back to every subject CN, which with no CN at all
 * accepted a certificate for any name; kwik's builder can only replace it through
 * {@code noServerCertificateCheck()}. So the backend calls that and installs its own trust
 * manager, which runs the configured chain check (the config's trust manager, or PKIX over its
 * trusted certificates) and then requires an
 * iPAddress subject alternative name equal to an IP literal, or a DNS identity as RFC 6125
 * says ({@link TlsManagers}, {@link io.kwik.spi.ServerIdentity}). Verification stays on; kwik
 * prints its "SECURITY WARNING" line to standard output for it all the same (unless the
 * system property {@code tech.kwik.core.no-security-warnings} is {@code true}). agent15 sends
 * the server name as SNI whatever it is, so an IP literal does go out as SNI.
 */
final class KwikTransport implements QuicTransport {

    private static final System.Logger LOG = System.getLogger(KwikTransport.class.getName());
    private static final AtomicBoolean SERVER_KEEP_ALIVE_WARNED = new AtomicBoolean();
    /** How long a failed handshake waits for the server's close event, to type a TLS refusal. */
    private static final Duration TLS_ALERT_WAIT = Duration.ofMillis(250);
    /**
     * The least time kwik's {@code connect()} may take. kwik bounds a handshake's whole length
     * by {@code connectTimeout}, where QUIC's idle timeout bounds only silence: with a short
     * idle timeout (2 s) a handshake on a loaded machine failed while its packets still flowed.
     * A caller that wants less cancels the future, as the engine's dial race does at its
     * handshake timeout.
     */
    static final Duration MIN_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private final TransportContext context;
    private final Set<KwikConnection> connections = ConcurrentHashMap.newKeySet();
    private final Set<KwikServer> servers = ConcurrentHashMap.newKeySet();
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();

    KwikTransport(TransportContext context) {
        this.context = context;
    }

    @Override
    public CompletableFuture<QuicConnection> connect(InetSocketAddress remote, ClientTransportConfig config) {
        return connect(remote, config, HandshakeObserver.NONE);
    }

    /**
     * Dials on a thread of the transport. {@code observer} hears of every packet kwik receives
     * until {@code connect()} returns (through the log bridge, kwik's only per-packet hook).
     * Cancelling the future closes the connection being dialed, which ends kwik's wait.
     */
    @Override
    public CompletableFuture<QuicConnection> connect(InetSocketAddress remote, ClientTransportConfig config,
                                                     HandshakeObserver observer) {
        CompletableFuture<QuicConnection> result = new CompletableFuture<>();
        if (closed.get()) {
            result.completeExceptionally(new IOException("transport " + context.name() + " is closed"));
            return result;
        }
        if (remote.isUnresolved()) {
            result.completeExceptionally(new IOException("unresolved address " + remote));
            return result;
        }
        AtomicReference<KwikConnection> dialing = new AtomicReference<>();
        result.whenComplete((connection, failure) -> {
            KwikConnection abandoned = dialing.get();
            if (result.isCancelled() && abandoned != null) abandoned.close(0, "dial abandoned");
        });
        Thread dialer = context.threadFactory().newThread(() -> {
            try {
                QuicConnection connection = dial(remote, config, observer, dialing, result);
                if (!result.complete(connection)) connection.close(0, "dial abandoned");
            } catch (IOException e) {
                result.completeExceptionally(e);
            } catch (GeneralSecurityException | RuntimeException e) {
                result.completeExceptionally(new IOException("cannot connect to " + remote + ": " + e.getMessage(), e));
            }
        });
        dialer.start();
        return result;
    }

    private QuicConnection dial(InetSocketAddress remote, ClientTransportConfig config, HandshakeObserver observer,
                                AtomicReference<KwikConnection> dialing, CompletableFuture<?> result)
            throws IOException, GeneralSecurityException {
        AtomicBoolean handshaking = new AtomicBoolean(true);
        TransportLimits limits = config.limits();
        String label = context.name() + "-client-" + sequence.incrementAndGet();
        KwikConnection[] holder = new KwikConnection[1];
        long connectionWindow = limits.connectionReceiveWindow();
        long bufferForConnectionWindow = Math.max(1500, (connectionWindow + 9) / 10);
        TrustRefusal refusal = new TrustRefusal();
        QuicClientConnection.Builder builder = QuicClientConnection.newBuilder()
                .host(config.serverName())
                .port(remote.getPort())
                .proxy(remote.getAddress().getHostAddress())
                .applicationProtocol(config.alpn())
                .connectTimeout(max(limits.idleTimeout(), MIN_CONNECT_TIMEOUT))
                .maxIdleTimeout(limits.idleTimeout())
                .defaultStreamReceiveBufferSize(bufferForConnectionWindow)
                .maxOpenPeerInitiatedBidirectionalStreams(limits.maxIncomingStreams())
                .maxOpenPeerInitiatedUnidirectionalStreams(0)
                .socketFactory(destination -> clientSocket(new InetSocketAddress(destination, remote.getPort()),
                        limits.udpBufferSize()))
                .logger(KwikLogBridge.create(label, thread -> holder[0], () -> {
                    if (handshaking.get()) observer.packetReceived();
                }));
        if (config.trustAll()) {
            LOG.log(System.Logger.Level.WARNING, () -> label + ": trusting any server certificate (trustAll)");
            builder.noServerCertificateCheck();
        } else {
            builder.noServerCertificateCheck();
            builder.customTrustManager(refusal.watching(TlsManagers.clientTrust(config)));
        }
        if (config.keyManager() != null) {
            builder.clientKeyManager(config.keyManager());
        }
        QuicClientConnection kwik = builder.build();
        kwik.setDefaultBidirectionalStreamReceiveBufferSize(limits.streamReceiveWindow());
        kwik.setDefaultUnidirectionalStreamReceiveBufferSize(limits.streamReceiveWindow());
        KwikConnection connection = new KwikConnection(kwik, label, kwik.getLocalAddress(), remote,
                context.threadFactory(), limits.maxIncomingStreams(), connections::remove);
        holder[0] = connection;
        dialing.set(connection);
        if (result.isCancelled()) connection.close(0, "dial abandoned");
        try {
            kwik.connect();
        } catch (IOException | RuntimeException e) {
            // read before our own close, which would complete closed() as LOCAL
            ConnectionClose alert = connection.peerTlsAlert(TLS_ALERT_WAIT);
            connection.close(0, "handshake failed");
            // kwik reports our trust manager's refusal only as a ConnectException's text: type it
            SSLHandshakeException tls = refusal.asHandshakeFailure(e);
            if (tls != null) throw tls;
            if (alert != null) {
                SSLHandshakeException refused = new SSLHandshakeException("the server ended the TLS handshake with crypto error 0x"
                        + Long.toHexString(alert.errorCode()) + " (TLS alert " + (alert.errorCode() - 0x100) + "): " + alert.reason());
                refused.initCause(e);
                throw refused;
            }
            throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
        } finally {
            handshaking.set(false);
        }
        if (!limits.keepAliveInterval().isZero()) {
            kwik.keepAlive((int) Math.max(1, ceilSeconds(limits.keepAliveInterval())));
        }
        connections.add(connection);
        IdleBackstop.watch(connection, limits.idleTimeout());
        if (connection.closed().isDone()) {
            connections.remove(connection);
        }
        if (closed.get()) {
            connection.close(0, "transport closed");
            throw new IOException("transport " + context.name() + " closed while connecting");
        }
        return connection;
    }

    private static long ceilSeconds(Duration duration) {
        return (duration.toMillis() + 999) / 1000;
    }

    private static DatagramSocket clientSocket(InetSocketAddress remote, int udpBufferSize) throws SocketException {
        DatagramSocket socket = new DatagramSocket();
        try {
            applyBuffers(socket, udpBufferSize);
            socket.connect(remote);
            return socket;
        } catch (SocketException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** Applies the requested UDP buffer sizes; 0 keeps the OS default. */
    static void applyBuffers(DatagramSocket socket, int udpBufferSize) throws SocketException {
        if (udpBufferSize > 0) {
            socket.setReceiveBufferSize(udpBufferSize);
            socket.setSendBufferSize(udpBufferSize);
            int receive = socket.getReceiveBufferSize();
            int send = socket.getSendBufferSize();
            if (receive < udpBufferSize || send < udpBufferSize) {
                LOG.log(System.Logger.Level.DEBUG, () -> "UDP buffers capped by the OS: asked " + udpBufferSize
                        + ", got receive " + receive + ", send " + send);
            }
        }
    }

    @Override
    public QuicServer bind(InetSocketAddress local, ServerTransportConfig config, Consumer<QuicConnection> onConnection)
            throws IOException {
        if (closed.get()) {
            throw new IOException("transport " + context.name() + " is closed");
        }
        if (!config.limits().keepAliveInterval().isZero() && SERVER_KEEP_ALIVE_WARNED.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.INFO, "kwik 0.10.8 cannot send keep-alives on server connections; "
                    + "keepAliveInterval applies to kwik clients only");
        }
        String label = context.name() + "-server-" + sequence.incrementAndGet();
        KwikServer server = KwikServer.start(local, config, onConnection, label, context.threadFactory(),
                connections, servers::remove);
        servers.add(server);
        if (closed.get()) {
            server.close();
            throw new IOException("transport " + context.name() + " closed while binding");
        }
        return server;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (KwikConnection connection : connections) {
            connection.close(0, "transport closed");
        }
        for (KwikServer server : servers) {
            server.close();
        }
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
