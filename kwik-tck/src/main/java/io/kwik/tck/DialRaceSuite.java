package io.kwik.tck;

import static io.kwik.tck.tools.Bounds.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.kwik.api.ClientConfig;
import io.kwik.api.ErrorCode;
import io.kwik.api.KwikTimeoutException;
import io.kwik.api.PathStatus;
import io.kwik.spi.ClientTransportConfig;
import io.kwik.spi.DialRace;
import io.kwik.spi.QuicConnection;
import io.kwik.spi.QuicServer;
import io.kwik.spi.QuicStream;
import io.kwik.spi.QuicTransport;
import io.kwik.spi.TransportContext;
import io.kwik.spi.TransportLimits;
import io.kwik.tck.tools.Bounds;
import io.kwik.tck.tools.Digest;
import io.kwik.tck.tools.Harness;
import io.kwik.tck.impair.Direction;
import io.kwik.tck.impair.ImpairmentProxy;
import io.kwik.tck.tools.Digests;
import io.kwik.tck.tools.SessionCluster;
import io.kwik.tck.transport.TransportFixture;
import io.kwik.tck.transport.Waits;

/**
 * A handshake that stalls is replaced by a second one (io.kwik.spi.DialRace,
 * {@link ClientConfig#handshakeStallTimeout()}): a server that never answers the client's
 * first connection, here an impairment proxy that drops every datagram of the first client
 * 4-tuple it serves, still gives a session within the handshake timeout, for the primary and
 * for a secondary the client joins. Without the second attempt both dials fail: the first
 * connection keeps its 4-tuple until the handshake timeout.
 *
 * @since 0.1.0
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class DialRaceSuite extends BackendSuite {

    /** For a backend's test class, which extends this suite. */
    protected DialRaceSuite() {
    }
    private static final System.Logger LOG = System.getLogger(DialRaceSuite.class.getName());
    private static final int PAYLOAD = 256 << 10;

    private Harness h;

    @BeforeEach
    final void openHarness() {
        h = new Harness(provider(), clientProvider());
    }

    @AfterEach
    final void closeHarness() throws Exception {
        h.close();
    }

    /** The primary's first handshake gets no answer; the second one gives the session, whose echo is byte-exact. */
    @Test
    void required_R3_aPrimaryThatNeverAnswersTheFirstHandshakeStillGivesASession() throws Exception {
        SessionCluster cluster = cluster(0);
        ImpairmentProxy proxy = h.closeAfterTest(ImpairmentProxy.start(SessionCluster.addressOf(cluster.primary())));
        proxy.blackholeFirstClients(1);

        long start = System.nanoTime();
        SessionCluster.Session session = cluster.connect(patient(cluster), proxy.address(), WAIT);
        long dialMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        h.echoEverything(session.primary());
        byte[] payload = Digests.payload(19, PAYLOAD);
        assertThat(h.echoThrough(session.client(), payload)).as("echo through the second handshake's connection")
                .isEqualTo(Digest.of(payload));

        // 2, or 3 when a loaded machine also delays the authentication answer past the stall time
        assertThat(proxy.counters().clients()).as("client 4-tuples the proxy served: %s", proxy.counters())
                .isBetween(2, 2 * DialRace.MAX_ATTEMPTS);
        assertThat(proxy.counters().dropped(Direction.TO_SERVER)).as("datagrams of the first handshake dropped").isPositive();
        LOG.log(System.Logger.Level.INFO, () -> clientProvider().name() + " client, " + provider().name()
                + " primary: session after " + dialMillis + " ms with the first 4-tuple blackholed; " + proxy.counters());
    }

    /** A secondary's first handshake gets no answer; the join still succeeds and the session carries on. */
    @Test
    void required_R3_aSecondaryThatNeverAnswersTheFirstHandshakeIsStillJoined() throws Exception {
        SessionCluster cluster = cluster(1);
        SessionCluster.Session session = cluster.connect(patient(cluster), WAIT);
        ImpairmentProxy proxy = h.closeAfterTest(ImpairmentProxy.start(SessionCluster.addressOf(cluster.secondary(0))));
        proxy.blackholeFirstClients(1);

        long start = System.nanoTime();
        SessionCluster.Joined joined = session.join(cluster.secondary(0), proxy.address(), WAIT);
        long joinMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(joined.path().status()).as("the joined path").isEqualTo(PathStatus.ACTIVE);
        assertThat(joined.session().id()).as("the secondary's session").isEqualTo(session.client().id());
        // 2, or 3 when a loaded machine also delays the authentication answer past the stall time
        assertThat(proxy.counters().clients()).as("client 4-tuples the proxy served: %s", proxy.counters())
                .isBetween(2, 2 * DialRace.MAX_ATTEMPTS);

        h.echoEverything(session.primary());
        byte[] payload = Digests.payload(20, PAYLOAD);
        assertThat(h.echoThrough(session.client(), payload)).as("echo after the join").isEqualTo(Digest.of(payload));
        LOG.log(System.Logger.Level.INFO, () -> clientProvider().name() + " client, " + secondaryProvider().name()
                + " secondary: joined after " + joinMillis + " ms with the first 4-tuple blackholed; " + proxy.counters());
    }

    /**
     * The primary's first connection completes its QUIC handshake but none of the client's
     * application data reaches the server (the proxy drops the first 4-tuple's 1-RTT packets),
     * as when kwik 0.10.8's client loses the authentication request: the dial starts a second
     * attempt after the stall time and gets a session whose echo is byte-exact.
     */
    @Test
    void required_R3_aPrimaryThatNeverGetsTheFirstAuthenticationRequestStillGivesASession() throws Exception {
        SessionCluster cluster = cluster(0);
        ImpairmentProxy proxy = h.closeAfterTest(ImpairmentProxy.start(SessionCluster.addressOf(cluster.primary())));
        proxy.dropApplicationDataOfFirstClients(1);

        long start = System.nanoTime();
        SessionCluster.Session session = cluster.connect(patient(cluster), proxy.address(), WAIT);
        long dialMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        h.echoEverything(session.primary());
        byte[] payload = Digests.payload(22, PAYLOAD);
        assertThat(h.echoThrough(session.client(), payload)).as("echo through the second attempt's connection")
                .isEqualTo(Digest.of(payload));

        assertThat(proxy.applicationDataDropped()).as("1-RTT datagrams of the first attempt dropped: %s", proxy.counters())
                .isPositive();
        assertThat(proxy.counters().clients()).as("client 4-tuples the proxy served: %s", proxy.counters())
                .isBetween(2, 2 * DialRace.MAX_ATTEMPTS);
        LOG.log(System.Logger.Level.INFO, () -> clientProvider().name() + " client, " + provider().name()
                + " primary: session after " + dialMillis + " ms with the first authentication request lost; " + proxy.counters());
    }

    /** The same for a secondary: its first join request never arrives, the second attempt joins. */
    @Test
    void required_R3_aSecondaryThatNeverGetsTheFirstJoinRequestIsStillJoined() throws Exception {
        SessionCluster cluster = cluster(1);
        SessionCluster.Session session = cluster.connect(patient(cluster), WAIT);
        ImpairmentProxy proxy = h.closeAfterTest(ImpairmentProxy.start(SessionCluster.addressOf(cluster.secondary(0))));
        proxy.dropApplicationDataOfFirstClients(1);

        SessionCluster.Joined joined = session.join(cluster.secondary(0), proxy.address(), WAIT);
        assertThat(joined.path().status()).as("the joined path").isEqualTo(PathStatus.ACTIVE);
        assertThat(joined.session().id()).as("the secondary's session").isEqualTo(session.client().id());
        assertThat(proxy.applicationDataDropped()).as("1-RTT datagrams of the first attempt dropped: %s", proxy.counters())
                .isPositive();
        assertThat(proxy.counters().clients()).as("client 4-tuples the proxy served: %s", proxy.counters())
                .isBetween(2, 2 * DialRace.MAX_ATTEMPTS);

        h.echoEverything(session.primary());
        byte[] payload = Digests.payload(23, PAYLOAD);
        assertThat(h.echoThrough(session.client(), payload)).as("echo after the join").isEqualTo(Digest.of(payload));
    }

    /**
     * When no attempt's authentication request ever arrives, the dial fails with a typed
     * handshake timeout (not a hang, not an untyped error) after a second attempt was made.
     */
    @Test
    void required_R3_aDialWhoseAuthenticationRequestsAreAllLostFailsAsAHandshakeTimeout() throws Exception {
        SessionCluster cluster = cluster(0);
        ImpairmentProxy proxy = h.closeAfterTest(ImpairmentProxy.start(SessionCluster.addressOf(cluster.primary())));
        proxy.dropApplicationDataOfFirstClients(ImpairmentProxy.DEFAULT_MAX_CLIENTS);
        // long enough for a second attempt on a loaded machine, short enough for a test
        Duration timeout = Bounds.scaled(Duration.ofSeconds(8));
        ClientConfig config = cluster.clientConfig().handshakeTimeout(timeout).build();

        KwikTimeoutException failure = Waits.within(timeout.plus(WAIT), "the failed dial", () -> {
            try {
                cluster.connect(config, proxy.address(), timeout.plus(WAIT)).client().close();
                return null;
            } catch (KwikTimeoutException e) {
                return e;
            }
        });
        assertThat(failure).as("the dial's failure").isNotNull();
        assertThat(failure.kind()).as("the timeout's kind: %s", failure.getMessage()).isEqualTo(KwikTimeoutException.Kind.HANDSHAKE);
        assertThat(failure.code()).isEqualTo(ErrorCode.TIMEOUT);
        assertThat(proxy.counters().clients()).as("client 4-tuples the proxy served: %s", proxy.counters())
                .isBetween(2, 2 * DialRace.MAX_ATTEMPTS);
    }

    /**
     * The cluster's client configuration with a handshake timeout of {@code WAIT}: the test is
     * about the second attempt, and a loaded build machine (a cold JVM's first handshake takes
     * seconds) must not fail it by the default 10 s. The first attempt never completes, so the
     * dial still fails without the second one.
     */
    private static ClientConfig patient(SessionCluster cluster) {
        return cluster.clientConfig().handshakeTimeout(WAIT).build();
    }

    /**
     * The same through the SPI alone, as a raw dial (the R3 token tests use one): the race
     * through {@link DialRace} reaches a plain echo server whose first 4-tuple is blackholed,
     * and the echo is byte-exact. Client and server run on their own backends.
     */
    @Test
    void required_SPI_aRawDialRaceGetsPastAServerThatNeverAnswersTheFirstConnection() throws Exception {
        TransportFixture fixture = h.closeAfterTest(TransportFixture.create(provider()));
        QuicServer server = fixture.server(TransportLimits.DEFAULTS, (connection, stream) -> {
            stream.input().transferTo(stream.output());
            stream.output().close();
        });
        ImpairmentProxy proxy = h.closeAfterTest(ImpairmentProxy.start(server.localAddress()));
        proxy.blackholeFirstClients(1);
        QuicTransport client = h.closeAfterTest(clientProvider().create(TransportContext.of("dial-race-client")));
        ClientTransportConfig config = new ClientTransportConfig(TransportFixture.ALPN, TransportFixture.SERVER_NAME,
                List.of(TransportFixture.certificate().certificate()), false, TransportLimits.DEFAULTS);

        QuicConnection connection = h.closeAfterTest(Waits.await(DialRace.connect(client, proxy.address(), config,
                ClientConfig.DEFAULT_HANDSHAKE_STALL_TIMEOUT, WAIT), WAIT, "the dial race"));
        QuicStream stream = TransportFixture.open(connection, WAIT);
        byte[] payload = Digests.payload(21, PAYLOAD);
        Future<Void> writer = h.background(() -> {
            stream.output().write(payload);
            stream.output().close();
            return null;
        });
        Digest back = Waits.within(WAIT, "the echo", () -> Digest.of(stream.input()));
        Waits.await(writer, WAIT, "the writer");
        assertThat(back).as("echo through the second attempt's connection").isEqualTo(Digest.of(payload));
        assertThat(proxy.counters().clients()).as("client 4-tuples the proxy served: %s", proxy.counters()).isEqualTo(2);
    }

    private SessionCluster cluster(int secondaries) throws IOException {
        return h.closeAfterTest(sessionCluster()
                .secondaries(secondaries)
                .start());
    }
}
