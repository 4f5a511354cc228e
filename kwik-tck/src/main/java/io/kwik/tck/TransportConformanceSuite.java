package io.kwik.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLHandshakeException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.Timeout;

import io.kwik.spi.ClientTransportConfig;
import io.kwik.spi.ConnectionClose;
import io.kwik.spi.ConnectionClosedException;
import io.kwik.spi.QuicConnection;
import io.kwik.spi.QuicServer;
import io.kwik.spi.QuicStream;
import io.kwik.spi.QuicTransportProvider;
import io.kwik.spi.StreamResetByPeerException;
import io.kwik.spi.TransportLimits;
import io.kwik.tck.tools.SelfSignedCertificate;
import io.kwik.tck.transport.StreamHandler;
import io.kwik.tck.transport.StreamIo;
import io.kwik.tck.transport.TransportCapability;
import io.kwik.tck.transport.TransportFixture;
import io.kwik.tck.transport.Waits;

/**
 * Transport conformance: the SPI contract of docs/PROTOCOL.md section 3 on raw QUIC, through the SPI
 * only, on {@code 127.0.0.1} with ephemeral ports.
 *
 * <p>A backend runs it with one class:
 * <pre>{@code
 * class MyTransportConformanceTest extends TransportConformanceSuite {
 *     protected QuicTransportProvider provider() { return new MyProvider(); }
 * }
 * }</pre>
 *
 * <p>Every check moves real bytes and compares sizes and SHA-256 digests. Every wait is
 * bounded; no test sleeps. A backend whose library lacks an optional capability lists it in
 * {@link #unsupportedCapabilities()} and the checks that need it are skipped with the reason.
 *
 * @since 0.1.0
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class TransportConformanceSuite extends BackendSuite {

    /** For a backend's test class, which extends this suite. */
    protected TransportConformanceSuite() {
    }

    /** The bound on one handshake, one small exchange or one close. */
    protected static final Duration STEP = Duration.ofSeconds(30);
    /** The bound on a bulk transfer. */
    protected static final Duration BULK = Duration.ofSeconds(120);

    private static final long BULK_BYTES = 64L << 20;
    private static final long CODE = 42;

    private TransportFixture fixture;

    @BeforeEach
    void createFixture() {
        fixture = TransportFixture.create(provider());
    }

    @AfterEach
    void closeFixture() {
        if (fixture != null) {
            fixture.close();
        }
    }

    private void assertNoHandlerFailures() {
        assertThat(fixture.handlerFailures()).as("failures in server stream handlers").isEmpty();
    }

    private static StreamHandler echo() {
        return (connection, stream) -> {
            StreamIo.copy(stream.input(), stream.output());
            stream.output().close();
        };
    }

    /** Reads the stream to its end, then answers {@code "<size> <sha256>"} and FIN. */
    private static StreamHandler digest() {
        return (connection, stream) -> {
            StreamIo.Received received = StreamIo.readAll(stream.input());
            stream.output().write((received.size() + " " + received.sha256()).getBytes(StandardCharsets.US_ASCII));
            stream.output().close();
        };
    }

    private static StreamIo.Received parseDigest(byte[] answer) {
        String[] parts = new String(answer, StandardCharsets.US_ASCII).split(" ");
        assertThat(parts).as("digest answer").hasSize(2);
        return new StreamIo.Received(Long.parseLong(parts[0]), parts[1]);
    }

    /** Writes a payload on a new stream, FIN, and returns what was written and what came back. */
    private static StreamIo.Received[] exchange(QuicConnection connection, long seed, long length) throws Exception {
        QuicStream stream = TransportFixture.open(connection, STEP);
        CompletableFuture<StreamIo.Received> back = Waits.async("read-" + stream.id(), () -> StreamIo.readAll(stream.input()));
        StreamIo.Received sent;
        try (OutputStream out = stream.output()) {
            sent = StreamIo.writePayload(out, seed, length);
        }
        return new StreamIo.Received[] {sent, Waits.await(back, BULK, "echo of stream " + stream.id())};
    }

    @Test
    void required_SPI_1_1_providerDescribesItself() {
        QuicTransportProvider provider = provider();
        assertThat(provider.name()).isNotBlank();
        assertThat(provider.spiVersion()).isEqualTo(QuicTransportProvider.SPI_VERSION);
        assertThat(provider.isAvailable()).isTrue();
        assertThat(provider.unavailabilityCause()).isEmpty();
    }

    @Test
    void required_SPI_3_1_connectCompletesHandshake() throws Exception {
        QuicServer server = fixture.server(limits(), echo());
        assertThat(server.localAddress().getPort()).as("bound port").isPositive();

        QuicConnection client = fixture.connect(server, limits(), STEP);
        QuicConnection accepted = fixture.acceptedConnection(STEP);

        assertThat(client.remoteAddress()).isEqualTo(server.localAddress());
        assertThat(client.localAddress()).isNotNull();
        assertThat(client.localAddress().getPort()).isPositive();
        assertThat(accepted.remoteAddress()).isEqualTo(client.localAddress());
        assertThat(client.maxStreamFramePayload()).isBetween(500, 65_527);
        assertThat(client.closed()).isNotDone();
        assertThat(client.stats()).isNotNull();
    }

    @Test
    void required_SPI_3_2_bidirectionalStreamEchoes() throws Exception {
        QuicServer server = fixture.server(limits(), echo());
        QuicConnection client = fixture.connect(server, limits(), STEP);

        StreamIo.Received[] result = exchange(client, 1, 256 * 1024 + 17);

        assertThat(result[1]).isEqualTo(result[0]);
        assertNoHandlerFailures();
    }

    @Test
    void required_SPI_3_3_bulkTransfer64MiBIsByteExact(TestReporter reporter) throws Exception {
        QuicServer server = fixture.server(limits(), digest());
        QuicConnection client = fixture.connect(server, limits(), STEP);
        QuicStream stream = TransportFixture.open(client, STEP);
        CompletableFuture<byte[]> answer = Waits.async("digest", () -> stream.input().readAllBytes());

        long start = System.nanoTime();
        StreamIo.Received sent = Waits.within(BULK, "writing " + BULK_BYTES + " bytes", () -> {
            try (OutputStream out = stream.output()) {
                return StreamIo.writePayload(out, 3, BULK_BYTES);
            }
        });
        StreamIo.Received received = parseDigest(Waits.await(answer, BULK, "server's digest of the bulk transfer"));
        double seconds = (System.nanoTime() - start) / 1e9;

        assertThat(received).isEqualTo(sent);
        reporter.publishEntry("goodput", String.format("%.1f MB/s (%d bytes in %.2f s)", BULK_BYTES / 1e6 / seconds,
                BULK_BYTES, seconds));
        assertNoHandlerFailures();
    }

    @Test
    void required_SPI_3_4_hundredConcurrentStreamsAreByteExact() throws Exception {
        QuicServer server = fixture.server(limits(), echo());
        QuicConnection client = fixture.connect(server, limits(), STEP);

        List<CompletableFuture<StreamIo.Received[]>> streams = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            long seed = 100 + i;
            streams.add(Waits.async("stream-" + i, () -> exchange(client, seed, 32 * 1024 + seed)));
        }
        for (int i = 0; i < streams.size(); i++) {
            StreamIo.Received[] result = Waits.await(streams.get(i), BULK, "concurrent stream " + i);
            assertThat(result[1]).as("stream %d", i).isEqualTo(result[0]);
        }
        assertNoHandlerFailures();
    }

    @Test
    void required_SPI_3_5_halfCloseLetsPeerKeepWriting() throws Exception {
        long answerLength = 1 << 20;
        StreamHandler answerAfterFin = (connection, stream) -> {
            StreamIo.Received request = StreamIo.readAll(stream.input());
            stream.output().write((request.size() + " " + request.sha256() + "\n").getBytes(StandardCharsets.US_ASCII));
            StreamIo.writePayload(stream.output(), request.size(), answerLength);
            stream.output().close();
        };
        QuicServer server = fixture.server(limits(), answerAfterFin);
        QuicConnection client = fixture.connect(server, limits(), STEP);
        QuicStream stream = TransportFixture.open(client, STEP);

        StreamIo.Received request;
        try (OutputStream out = stream.output()) {
            request = StreamIo.writePayload(out, 5, 10_000);
        }
        String header = Waits.within(STEP, "answer header", () -> {
            StringBuilder line = new StringBuilder();
            for (int c; (c = stream.input().read()) != '\n'; ) {
                if (c < 0) {
                    throw new IOException("stream ended before the answer header");
                }
                line.append((char) c);
            }
            return line.toString();
        });
        StreamIo.Received answer = Waits.within(BULK, "answer body", () -> StreamIo.readAll(stream.input()));

        assertThat(header).isEqualTo(request.size() + " " + request.sha256());
        StreamIo.Received expected = StreamIo.writePayload(OutputStream.nullOutputStream(), request.size(), answerLength);
        assertThat(answer).isEqualTo(expected);
        assertNoHandlerFailures();
    }

    @Test
    void required_SPI_3_6_clientResetReachesServerWithCode() throws Exception {
        CompletableFuture<Throwable> serverSaw = new CompletableFuture<>();
        CompletableFuture<Void> firstBytesRead = new CompletableFuture<>();
        QuicServer server = fixture.server(limits(), (connection, stream) -> {
            StreamIo.readExactly(stream.input(), 1000);
            firstBytesRead.complete(null);
            serverSaw.complete(catchThrowable(() -> StreamIo.readAll(stream.input())));
        });
        QuicConnection client = fixture.connect(server, limits(), STEP);
        QuicStream stream = TransportFixture.open(client, STEP);
        stream.output().write(new byte[1000]);
        stream.output().flush();
        Waits.await(firstBytesRead, STEP, "server reading the first bytes");

        stream.reset(CODE);

        Throwable failure = Waits.await(serverSaw, STEP, "server's read after the reset");
        assertThat(failure).isInstanceOf(StreamResetByPeerException.class);
        assume(TransportCapability.RESET_ERROR_CODE);
        assertThat(((StreamResetByPeerException) failure).errorCode()).isEqualTo(CODE);
    }

    @Test
    void required_SPI_3_6_serverResetReachesClientWithCode() throws Exception {
        QuicServer server = fixture.server(limits(), (connection, stream) -> {
            StreamIo.readExactly(stream.input(), 10);
            stream.output().write(new byte[500]);
            stream.output().flush();
            stream.reset(CODE + 1);
        });
        QuicConnection client = fixture.connect(server, limits(), STEP);
        QuicStream stream = TransportFixture.open(client, STEP);
        stream.output().write(new byte[10]);
        stream.output().flush();

        Throwable failure = Waits.within(STEP, "client read until the reset",
                () -> catchThrowable(() -> StreamIo.readAll(stream.input())));

        assertThat(failure).isInstanceOf(StreamResetByPeerException.class);
        assume(TransportCapability.RESET_ERROR_CODE);
        assertThat(((StreamResetByPeerException) failure).errorCode()).isEqualTo(CODE + 1);
    }

    @Test
    void required_SPI_3_6_stopSendingFailsPeerWrites() throws Exception {
        assume(TransportCapability.STOP_SENDING);
        CompletableFuture<Throwable> writerSaw = new CompletableFuture<>();
        QuicServer server = fixture.server(limits(), (connection, stream) -> {
            StreamIo.readExactly(stream.input(), 10);
            writerSaw.complete(catchThrowable(() -> {
                byte[] chunk = new byte[16 * 1024];
                for (long written = 0; written < (1L << 34); written += chunk.length) {
                    stream.output().write(chunk);
                }
            }));
        });
        QuicConnection client = fixture.connect(server, limits(), STEP);
        QuicStream stream = TransportFixture.open(client, STEP);
        stream.output().write(new byte[10]);
        stream.output().flush();

        stream.stopSending(CODE + 2);

        Throwable failure = Waits.await(writerSaw, STEP, "server's writes after STOP_SENDING");
        assertThat(failure).isInstanceOf(StreamResetByPeerException.class);
        assertThat(((StreamResetByPeerException) failure).errorCode()).isEqualTo(CODE + 2);
    }

    @Test
    void required_SPI_3_7_idleTimeoutClosesConnection() throws Exception {
        // A backend may bound the handshake by the idle timeout (kwik does), and a first handshake
        // in a cold JVM on a loaded machine can take longer than 1 s; what is tested here is the
        // idle timeout, so one handshake with the default limits warms the JVM up first.
        QuicServer warmUpServer = fixture.server(limits(), echo());
        fixture.connect(warmUpServer, limits(), STEP).close(0, "warmed up");
        TransportLimits idle = limits().withIdleTimeout(Duration.ofSeconds(1)).withKeepAliveInterval(Duration.ZERO);
        QuicServer server = fixture.server(idle, echo());
        QuicConnection client = fixture.connect(server, idle, STEP);
        // not just the next accepted: an abandoned second dial attempt would end PEER, not idle
        QuicConnection accepted = fixture.acceptedConnection(client, STEP);

        ConnectionClose clientClose = Waits.await(client.closed(), STEP,
                () -> "client idle timeout; " + idleState(client, accepted));
        ConnectionClose serverClose = Waits.await(accepted.closed(), STEP,
                () -> "server idle timeout; " + idleState(client, accepted));

        assertThat(clientClose.origin()).isEqualTo(ConnectionClose.Origin.IDLE_TIMEOUT);
        assertThat(serverClose.origin()).isEqualTo(ConnectionClose.Origin.IDLE_TIMEOUT);
    }

    /**
     * What an idle-timeout failure needs to be diagnosed: RFC 9000 §10.1 stretches the idle
     * period to three probe timeouts, so the RTT estimates matter, and whether the other end
     * closed tells a silent timer from packets that kept arriving.
     */
    private static String idleState(QuicConnection client, QuicConnection server) {
        return "client closed=" + client.closed().isDone() + " stats=" + client.stats()
                + "; server closed=" + server.closed().getNow(null) + " stats=" + server.stats();
    }

    @Test
    void required_SPI_3_8_closeReasonReachesPeer() throws Exception {
        QuicServer server = fixture.server(limits(), echo());
        QuicConnection client = fixture.connect(server, limits(), STEP);
        QuicConnection accepted = fixture.acceptedConnection(STEP);
        StreamIo.Received[] warmUp = exchange(client, 8, 1000);
        assertThat(warmUp[1]).isEqualTo(warmUp[0]);

        accepted.close(7, "tck says goodbye");

        ConnectionClose local = Waits.await(accepted.closed(), STEP, "server's own close");
        ConnectionClose remote = Waits.await(client.closed(), STEP, "client seeing the server's close");
        assertThat(local.origin()).isEqualTo(ConnectionClose.Origin.LOCAL);
        assertThat(local.errorCode()).isEqualTo(7);
        assertThat(remote.origin()).isEqualTo(ConnectionClose.Origin.PEER);
        assertThat(remote.errorCode()).isEqualTo(7);
        assume(TransportCapability.CLOSE_REASON_PHRASE);
        assertThat(remote.reason()).isEqualTo("tck says goodbye");
    }

    @Test
    void required_SPI_3_8_blockedCallsFailOnceClosed() throws Exception {
        QuicServer server = fixture.server(limits(), null);
        QuicConnection client = fixture.connect(server, limits(), STEP);
        QuicConnection accepted = fixture.acceptedConnection(STEP);
        CompletableFuture<QuicStream> blockedAccept = Waits.async("blocked-accept", accepted::acceptStream);

        client.close(3, "done");

        Throwable acceptFailure = catchThrowable(() -> Waits.await(blockedAccept, STEP, "acceptStream after the peer closed"));
        assertThat(acceptFailure).isInstanceOf(ConnectionClosedException.class);
        assertThat(((ConnectionClosedException) acceptFailure).close().origin()).isEqualTo(ConnectionClose.Origin.PEER);
        assertThatThrownBy(() -> Waits.await(client.openBidirectionalStream(), STEP, "opening on a closed connection"))
                .isInstanceOf(IOException.class);
        assertThatThrownBy(client::acceptStream).isInstanceOf(ConnectionClosedException.class);
        client.close(4, "again");
        assertThat(Waits.await(client.closed(), STEP, "client close").errorCode()).isEqualTo(3);
    }

    @Test
    void required_SPI_3_9_concurrentConnectionsAreIndependent() throws Exception {
        QuicServer server = fixture.server(limits(), echo());
        List<CompletableFuture<StreamIo.Received[]>> clients = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            long seed = 900 + i;
            clients.add(Waits.async("client-" + i, () -> {
                QuicConnection client = fixture.connect(server, limits(), STEP);
                return exchange(client, seed, (1 << 20) + seed);
            }));
        }
        for (int i = 0; i < clients.size(); i++) {
            StreamIo.Received[] result = Waits.await(clients.get(i), BULK, "client " + i);
            assertThat(result[1]).as("client %d", i).isEqualTo(result[0]);
        }
        assertNoHandlerFailures();
    }

    @Test
    void required_SPI_3_10_connectWithoutServerFails() throws Exception {
        int port;
        try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        TransportLimits shortLimits = limits().withIdleTimeout(Duration.ofSeconds(3));
        InetSocketAddress nobody = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        CompletableFuture<QuicConnection> attempt = fixture.transport().connect(nobody, fixture.clientConfig(shortLimits));

        Throwable failure = catchThrowable(() -> Waits.await(attempt, STEP, "connecting to a port without a server"));

        assertThat(failure).isInstanceOf(IOException.class);
    }

    @Test
    void required_SPI_3_11_untrustedCertificateIsRejected() throws Exception {
        QuicServer server = fixture.server(limits(), echo());
        SelfSignedCertificate stranger = SelfSignedCertificate.generate(TransportFixture.SERVER_NAME,
                SelfSignedCertificate.KeyAlgorithm.EC_P256, Duration.ofDays(1));
        ClientTransportConfig config = new ClientTransportConfig(TransportFixture.ALPN, TransportFixture.SERVER_NAME,
                List.of(stranger.certificate()), false, limits().withIdleTimeout(Duration.ofSeconds(5)));

        Throwable failure = catchThrowable(() -> fixture.connect(server.localAddress(), config, STEP));

        assertThat(failure).as("a TLS failure is typed").isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void required_SPI_3_11_serverNameIsVerified() throws Exception {
        QuicServer server = fixture.server(limits(), echo());
        ClientTransportConfig config = new ClientTransportConfig(TransportFixture.ALPN, "not-the-server.invalid",
                List.of(TransportFixture.certificate().certificate()), false, limits().withIdleTimeout(Duration.ofSeconds(5)));

        Throwable failure = catchThrowable(() -> fixture.connect(server.localAddress(), config, STEP));

        assertThat(failure).as("a TLS failure is typed").isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void required_SPI_3_12_closedFutureNeverFailsAndCloseIsIdempotent() throws Exception {
        QuicServer server = fixture.server(limits(), echo());
        QuicConnection client = fixture.connect(server, limits(), STEP);

        client.close();
        client.close(9, "ignored");

        ConnectionClose close = Waits.await(client.closed(), STEP, "local close");
        assertThat(close.origin()).isEqualTo(ConnectionClose.Origin.LOCAL);
        assertThat(close.errorCode()).isZero();
        assertThat(client.closed()).isCompleted().isNotCompletedExceptionally();
    }
}
