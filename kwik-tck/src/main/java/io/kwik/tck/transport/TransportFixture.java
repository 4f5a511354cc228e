package io.kwik.tck.transport;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.kwik.spi.ClientTransportConfig;
import io.kwik.spi.ConnectionClosedException;
import io.kwik.spi.DialRace;
import io.kwik.spi.QuicConnection;
import io.kwik.spi.QuicServer;
import io.kwik.spi.QuicStream;
import io.kwik.spi.QuicTransport;
import io.kwik.spi.QuicTransportProvider;
import io.kwik.spi.ServerTransportConfig;
import io.kwik.spi.TransportContext;
import io.kwik.spi.TransportLimits;
import io.kwik.tck.tools.SelfSignedCertificate;
import io.kwik.tck.tools.TimeoutScale;

/**
 * One transport of the provider under test, plus every server and connection a test made
 * with it, all on {@code 127.0.0.1}. {@link #close()} closes all of them.
 *
 * <p>Servers made with {@link #server(TransportLimits, StreamHandler)} run the handler on a
 * virtual thread for every stream a client opens; connections they accept wait in a bounded
 * queue for {@link #acceptedConnection(Duration)}.
 *
 * @since 0.1.0
 */
public final class TransportFixture implements AutoCloseable {

    /** The ALPN every connection of the suite uses. */
    public static final String ALPN = "kwik-tck/1";
    /** The name the certificate is issued for and the clients verify. */
    public static final String SERVER_NAME = "localhost";

    private static final int ACCEPTED_QUEUE = 256;
    /** The engine's default {@code ClientConfig.handshakeStallTimeout()}; the SPI kit does not depend on the API. */
    private static final Duration STALL_TIMEOUT = Duration.ofSeconds(1);
    private static volatile SelfSignedCertificate sharedCertificate;

    private final QuicTransport transport;
    private final SelfSignedCertificate certificate;
    private final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();
    private final BlockingQueue<QuicConnection> accepted = new ArrayBlockingQueue<>(ACCEPTED_QUEUE);
    private final List<Throwable> handlerFailures = new CopyOnWriteArrayList<>();

    private TransportFixture(QuicTransport transport, SelfSignedCertificate certificate) {
        this.transport = transport;
        this.certificate = certificate;
    }

    /** A fixture over a new transport of {@code provider}. */
    public static TransportFixture create(QuicTransportProvider provider) {
        Objects.requireNonNull(provider, "provider");
        return new TransportFixture(provider.create(TransportContext.of("tck-" + provider.name())), certificate());
    }

    /** The certificate every fixture of this JVM serves (generated once: RSA key generation is slow). */
    public static SelfSignedCertificate certificate() {
        SelfSignedCertificate current = sharedCertificate;
        if (current == null) {
            synchronized (TransportFixture.class) {
                current = sharedCertificate;
                if (current == null) {
                    current = SelfSignedCertificate.generate();
                    sharedCertificate = current;
                }
            }
        }
        return current;
    }

    /** The transport under test. */
    public QuicTransport transport() {
        return transport;
    }

    /** A client configuration that trusts this fixture's certificate and verifies {@link #SERVER_NAME}. */
    public ClientTransportConfig clientConfig(TransportLimits limits) {
        return new ClientTransportConfig(ALPN, SERVER_NAME, List.of(certificate.certificate()), false, limits);
    }

    /** A server configuration with this fixture's certificate. */
    public ServerTransportConfig serverConfig(TransportLimits limits) {
        return new ServerTransportConfig(ALPN, certificate.chain(), certificate.privateKey(), limits);
    }

    /** The loopback address with port 0. */
    public static InetSocketAddress loopbackAnyPort() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }

    /**
     * Binds a server on loopback whose accepted connections go to {@link #acceptedConnection(Duration)}
     * and whose peer-opened streams each run {@code handler} on a virtual thread. A {@code null}
     * handler leaves streams to the test (take them with {@code acceptStream()}).
     */
    public QuicServer server(TransportLimits limits, StreamHandler handler) throws IOException {
        return server(serverConfig(limits), handler);
    }

    /** As {@link #server(TransportLimits, StreamHandler)}, with {@code config} instead of {@link #serverConfig}. */
    public QuicServer server(ServerTransportConfig config, StreamHandler handler) throws IOException {
        QuicServer server = transport.bind(loopbackAnyPort(), config, connection -> {
            if (!accepted.offer(connection)) {
                connection.close(1, "tck accept queue full");
                return;
            }
            closeables.add(connection);
            if (handler != null) {
                Thread.ofVirtual().name("tck-accept-streams").start(() -> serveStreams(connection, handler));
            }
        });
        closeables.add(server);
        return server;
    }

    private void serveStreams(QuicConnection connection, StreamHandler handler) {
        while (true) {
            QuicStream stream;
            try {
                stream = connection.acceptStream();
            } catch (ConnectionClosedException e) {
                return;
            } catch (IOException e) {
                handlerFailures.add(e);
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            Thread.ofVirtual().name("tck-stream-" + stream.id()).start(() -> {
                try {
                    handler.handle(connection, stream);
                } catch (Throwable e) {
                    handlerFailures.add(e);
                }
            });
        }
    }

    /** The next connection a server of this fixture accepted, within {@code timeout} times the kit's scale. */
    public QuicConnection acceptedConnection(Duration timeout) throws InterruptedException {
        Duration bound = TimeoutScale.scaled(timeout);
        QuicConnection connection = accepted.poll(bound.toMillis(), TimeUnit.MILLISECONDS);
        if (connection == null) {
            throw new AssertionError("no connection accepted within " + bound);
        }
        return connection;
    }

    /**
     * The connection a server of this fixture accepted from {@code client} (its remote address
     * is the client's local address). Connections from other clients that arrive first are
     * passed over: the dial race of {@link #connect} can start a second handshake when the
     * first is slow, and the server then accepts the abandoned attempt too (which its client
     * closes at once), so the next connection accepted need not be the client's.
     */
    public QuicConnection acceptedConnection(QuicConnection client, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<InetSocketAddress> passedOver = new ArrayList<>();
        while (true) {
            QuicConnection connection = accepted.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (connection == null) {
                throw new AssertionError("no connection from " + client.localAddress() + " accepted within " + timeout
                        + " (passed over: " + passedOver + ")");
            }
            if (connection.remoteAddress().equals(client.localAddress())) {
                return connection;
            }
            passedOver.add(connection.remoteAddress());
        }
    }

    /** Dials {@code server} and waits for the handshake. */
    public QuicConnection connect(QuicServer server, TransportLimits limits, Duration timeout) throws Exception {
        return connect(server.localAddress(), clientConfig(limits), timeout);
    }

    /**
     * Dials {@code remote} with {@code config} and waits for the handshake. Dials as the engine
     * does, through {@link DialRace} with the default stall timeout: a second handshake if the
     * first hears nothing for a second (kwik 0.10.8's client sometimes stalls, see
     * kwik-backend-kwik/README.md), so a suite fails for what it tests, not for that stall.
     * A test of the backend's own {@code connect} calls {@link #transport()} directly.
     */
    public QuicConnection connect(InetSocketAddress remote, ClientTransportConfig config, Duration timeout) throws Exception {
        QuicConnection connection = Waits.await(DialRace.connect(transport, remote, config, STALL_TIMEOUT, timeout), timeout,
                "handshake with " + remote);
        closeables.add(connection);
        return connection;
    }

    /** Opens a bidirectional stream and waits for it. */
    public static QuicStream open(QuicConnection connection, Duration timeout) throws Exception {
        return Waits.await(connection.openBidirectionalStream(), timeout, "opening a stream");
    }

    /** Failures that stream handlers of this fixture's servers threw (they run off the test thread). */
    public List<Throwable> handlerFailures() {
        return List.copyOf(handlerFailures);
    }

    /** Registers something to close with the fixture. */
    public <T extends AutoCloseable> T closeLater(T closeable) {
        closeables.add(closeable);
        return closeable;
    }

    @Override
    public void close() {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            try {
                closeables.get(i).close();
            } catch (Exception e) {
                handlerFailures.add(e);
            }
        }
        transport.close();
    }
}
