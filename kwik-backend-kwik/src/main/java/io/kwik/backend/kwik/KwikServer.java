package io.kwik.backend.kwik;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import io.kwik.spi.QuicConnection;
import io.kwik.spi.QuicServer;
import io.kwik.spi.ServerTransportConfig;
import io.kwik.spi.TransportLimits;
import tech.kwik.core.server.ApplicationProtocolConnection;
import tech.kwik.core.server.ApplicationProtocolConnectionFactory;
import tech.kwik.core.server.ServerConnection;
import tech.kwik.core.server.ServerConnectionConfig;
import tech.kwik.core.server.ServerConnector;

/**
 * A kwik {@link ServerConnector} on a socket this class binds (so the UDP buffer sizes
 * apply), serving one ALPN. Each connection whose handshake completes is wrapped and passed
 * to {@code onConnection}.
 *
 * <p>kwik calls the protocol factory on the thread that processes that connection's packets,
 * and keeps using that thread for the connection; the factory records the thread so the
 * shared {@link KwikLogBridge} can route RESET_STREAM and STOP_SENDING codes to the right
 * connection.
 */
final class KwikServer implements QuicServer {

    private static final System.Logger LOG = System.getLogger(KwikServer.class.getName());
    private static final int CONNECTION_ID_LENGTH = 8;

    private final String label;
    private final ServerConnector connector;
    private final InetSocketAddress localAddress;
    private final Set<KwikConnection> accepted = ConcurrentHashMap.newKeySet();
    private final Map<Thread, KwikConnection> byThread = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Consumer<KwikServer> onClosed;

    private KwikServer(String label, ServerConnector connector, InetSocketAddress localAddress,
                       Consumer<KwikServer> onClosed) {
        this.label = label;
        this.connector = connector;
        this.localAddress = localAddress;
        this.onClosed = onClosed;
    }

    static KwikServer start(InetSocketAddress local, ServerTransportConfig config, Consumer<QuicConnection> onConnection,
                            String label, ThreadFactory threadFactory, Set<KwikConnection> transportConnections,
                            Consumer<KwikServer> onClosed) throws IOException {
        if (config.clientTrust() != null) {
            // agent15 3.1's server engine never sends a CertificateRequest: serving without the
            // client certificates the configuration requires would silently drop the requirement
            throw new IOException(label + ": the kwik backend (kwik 0.10.8, agent15 3.1) cannot ask clients for "
                    + "certificates; use the netty backend for servers that require client certificates");
        }
        TransportLimits limits = config.limits();
        DatagramSocket socket = new DatagramSocket(null);
        KwikServer[] holder = new KwikServer[1];
        try {
            KwikTransport.applyBuffers(socket, limits.udpBufferSize());
            socket.bind(local);
            char[] password = randomPassword();
            KeyStore keyStore = TlsMaterial.serverKeyStore(config.privateKey(), config.certificateChain(), password);
            ServerConnectionConfig connectionConfig = ServerConnectionConfig.builder()
                    .maxIdleTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, limits.idleTimeout().toMillis())))
                    .maxConnectionBufferSize(limits.connectionReceiveWindow())
                    .maxBidirectionalStreamBufferSize(limits.streamReceiveWindow())
                    .maxUnidirectionalStreamBufferSize(limits.streamReceiveWindow())
                    .maxOpenPeerInitiatedBidirectionalStreams(limits.maxIncomingStreams())
                    .maxOpenPeerInitiatedUnidirectionalStreams(0)
                    .retryRequired(config.addressValidation())
                    .connectionIdLength(CONNECTION_ID_LENGTH)
                    .build();
            ServerConnector connector = ServerConnector.builder()
                    .withSocket(socket)
                    .withKeyStore(keyStore, TlsMaterial.KEY_ALIAS, password)
                    .withConfiguration(connectionConfig)
                    .withLogger(KwikLogBridge.create(label, thread -> holder[0] == null ? null : holder[0].connectionOf(thread)))
                    .build();
            KwikServer server = new KwikServer(label, connector, (InetSocketAddress) socket.getLocalSocketAddress(), onClosed);
            holder[0] = server;
            connector.registerApplicationProtocol(config.alpn(),
                    server.protocolFactory(limits, config.maxConnections(), threadFactory, transportConnections, onConnection));
            connector.start();
            LOG.log(System.Logger.Level.DEBUG, () -> label + ": listening on " + server.localAddress);
            return server;
        } catch (GeneralSecurityException | RuntimeException e) {
            socket.close();
            throw new IOException(label + ": cannot start a kwik server on " + local + ": " + e.getMessage(), e);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    private static char[] randomPassword() {
        SecureRandom random = new SecureRandom();
        char[] password = new char[24];
        for (int i = 0; i < password.length; i++) {
            password[i] = (char) ('a' + random.nextInt(26));
        }
        return password;
    }

    private ApplicationProtocolConnectionFactory protocolFactory(TransportLimits limits, int maxConnections,
                                                                 ThreadFactory threadFactory,
                                                                 Set<KwikConnection> transportConnections,
                                                                 Consumer<QuicConnection> onConnection) {
        AtomicLong sequence = new AtomicLong();
        return new ApplicationProtocolConnectionFactory() {
            @Override
            public ApplicationProtocolConnection createConnection(String protocol, tech.kwik.core.QuicConnection quic) {
                Thread packetThread = Thread.currentThread();
                InetSocketAddress remote = quic instanceof ServerConnection server ? server.getInitialRemoteAddress() : null;
                KwikConnection connection = new KwikConnection(quic, label + "-" + sequence.incrementAndGet(),
                        localAddress, remote, threadFactory, limits.maxIncomingStreams(), gone -> {
                            accepted.remove(gone);
                            transportConnections.remove(gone);
                            byThread.values().remove(gone);
                        });
                byThread.put(packetThread, connection);
                if (accepted.size() >= maxConnections) {
                    // kwik offers no hook before the handshake: the bound counts established connections
                    LOG.log(System.Logger.Level.WARNING, () -> label + ": " + maxConnections
                            + " connections kept already; refusing " + remote);
                    connection.close(0, "too many connections");
                    return null;
                }
                accepted.add(connection);
                transportConnections.add(connection);
                IdleBackstop.watch(connection, limits.idleTimeout());
                if (closed.get()) {
                    connection.close(0, "server closed");
                    return null;
                }
                try {
                    onConnection.accept(connection);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, () -> label + ": onConnection failed; closing " + connection, e);
                    connection.close(0, "server callback failed");
                }
                return new ApplicationProtocolConnection() {
                    @Override
                    public void acceptPeerInitiatedStream(tech.kwik.core.QuicStream stream) {
                        connection.peerStreamOpened(stream);
                    }
                };
            }

            @Override
            public int maxConcurrentPeerInitiatedUnidirectionalStreams() {
                return 0;
            }

            @Override
            public int maxConcurrentPeerInitiatedBidirectionalStreams() {
                return limits.maxIncomingStreams();
            }

            @Override
            public int minUnidirectionalStreamReceiverBufferSize() {
                return 0;
            }

            @Override
            public int minBidirectionalStreamReceiverBufferSize() {
                return 0;
            }
        };
    }

    /** The connection whose kwik packet thread {@code thread} is, or {@code null}. */
    private KwikConnection connectionOf(Thread thread) {
        return byThread.get(thread);
    }

    @Override
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (KwikConnection connection : accepted) {
            connection.close(0, "server closed");
        }
        try {
            connector.close();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> label + ": closing the kwik connector failed", e);
        }
        onClosed.accept(this);
    }

    @Override
    public String toString() {
        return "KwikServer[" + label + " " + localAddress + "]";
    }
}
