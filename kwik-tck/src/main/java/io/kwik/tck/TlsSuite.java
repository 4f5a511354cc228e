package io.kwik.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.X509ExtendedKeyManager;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.kwik.api.ClientConfig;
import io.kwik.api.ErrorCode;
import io.kwik.api.Kwik;
import io.kwik.api.KwikException;
import io.kwik.api.KwikListener;
import io.kwik.api.KwikSession;
import io.kwik.api.KwikStream;
import io.kwik.api.KwikTlsException;
import io.kwik.api.ServerConfig;
import io.kwik.spi.ClientTransportConfig;
import io.kwik.spi.ConnectionClose;
import io.kwik.spi.QuicConnection;
import io.kwik.spi.QuicServer;
import io.kwik.spi.QuicStream;
import io.kwik.spi.ServerTransportConfig;
import io.kwik.spi.TlsManagers;
import io.kwik.spi.TransportLimits;
import io.kwik.tck.tools.LoopbackServer;
import io.kwik.tck.tools.SelfSignedCertificate;
import io.kwik.tck.transport.StreamIo;
import io.kwik.tck.transport.TransportCapability;
import io.kwik.tck.transport.TransportFixture;
import io.kwik.tck.transport.Waits;

/**
 * TLS through the SPI, server on {@link #provider()} and client on {@link #clientProvider()}:
 * trust decided by a JDK trust manager, one typed failure ({@link SSLHandshakeException}) for
 * an untrusted chain or a wrong name, and client certificates (mutual TLS). Every success moves
 * bytes and compares their size and SHA-256.
 *
 * <p>A refused client certificate may reach the client in either of two ways, both typed: the
 * connect fails with {@link SSLHandshakeException}, or, because in TLS 1.3 the client finishes its
 * side of the handshake before the server checks its certificate, the connection ends with a
 * QUIC crypto error ({@link ConnectionClose#isTlsAlert()}). Either way the server never hands
 * the connection to the application.
 *
 * @since 0.1.0
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class TlsSuite extends BackendSuite {

    /** For a backend's test class, which extends this suite. */
    protected TlsSuite() {
    }

    /** The bound on one handshake or one small exchange. */
    protected static final Duration STEP = Duration.ofSeconds(30);

    private static volatile SelfSignedCertificate clientCertificate;

    private TransportFixture serverSide;
    private TransportFixture clientSide;

    @BeforeEach
    void createFixtures() {
        serverSide = TransportFixture.create(provider());
        clientSide = TransportFixture.create(clientProvider());
    }

    @AfterEach
    void closeFixtures() {
        if (clientSide != null) clientSide.close();
        if (serverSide != null) serverSide.close();
    }

    private static SelfSignedCertificate clientCertificate() {
        SelfSignedCertificate current = clientCertificate;
        if (current == null) {
            synchronized (TlsSuite.class) {
                current = clientCertificate;
                if (current == null) {
                    current = SelfSignedCertificate.generate("client.kwik.test", SelfSignedCertificate.KeyAlgorithm.EC_P256,
                            Duration.ofDays(1));
                    clientCertificate = current;
                }
            }
        }
        return current;
    }

    /** The kit's default limits with a 10 s idle timeout, so a refused handshake ends soon; backends may override. */
    @Override
    protected TransportLimits limits() {
        return TransportLimits.DEFAULTS.withIdleTimeout(Duration.ofSeconds(10));
    }

    private ClientTransportConfig trustingServer(X509ExtendedKeyManager keyManager) throws Exception {
        return new ClientTransportConfig(TransportFixture.ALPN, TransportFixture.SERVER_NAME, List.of(), false, limits(),
                TlsManagers.pkix(List.of(TransportFixture.certificate().certificate())), keyManager);
    }

    private QuicServer echoServer(ServerTransportConfig config) throws IOException {
        return serverSide.server(config, (connection, stream) -> {
            StreamIo.copy(stream.input(), stream.output());
            stream.output().close();
        });
    }

    private ServerTransportConfig requiringClientCertificates() throws Exception {
        return serverSide.serverConfig(limits()).withClientTrust(TlsManagers.pkix(List.of(clientCertificate().certificate())));
    }

    /** Writes 256 KiB on a new stream and checks the echo's size and SHA-256. */
    private static void assertEchoes(QuicConnection connection) throws Exception {
        QuicStream stream = TransportFixture.open(connection, STEP);
        CompletableFuture<StreamIo.Received> back = Waits.async("read-" + stream.id(), () -> StreamIo.readAll(stream.input()));
        StreamIo.Received sent;
        try (OutputStream out = stream.output()) {
            sent = StreamIo.writePayload(out, 7, 256 << 10);
        }
        assertThat(Waits.await(back, STEP, "echo")).isEqualTo(sent);
    }

    /** The dial was refused for TLS reasons, in one of the two typed ways the class javadoc names. */
    private void assertRefusedByTls(ClientTransportConfig config, QuicServer server) throws Exception {
        CompletableFuture<QuicConnection> attempt = clientSide.transport().connect(server.localAddress(), config);
        Throwable failure = catchThrowable(() -> Waits.await(attempt, STEP, "handshake"));
        if (failure == null) {
            QuicConnection connection = clientSide.closeLater(attempt.join());
            ConnectionClose close = Waits.await(connection.closed(), STEP, "the server's refusal");
            assertThat(close.isTlsAlert()).as("close %s is a TLS alert", close).isTrue();
        } else {
            assertThat(failure).isInstanceOf(SSLHandshakeException.class);
        }
        assertThat(catchThrowable(() -> serverSide.acceptedConnection(Duration.ofSeconds(1))))
                .as("the server handed no connection to the application").isInstanceOf(AssertionError.class);
    }

    @Test
    void tls_1_trustManagerDecidesTheServerChain() throws Exception {
        QuicServer server = echoServer(serverSide.serverConfig(limits()));

        QuicConnection connection = clientSide.connect(server.localAddress(), trustingServer(null), STEP);

        assertEchoes(connection);
    }

    @Test
    void tls_2_untrustedChainFailsWithSslHandshakeException() throws Exception {
        QuicServer server = echoServer(serverSide.serverConfig(limits()));
        SelfSignedCertificate stranger = SelfSignedCertificate.generate(TransportFixture.SERVER_NAME,
                SelfSignedCertificate.KeyAlgorithm.EC_P256, Duration.ofDays(1));
        ClientTransportConfig config = new ClientTransportConfig(TransportFixture.ALPN, TransportFixture.SERVER_NAME,
                List.of(), false, limits(), TlsManagers.pkix(List.of(stranger.certificate())), null);

        Throwable failure = catchThrowable(() -> clientSide.connect(server.localAddress(), config, STEP));

        assertThat(failure).isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void tls_3_wrongServerNameFailsWithSslHandshakeException() throws Exception {
        QuicServer server = echoServer(serverSide.serverConfig(limits()));
        ClientTransportConfig config = new ClientTransportConfig(TransportFixture.ALPN, "not-the-server.invalid",
                List.of(TransportFixture.certificate().certificate()), false, limits());

        Throwable failure = catchThrowable(() -> clientSide.connect(server.localAddress(), config, STEP));

        assertThat(failure).isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void tls_4_trustedClientCertificateIsAccepted() throws Exception {
        assume(TransportCapability.CLIENT_AUTHENTICATION);
        QuicServer server = echoServer(requiringClientCertificates());
        SelfSignedCertificate client = clientCertificate();

        QuicConnection connection = clientSide.connect(server.localAddress(),
                trustingServer(TlsManagers.keyManager(client.privateKey(), client.chain())), STEP);

        assertEchoes(connection);
        assertThat(serverSide.acceptedConnection(STEP)).isNotNull();
    }

    @Test
    void tls_5_missingClientCertificateIsRefused() throws Exception {
        assume(TransportCapability.CLIENT_AUTHENTICATION);
        QuicServer server = echoServer(requiringClientCertificates());

        assertRefusedByTls(trustingServer(null), server);
    }

    @Test
    void tls_6_untrustedClientCertificateIsRefused() throws Exception {
        assume(TransportCapability.CLIENT_AUTHENTICATION);
        QuicServer server = echoServer(requiringClientCertificates());
        SelfSignedCertificate stranger = SelfSignedCertificate.generate("stranger.kwik.test",
                SelfSignedCertificate.KeyAlgorithm.EC_P256, Duration.ofDays(1));

        assertRefusedByTls(trustingServer(TlsManagers.keyManager(stranger.privateKey(), stranger.chain())), server);
    }

    @Test
    void tls_7_serverThatCannotAskForClientCertificatesRefusesToBind() throws Exception {
        assumeTrue(unsupportedCapabilities().contains(TransportCapability.CLIENT_AUTHENTICATION),
                () -> provider().name() + " supports client certificates");

        Throwable failure = catchThrowable(() -> echoServer(requiringClientCertificates()));

        assertThat(failure).isInstanceOf(IOException.class);
    }

    // ---- through the KWIK API: KwikTlsException, the JDK's default trust, mutual TLS

    private ClientConfig.Builder apiClient() {
        return ClientConfig.builder().transport(clientProvider().name()).handshakeTimeout(LoopbackServer.HANDSHAKE_TIMEOUT)
                .serverName(LoopbackServer.SERVER_NAME);
    }

    private LoopbackServer apiServer(java.util.function.Consumer<ServerConfig.Builder> customizer) throws IOException {
        return LoopbackServer.start(provider().name(), clientProvider().name(), TransportFixture.certificate(), customizer);
    }

    /** One stream through the session: 256 KiB out, echoed back by the server, size and SHA-256 compared. */
    private static void assertSessionEchoes(LoopbackServer server, KwikSession client) throws Exception {
        CompletableFuture<Long> served = Waits.async("api-echo", () -> {
            KwikSession accepted = server.accept(STEP);
            KwikStream stream = accepted.acceptStream(STEP);
            long copied = StreamIo.copy(stream.inputStream(), stream.outputStream());
            stream.shutdownOutput();
            return copied;
        });
        KwikStream stream = client.openStreamSync();
        CompletableFuture<StreamIo.Received> back = Waits.async("api-read", () -> StreamIo.readAll(stream.inputStream()));
        StreamIo.Received sent = StreamIo.writePayload(stream.outputStream(), 11, 256 << 10);
        stream.shutdownOutput();
        assertThat(Waits.await(back, STEP, "api echo")).isEqualTo(sent);
        assertThat(Waits.await(served, STEP, "api server")).isEqualTo(sent.size());
    }

    @Test
    void tls_api_1_defaultTrustRefusesAServerOutsideTheJdkTrustStore() throws Exception {
        try (LoopbackServer server = apiServer(b -> {})) {
            ClientConfig config = apiClient().build();

            Throwable failure = catchThrowable(() -> server.dial(config));

            assertThat(failure).isInstanceOf(KwikTlsException.class);
            assertThat(((KwikException) failure).code()).isEqualTo(ErrorCode.TLS);
            assertThat(failure.getCause()).isInstanceOf(SSLHandshakeException.class);
        }
    }

    /**
     * The default trust is the JDK's default trust store: pointing {@code javax.net.ssl.trustStore}
     * at a store that holds the server's certificate (read by the JDK when the configuration is
     * built) is enough to dial it. Together with the test above, which shows the same server
     * refused without that property, it shows the property's store is the one used.
     */
    @Test
    void tls_api_2_defaultTrustIsTheJdkDefaultTrustStore(@TempDir Path directory) throws Exception {
        Path storeFile = directory.resolve("truststore.p12");
        char[] password = "changeit".toCharArray();
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setCertificateEntry("kwik-test-server", TransportFixture.certificate().certificate());
        try (OutputStream out = Files.newOutputStream(storeFile)) {
            store.store(out, password);
        }
        String[] names = {"javax.net.ssl.trustStore", "javax.net.ssl.trustStorePassword", "javax.net.ssl.trustStoreType"};
        String[] saved = new String[names.length];
        for (int i = 0; i < names.length; i++) saved[i] = System.getProperty(names[i]);
        ClientConfig config;
        try {
            System.setProperty(names[0], storeFile.toString());
            System.setProperty(names[1], new String(password));
            System.setProperty(names[2], "PKCS12");
            config = apiClient().build();
        } finally {
            for (int i = 0; i < names.length; i++) {
                if (saved[i] == null) System.clearProperty(names[i]);
                else System.setProperty(names[i], saved[i]);
            }
        }
        try (LoopbackServer server = apiServer(b -> {})) {
            assertSessionEchoes(server, server.dial(config));
        }
    }

    @Test
    void tls_api_3_wrongServerNameIsAKwikTlsException() throws Exception {
        try (LoopbackServer server = apiServer(b -> {})) {
            ClientConfig config = server.clientConfig().serverName("not-the-server.invalid").build();

            Throwable failure = catchThrowable(() -> server.dial(config));

            assertThat(failure).isInstanceOf(KwikTlsException.class);
        }
    }

    @Test
    void tls_api_4_mutualTlsAcceptsATrustedClientAndRefusesOthers() throws Exception {
        assume(TransportCapability.CLIENT_AUTHENTICATION);
        SelfSignedCertificate client = clientCertificate();
        SelfSignedCertificate stranger = SelfSignedCertificate.generate("stranger.kwik.test",
                SelfSignedCertificate.KeyAlgorithm.EC_P256, Duration.ofDays(1));
        try (LoopbackServer server = apiServer(b -> b.requireClientCertificates(List.of(client.certificate())))) {
            assertSessionEchoes(server, server.dial(server.clientConfig().clientCertificate(client.chain(), client.privateKey()).build()));

            Throwable none = catchThrowable(() -> server.dial(server.clientConfig().build()));
            Throwable untrusted = catchThrowable(() -> server.dial(
                    server.clientConfig().clientCertificate(stranger.chain(), stranger.privateKey()).build()));

            assertThat(none).as("no client certificate").isInstanceOf(KwikTlsException.class);
            assertThat(untrusted).as("an untrusted client certificate").isInstanceOf(KwikTlsException.class);
        }
    }

    @Test
    void tls_api_5_serverKeyFromAKeyStore() throws Exception {
        SelfSignedCertificate certificate = TransportFixture.certificate();
        char[] password = "secret".toCharArray();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("server", certificate.privateKey(), password, certificate.chain().toArray(X509Certificate[]::new));
        ServerConfig config = ServerConfig.builder().transport(provider().name()).keyStore(keys, null, password).build();

        assertThat(config.certificateChain()).isEqualTo(certificate.chain());
        try (KwikListener listener = Kwik.listen(TransportFixture.loopbackAnyPort(), config)) {
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.localAddress().getPort());
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("server", certificate.certificate());
            try (KwikSession session = Kwik.dial(address, apiClient().trustStore(trust).build())) {
                CompletableFuture<KwikSession> accepted = Waits.async("accept", listener::accept);
                KwikStream stream = session.openStreamSync();
                StreamIo.Received sent = StreamIo.writePayload(stream.outputStream(), 3, 64 << 10);
                stream.shutdownOutput();
                KwikStream served = Waits.await(accepted, STEP, "accept").acceptStream(STEP);
                assertThat(StreamIo.readAll(served.inputStream())).isEqualTo(sent);
            }
        }
    }
}
