package io.kwik.tck;

import static io.kwik.tck.tools.Bounds.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.kwik.api.ClientConfig;
import io.kwik.api.ErrorCode;
import io.kwik.api.Kwik;
import io.kwik.api.KwikException;
import io.kwik.api.KwikSession;
import io.kwik.api.KwikTimeoutException;
import io.kwik.api.PathEvent;
import io.kwik.api.PathInfo;
import io.kwik.api.SessionClose;
import io.kwik.proto.ControlFrame;
import io.kwik.spi.ConnectionClose;
import io.kwik.spi.QuicConnection;
import io.kwik.spi.QuicServer;
import io.kwik.spi.QuicStream;
import io.kwik.spi.QuicTransport;
import io.kwik.spi.ServerTransportConfig;
import io.kwik.spi.TransportContext;
import io.kwik.spi.TransportLimits;
import io.kwik.tck.impair.ImpairmentProxy;
import io.kwik.tck.tools.Digest;
import io.kwik.tck.tools.Digests;
import io.kwik.tck.tools.Harness;
import io.kwik.tck.tools.LoopbackServer;
import io.kwik.tck.tools.SelfSignedCertificate;
import io.kwik.tck.tools.SessionCluster;
import io.kwik.tck.tools.TimeoutScale;
import io.kwik.tck.transport.Waits;

/**
 * Timeouts are typed: each one fails with a {@link KwikTimeoutException} that names its
 * {@link KwikTimeoutException.Kind kind} and its length, so that an application tells a timeout
 * from a refusal without reading messages. Through real QUIC: a dial to an address that never
 * answers and a dial to a server that never authenticates ({@code HANDSHAKE}, thrown by
 * {@link Kwik#dial}), a join to a secondary that never answers ({@code HANDSHAKE}, the cause of
 * the client's {@link PathEvent.Failed}), a secondary that goes silent ({@code PATH}, the cause
 * of its {@link PathEvent.Dead}) and a primary that goes silent ({@code IDLE}, the cause of the
 * session's {@link SessionClose}). The read timeout has its own test in {@code ProtocolSuite}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class TimeoutSuite extends BackendSuite {
    /** The timeout under test where nothing ever answers: short, so that the test waits seconds. */
    private static final Duration NO_ANSWER = TimeoutScale.scaled(Duration.ofSeconds(3));
    /**
     * The timeout under test where a live server must complete QUIC's handshake first (T2, and
     * T3's dial of the primary): a cold JVM's first handshake on a loaded machine takes seconds.
     */
    private static final Duration HANDSHAKE = TimeoutScale.scaled(Duration.ofSeconds(8));
    /**
     * T5's idle timeout. It applies from the dial on: 2 s let a dial on a machine at load 33
     * idle out while authenticating, so it is 5 s.
     */
    private static final Duration IDLE = TimeoutScale.scaled(Duration.ofSeconds(5));
    private static final int PAYLOAD = 256 << 10;

    private Harness h;

    /** For a backend's test class, which extends this suite. */
    protected TimeoutSuite() {
    }

    @BeforeEach
    final void openHarness() {
        h = new Harness(provider(), clientProvider());
    }

    @AfterEach
    final void closeHarness() throws Exception {
        h.close();
    }

    /** A dial to a UDP port that reads every datagram and answers none fails with a HANDSHAKE timeout. */
    @Test
    void required_T1_aDialThatHearsNothingFailsWithAHandshakeTimeout() throws Exception {
        DatagramSocket silent = h.closeAfterTest(new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
        AtomicInteger swallowed = new AtomicInteger();
        h.background(() -> {
            DatagramPacket packet = new DatagramPacket(new byte[2048], 2048);
            try {
                while (true) {
                    silent.receive(packet);
                    swallowed.incrementAndGet();
                }
            } catch (SocketException closed) {
                return null;
            }
        });
        ClientConfig config = ClientConfig.builder().transport(clientProvider().name()).insecureTrustAll()
                .handshakeTimeout(NO_ANSWER).build();
        InetSocketAddress address = (InetSocketAddress) silent.getLocalSocketAddress();

        assertThatThrownBy(() -> Kwik.dial(address, config))
                .asInstanceOf(type(KwikTimeoutException.class))
                .satisfies(timeout -> {
                    assertThat(timeout.kind()).isEqualTo(KwikTimeoutException.Kind.HANDSHAKE);
                    assertThat(timeout.timeout()).isEqualTo(NO_ANSWER);
                    assertThat(timeout.code()).isEqualTo(ErrorCode.TIMEOUT);
                    assertThat(timeout.getMessage()).contains(address.toString());
                });
        assertThat(swallowed.get()).as("datagrams the silent port received from the dial").isPositive();
    }

    /**
     * A server that completes QUIC's handshake but never answers KWIK's authentication request
     * fails the dial with a HANDSHAKE timeout, and the client ends that connection itself with
     * AUTH_FAILED rather than leave it to the idle timeout.
     */
    @Test
    void required_T2_aServerThatNeverAuthenticatesFailsTheDialWithAHandshakeTimeout() throws Exception {
        SelfSignedCertificate certificate = Harness.sharedCertificate();
        QuicTransport raw = h.closeAfterTest(provider().create(TransportContext.of("mute-primary")));
        CompletableFuture<QuicConnection> accepted = new CompletableFuture<>();
        QuicServer server = raw.bind(new InetSocketAddress(SessionCluster.HOST, 0),
                new ServerTransportConfig("kwik/1", certificate.chain(), certificate.privateKey(),
                        TransportLimits.DEFAULTS), accepted::complete);
        h.closeAfterTest(server::close);
        ClientConfig config = ClientConfig.builder().transport(clientProvider().name())
                .trustedCertificates(List.of(certificate.certificate())).serverName(LoopbackServer.SERVER_NAME)
                .handshakeTimeout(HANDSHAKE).build();

        CompletableFuture<Throwable> dial = new CompletableFuture<>();
        h.background(() -> {
            try {
                KwikSession unexpected = Kwik.dial(server.localAddress(), config);
                unexpected.close();
                dial.complete(null);
            } catch (Throwable e) {
                dial.complete(e);
            }
            return null;
        });
        QuicConnection connection = h.closeAfterTest(Waits.await(accepted, WAIT, "the client's connection"));
        QuicStream control = connection.acceptStream();
        ControlFrame hello = ControlFrame.parseDelimitedFrom(control.input());
        assertThat(hello.hasAuthenticationRequest()).as("the client's first frame: %s", hello).isTrue();

        Throwable failure = Waits.await(dial, WAIT, "the dial's failure");
        assertThat(failure).as("the dial against a server that never answers its authentication")
                .asInstanceOf(type(KwikTimeoutException.class))
                .satisfies(timeout -> {
                    assertThat(timeout.kind()).isEqualTo(KwikTimeoutException.Kind.HANDSHAKE);
                    assertThat(timeout.timeout()).isEqualTo(HANDSHAKE);
                    assertThat(timeout.code()).isEqualTo(ErrorCode.TIMEOUT);
                });
        ConnectionClose close = Waits.await(connection.closed().toCompletableFuture(), WAIT, "the client's close");
        assertThat(close.origin()).as("who closed the mute server's connection: %s", close).isEqualTo(ConnectionClose.Origin.PEER);
        assertThat(close.errorCode()).as("the code it was closed with").isEqualTo(ErrorCode.AUTH_FAILED.code());
    }

    /**
     * A secondary whose every datagram is dropped cannot be joined: the client's
     * {@link PathEvent.Failed} carries a HANDSHAKE timeout, the primary's {@code addPath} fails
     * with PATH_DEAD as before (a timeout is never sent), and the session carries on byte-exact.
     */
    @Test
    void required_T3_aJoinThatHearsNothingFailsWithAHandshakeTimeout() throws Exception {
        SessionCluster cluster = cluster(1, HANDSHAKE, ClientConfig.DEFAULT_IDLE_TIMEOUT);
        SessionCluster.Session session = cluster.connect(WAIT);
        ImpairmentProxy proxy = h.closeAfterTest(ImpairmentProxy.start(SessionCluster.addressOf(cluster.secondary(0))));
        proxy.blackhole(true);
        CompletableFuture<PathEvent.Failed> failed = new CompletableFuture<>();
        session.client().addPathListener(event -> {
            if (event instanceof PathEvent.Failed f) failed.complete(f);
        });

        assertThatThrownBy(() -> session.join(cluster.secondary(0), proxy.address(), WAIT))
                .as("the primary's addPath").isInstanceOf(IOException.class)
                .satisfies(e -> assertThat(rootKwik(e).code()).isEqualTo(ErrorCode.PATH_DEAD));
        PathEvent.Failed event = Waits.await(failed, WAIT, "the client's Failed event");
        assertThat(event.cause()).as("the cause of %s", event).get()
                .asInstanceOf(type(KwikTimeoutException.class))
                .satisfies(timeout -> {
                    assertThat(timeout.kind()).isEqualTo(KwikTimeoutException.Kind.HANDSHAKE);
                    assertThat(timeout.timeout()).isEqualTo(HANDSHAKE);
                });
        assertEchoes(session, 31);
    }

    /**
     * A joined secondary that goes silent dies of the path timeout: its {@link PathEvent.Dead}
     * at the client carries a PATH timeout whose code is PATH_DEAD, and the session carries on.
     */
    @Test
    void required_T4_aSecondaryThatGoesSilentDiesOfAPathTimeout() throws Exception {
        SessionCluster cluster = cluster(1, WAIT, ClientConfig.DEFAULT_IDLE_TIMEOUT);
        SessionCluster.Session session = cluster.connect(WAIT);
        ImpairmentProxy proxy = h.closeAfterTest(ImpairmentProxy.start(SessionCluster.addressOf(cluster.secondary(0))));
        SessionCluster.Joined joined = session.join(cluster.secondary(0), proxy.address(), WAIT);
        String pathId = joined.path().id();
        CompletableFuture<PathEvent.Dead> dead = new CompletableFuture<>();
        session.client().addPathListener(event -> {
            if (event instanceof PathEvent.Dead d && d.path().id().equals(pathId)) dead.complete(d);
        });

        proxy.blackhole(true);
        PathEvent.Dead event = Waits.await(dead, WAIT, "the silent secondary's Dead event");
        assertThat(event.cause()).as("the cause of %s", event).get()
                .asInstanceOf(type(KwikTimeoutException.class))
                .satisfies(timeout -> {
                    assertThat(timeout.kind()).isEqualTo(KwikTimeoutException.Kind.PATH);
                    assertThat(timeout.timeout()).isEqualTo(ClientConfig.DEFAULT_PATH_TIMEOUT);
                    assertThat(timeout.code()).isEqualTo(ErrorCode.PATH_DEAD);
                });
        assertThat(session.client().deadPaths()).extracting(PathInfo::id).containsExactly(pathId);
        assertEchoes(session, 32);
    }

    /**
     * A primary that goes silent ends the session by QUIC's idle timeout: the session's close
     * carries an IDLE timeout whose code is PATH_DEAD, and so does the primary path's
     * {@link PathEvent.Dead}.
     */
    @Test
    void required_T5_aPrimaryThatGoesSilentEndsTheSessionWithAnIdleTimeout() throws Exception {
        SessionCluster cluster = cluster(0, WAIT, IDLE);
        ImpairmentProxy proxy = h.closeAfterTest(ImpairmentProxy.start(SessionCluster.addressOf(cluster.primary())));
        SessionCluster.Session session = cluster.connect(cluster.clientConfig().handshakeTimeout(WAIT).idleTimeout(IDLE).build(),
                proxy.address(), WAIT);
        KwikSession client = session.client();
        assertEchoes(session, 33);
        CompletableFuture<PathEvent.Dead> dead = new CompletableFuture<>();
        client.addPathListener(event -> {
            if (event instanceof PathEvent.Dead d) dead.complete(d);
        });

        proxy.blackhole(true);
        SessionClose close = Waits.await(client.closed().toCompletableFuture(), WAIT, "the client's session close");
        assertThat(close.code()).as("%s", close).isEqualTo(ErrorCode.PATH_DEAD);
        assertThat(close.cause()).as("the cause of %s", close).get()
                .asInstanceOf(type(KwikTimeoutException.class))
                .satisfies(timeout -> {
                    assertThat(timeout.kind()).isEqualTo(KwikTimeoutException.Kind.IDLE);
                    assertThat(timeout.timeout()).isEqualTo(IDLE);
                });
        assertThat(Waits.await(dead, WAIT, "the primary path's Dead event").cause())
                .map(KwikException.class::cast).get().isInstanceOf(KwikTimeoutException.class);
    }

    private void assertEchoes(SessionCluster.Session session, long seed) throws Exception {
        h.echoEverything(session.primary());
        byte[] payload = Digests.payload(seed, PAYLOAD);
        assertThat(h.echoThrough(session.client(), payload)).as("an echo through the session").isEqualTo(Digest.of(payload));
    }

    private static KwikException rootKwik(Throwable e) {
        KwikException found = null;
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof KwikException k) found = k;
        }
        return Optional.ofNullable(found).orElseThrow(() -> new AssertionError("no KwikException in " + e, e));
    }

    private SessionCluster cluster(int secondaries, Duration handshake, Duration idle) throws IOException {
        return h.closeAfterTest(sessionCluster()
                .secondaries(secondaries)
                .clients(clients -> clients.handshakeTimeout(handshake).idleTimeout(idle))
                .start());
    }
}
