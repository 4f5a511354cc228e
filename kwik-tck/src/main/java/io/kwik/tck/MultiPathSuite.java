package io.kwik.tck;

import static io.kwik.tck.tools.Bounds.WAIT;
import static io.kwik.tck.tools.Bounds.await;
import static io.kwik.tck.tools.KwikStreams.writeAndFinish;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.google.protobuf.ByteString;

import io.kwik.api.AuthenticationException;
import io.kwik.api.ByteRange;
import io.kwik.api.ClientConfig;
import io.kwik.api.Delegation;
import io.kwik.api.ErrorCode;
import io.kwik.api.KwikException;
import io.kwik.api.KwikSession;
import io.kwik.api.KwikStream;
import io.kwik.api.KwikSubscription;
import io.kwik.api.PathDeadException;
import io.kwik.api.PathEvent;
import io.kwik.api.PathInfo;
import io.kwik.api.PathStats;
import io.kwik.api.PathStatus;
import io.kwik.api.RawData;
import io.kwik.api.Refill;
import io.kwik.api.Role;
import io.kwik.api.ServerConfig;
import io.kwik.proto.AuthenticationRequest;
import io.kwik.proto.ControlFrame;
import io.kwik.proto.PathRole;
import io.kwik.spi.ClientTransportConfig;
import io.kwik.spi.ConnectionClose;
import io.kwik.spi.DialRace;
import io.kwik.spi.QuicConnection;
import io.kwik.spi.QuicStream;
import io.kwik.spi.QuicTransport;
import io.kwik.spi.TransportContext;
import io.kwik.spi.TransportLimits;
import io.kwik.tck.tools.Bounds;
import io.kwik.tck.tools.Digest;
import io.kwik.tck.tools.Harness;
import io.kwik.tck.impair.Direction;
import io.kwik.tck.impair.DropPolicy;
import io.kwik.tck.impair.ImpairmentProxy;
import io.kwik.tck.impair.ProxyCounters;
import io.kwik.tck.tools.Digests;
import io.kwik.tck.tools.LoopbackServer;
import io.kwik.tck.tools.SessionCluster;

/**
 * Sessions with several paths, end to end through the engine (docs/PROTOCOL.md 4.2, 4.4 and 4.6; R3,
 * R4, R6, R9, R10): adding and removing secondary paths, the path lists and events, streams
 * whose ranges several servers write, the raw relay between servers, and join tokens.
 *
 * <p>Every session has one primary and a few secondaries made by {@link SessionCluster}: the
 * primary runs on {@link #provider()}, the secondaries on {@link #secondaryProvider()} and the
 * client on {@link #clientProvider()}, so the same suite runs on one backend, in interop, and
 * with a mixed server group. Every check is on bytes (sizes and SHA-256) or on events; every
 * wait is bounded.
 *
 * @since 0.1.0
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class MultiPathSuite extends BackendSuite {

    /** For a backend's test class, which extends this suite. */
    protected MultiPathSuite() {
    }

    private static final System.Logger LOG = System.getLogger(MultiPathSuite.class.getName());
    /**
     * How long a raw join waits at least for the server's answer (or three smoothed RTTs) before
     * it sends the join again on a new connection.
     */
    private static final Duration RAW_JOIN_STALL = Bounds.scaled(Duration.ofSeconds(2));
    /** The most connections one raw join uses; the last one waits {@code WAIT} for its answer. */
    private static final int RAW_JOIN_ATTEMPTS = 3;
    /** The bound on a whole multi-megabyte transfer. */
    private static final Duration TRANSFER_WAIT = Bounds.scaled(Duration.ofSeconds(90));
    /** The size of each range of a multi-source stream. */
    private static final int RANGE = 1 << 20;
    /** The stream receive window of both ends in the multi-source tests. */
    private static final long WINDOW = 16 << 20;

    /** The path timeout of tests that are not about dead paths. */
    private static final Duration RELAXED_PATH_TIMEOUT = Duration.ofSeconds(10);

    private static final String ALPN = "kwik/1";
    private static final int VERSION = 1;
    private static final SecureRandom RANDOM = new SecureRandom();

    private Harness h;

    @BeforeEach
    final void openHarness() {
        h = new Harness(provider(), clientProvider());
    }

    @AfterEach
    final void closeHarness() throws Exception {
        h.close();
    }

    // ---------------------------------------------------------------- R3: adding paths

    @Test
    void required_R3_5_addPathJoinsASecondary() throws Exception {
        SessionCluster cluster = cluster(1);
        SessionCluster.Session session = cluster.connect(WAIT);
        KwikSession client = session.client();
        KwikSession primary = session.primary();
        LoopbackServer secondaryServer = cluster.secondary(0);

        CompletableFuture<PathInfo> added = primary.addPath(SessionCluster.addressOf(secondaryServer));
        KwikSession secondary = secondaryServer.accept(WAIT);
        PathInfo path = await(added);

        assertThat(path.id()).isEqualTo("p1");
        assertThat(path.primary()).isFalse();
        assertThat(path.status()).isEqualTo(PathStatus.ACTIVE);
        assertThat(path.address().getPort()).isEqualTo(secondaryServer.address().getPort());
        assertThat(secondary.role()).isEqualTo(Role.SECONDARY_SERVER);
        assertThat(secondary.pathId()).isEqualTo("p1");
        assertThat(secondary.id()).as("one session id on every path").isEqualTo(client.id()).isEqualTo(primary.id());
        assertThat(secondary.stats().sessionId()).isEqualTo(client.id());
        assertThat(client.pathId()).as("the client's path stays the primary's").isEqualTo("p0");
        assertThat(client.stats().paths()).containsKeys("p0", "p1");

        // the new path joins the aggregate: it writes its share of a stream the client reads
        deliverThrough(session, secondary, "p1", 100);
    }

    @Test
    void required_R3_5_cancellingAnAddPathCancelsTheJoin() throws Exception {
        SessionCluster cluster = cluster(1);
        SessionCluster.Session session = cluster.connect(WAIT);
        KwikSession client = session.client();
        KwikSession primary = session.primary();
        h.echoEverything(primary);
        LoopbackServer secondaryServer = cluster.secondary(0);

        CompletableFuture<PathInfo> added = primary.addPath(SessionCluster.addressOf(secondaryServer));
        // the client's answer needs a QUIC handshake with the secondary: it cannot have arrived yet
        assertThat(added.cancel(true)).as("cancelled before the client answered").isTrue();

        // the client joins all the same (nothing told it in time), and the primary has it close the path again
        KwikSession secondary = secondaryServer.accept(WAIT);
        await(secondary.closed().toCompletableFuture());
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (client.activePaths().size() > 1 && System.nanoTime() < deadline) Thread.sleep(20);
        assertThat(client.activePaths()).extracting(PathInfo::id).as("client's active paths").containsExactly("p0");
        assertThat(primary.allPaths()).extracting(PathInfo::id).as("primary's paths").containsExactly("p0");
        byte[] payload = Digests.payload(115, 256 * 1024);
        assertThat(h.echoThrough(client, payload)).as("echo after the cancelled join").isEqualTo(Digest.of(payload));
    }

    @Test
    void required_R3_5_addPathWhereNothingListensFailsAndTheSessionGoesOn() throws Exception {
        SessionCluster cluster = cluster(0, servers -> {}, clients -> clients.handshakeTimeout(Duration.ofSeconds(5)));
        SessionCluster.Session session = cluster.connect(WAIT);
        KwikSession client = session.client();
        KwikSession primary = session.primary();
        h.echoEverything(primary);
        InetSocketAddress nowhere = new InetSocketAddress(SessionCluster.HOST, freeUdpPort());
        PathEvents clientEvents = new PathEvents();
        PathEvents primaryEvents = new PathEvents();
        client.addPathListener(clientEvents);
        primary.addPathListener(primaryEvents);

        CompletableFuture<PathInfo> added = primary.addPath(nowhere);

        assertThatThrownBy(() -> await(added))
                .isInstanceOfSatisfying(KwikException.class,
                        e -> assertThat(e.code()).isIn(ErrorCode.PATH_DEAD, ErrorCode.AUTH_FAILED));
        for (PathEvents events : List.of(clientEvents, primaryEvents)) {
            PathEvent.Failed failed = events.await(PathEvent.Failed.class, "p1");
            assertThat(failed.path().stats()).as("the stats of a path that never came up").isNotNull()
                    .isEqualTo(PathStats.unmeasured(PathStatus.DEAD));
        }
        assertThat(primary.activePaths()).extracting(PathInfo::id).as("primary's active paths").containsExactly("p0");
        assertThat(client.activePaths()).extracting(PathInfo::id).as("client's active paths").containsExactly("p0");
        assertThat(client.closed().toCompletableFuture().isDone()).as("the session is still open").isFalse();
        byte[] payload = Digests.payload(110, 256 * 1024);
        assertThat(h.echoThrough(client, payload)).as("echo after the failed join").isEqualTo(Digest.of(payload));
    }

    @Test
    void required_R3_5_secondaryWithAnotherTokenKeyRefusesTheJoin() throws Exception {
        SessionCluster cluster = cluster(0);
        LoopbackServer stranger = cluster.startServer(secondaryProvider().name(),
                config -> config.pathTokenKey(SessionCluster.newPathTokenKey()));
        SessionCluster.Session session = cluster.connect(WAIT);
        KwikSession client = session.client();
        KwikSession primary = session.primary();
        h.echoEverything(primary);

        CompletableFuture<PathInfo> added = primary.addPath(SessionCluster.addressOf(stranger));

        assertThatThrownBy(() -> await(added))
                .isInstanceOfSatisfying(AuthenticationException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.AUTH_FAILED));
        assertThat(stranger.awaitError(ErrorCode.AUTH_FAILED, WAIT).code())
                .as("the secondary reports the refused join").isEqualTo(ErrorCode.AUTH_FAILED);
        assertThat(primary.activePaths()).extracting(PathInfo::id).as("primary's active paths").containsExactly("p0");
        byte[] payload = Digests.payload(120, 256 * 1024);
        assertThat(h.echoThrough(client, payload)).as("echo after the refused join").isEqualTo(Digest.of(payload));
    }

    /** A listener with neither a pathTokenKey nor the insecure opt-in refuses every join (docs/PROTOCOL.md 4.2). */
    @Test
    void required_R3_5_secondaryWithoutATokenKeyRefusesJoins() throws Exception {
        SessionCluster cluster = cluster(0);
        LoopbackServer keyless = cluster.startServer(secondaryProvider().name(), config -> config.pathTokenKey(null));
        SessionCluster.Session session = cluster.connect(WAIT);
        KwikSession client = session.client();
        KwikSession primary = session.primary();
        h.echoEverything(primary);

        CompletableFuture<PathInfo> added = primary.addPath(SessionCluster.addressOf(keyless));

        assertThatThrownBy(() -> await(added))
                .isInstanceOfSatisfying(AuthenticationException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.AUTH_FAILED));
        assertThat(keyless.awaitError(ErrorCode.AUTH_FAILED, WAIT).getMessage())
                .as("the secondary says why").contains("no pathTokenKey");
        assertThat(primary.activePaths()).extracting(PathInfo::id).as("primary's active paths").containsExactly("p0");
        byte[] payload = Digests.payload(121, 256 * 1024);
        assertThat(h.echoThrough(client, payload)).as("echo after the refused join").isEqualTo(Digest.of(payload));
    }

    /** The explicit opt-in accepts a join without checking its token, and the path carries bytes. */
    @Test
    void required_R3_5_insecureAcceptUnauthenticatedJoinsAcceptsAJoinUnchecked() throws Exception {
        SessionCluster cluster = cluster(0);
        LoopbackServer open = cluster.startServer(secondaryProvider().name(),
                config -> config.pathTokenKey(null).insecureAcceptUnauthenticatedJoins());
        SessionCluster.Session session = cluster.connect(WAIT);

        CompletableFuture<PathInfo> added = session.primary().addPath(SessionCluster.addressOf(open));
        KwikSession secondary = open.accept(WAIT);
        PathInfo path = await(added);

        assertThat(path.id()).isEqualTo("p1");
        assertThat(secondary.role()).isEqualTo(Role.SECONDARY_SERVER);
        deliverThrough(session, secondary, "p1", 101);
    }

    @Test
    void required_R3_joinTokensThatAreForgedAbsentOrExpiredAreRefused() throws Exception {
        SessionCluster cluster = cluster(1);
        SessionCluster.Session session = cluster.open(WAIT);
        KwikSession client = session.client();
        KwikSession secondary = session.server("p1");
        LoopbackServer secondaryServer = cluster.secondary(0);
        InetSocketAddress target = SessionCluster.addressOf(secondaryServer);
        byte[] sessionId = HexFormat.of().parseHex(client.id());
        assertThat(sessionId).as("session id bytes").hasSize(16);
        int attempts = 100;
        int parallel = 5;
        CountDownLatch refused = new CountDownLatch(attempts);
        secondaryServer.listener().addErrorListener(error -> {
            if (error.code() == ErrorCode.AUTH_FAILED) refused.countDown();
        });
        QuicTransport transport = h.closeAfterTest(clientProvider().create(TransportContext.of("raw-joiner")));
        ClientTransportConfig rawConfig = new ClientTransportConfig(ALPN, LoopbackServer.SERVER_NAME,
                List.of(cluster.certificate().certificate()), false, TransportLimits.DEFAULTS);

        List<Future<Void>> workers = new ArrayList<>();
        for (int w = 0; w < parallel; w++) {
            int worker = w;
            workers.add(h.background(() -> {
                for (int i = worker; i < attempts; i += parallel) {
                    long expiry;
                    byte[] token;
                    switch (i % 3) {
                        case 0 -> {  // forged: random bytes, still valid in time
                            expiry = System.currentTimeMillis() + 60_000;
                            token = randomBytes(32);
                        }
                        case 1 -> {  // absent
                            expiry = System.currentTimeMillis() + 60_000;
                            token = new byte[0];
                        }
                        default -> {  // correctly signed, but expired
                            expiry = System.currentTimeMillis() - 60_000;
                            token = SessionCluster.joinToken(cluster.pathTokenKey(), client.id(), "p1", target, expiry);
                        }
                    }
                    ControlFrame join = ControlFrame.newBuilder().setAuthenticationRequest(AuthenticationRequest.newBuilder()
                            .setRole(PathRole.PATH_ROLE_SECONDARY)
                            .setVersion(VERSION)
                            .setSessionId(ByteString.copyFrom(sessionId))
                            .setPathId("p1")
                            .setTarget(SessionCluster.target(target))
                            .setToken(ByteString.copyFrom(token))
                            .setTokenExpiryEpochMillis(expiry)
                            .setMaxStreams(100)
                            .setStreamReceiveWindow(1 << 20)).build();
                    ConnectionClose close = rawJoin(transport, rawConfig, secondaryServer, join);
                    assertThat(close.origin()).as("who closed join attempt %d: %s", i, close)
                            .isEqualTo(ConnectionClose.Origin.PEER);
                    assertThat(close.errorCode()).as("application error code of join attempt %d: %s", i, close)
                            .isEqualTo(ErrorCode.AUTH_FAILED.code());
                }
                return null;
            }));
        }
        for (Future<Void> worker : workers) Bounds.await(worker, Bounds.scaled(Duration.ofSeconds(60)));

        assertThat(refused.await(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .as("AUTH_FAILED reports from the secondary's listener: %d of %d missing", refused.getCount(), attempts)
                .isTrue();
        assertThat(secondaryServer.errors()).extracting(KwikException::code).containsOnly(ErrorCode.AUTH_FAILED);
        assertThat(client.closed().toCompletableFuture().isDone()).as("the real session is still open").isFalse();
        assertThat(secondary.closed().toCompletableFuture().isDone()).as("the real secondary path is still open").isFalse();
        deliverThrough(session, secondary, "p1", 130);
    }

    // ---------------------------------------------------------------- R6: path control and lists

    @Test
    void required_R6_pathListsAndEventsShowEveryPath() throws Exception {
        SessionCluster cluster = cluster(2);
        SessionCluster.Session session = cluster.connect(WAIT);
        KwikSession client = session.client();
        KwikSession primary = session.primary();
        // registered first, so that it would be called before the listeners the test waits on
        PathEvents unsubscribed = new PathEvents();
        KwikSubscription subscription = client.addPathListener(unsubscribed);
        subscription.close();
        subscription.close();
        PathEvents clientEvents = new PathEvents();
        PathEvents primaryEvents = new PathEvents();
        client.addPathListener(clientEvents);
        primary.addPathListener(primaryEvents);

        session.join(cluster.secondary(0), WAIT);
        session.join(cluster.secondary(1), WAIT);

        assertThat(session.joined()).extracting(join -> join.path().id()).containsExactly("p1", "p2");
        assertThat(session.secondaries()).extracting(KwikSession::pathId).containsExactly("p1", "p2");
        Map<String, Integer> ports = Map.of(
                "p0", cluster.primary().address().getPort(),
                "p1", cluster.secondary(0).address().getPort(),
                "p2", cluster.secondary(1).address().getPort());
        for (KwikSession end : List.of(client, primary)) {
            PathEvents events = end == client ? clientEvents : primaryEvents;
            PathEvent.Added first = events.await(PathEvent.Added.class, "p1");
            PathEvent.Added second = events.await(PathEvent.Added.class, "p2");
            assertThat(events.indexOf(first)).as("%s: p1 added before p2", end.role()).isLessThan(events.indexOf(second));
            assertThat(unsubscribed.events()).as("events seen by a listener whose subscription was closed").isEmpty();

            assertThat(end.allPaths()).extracting(PathInfo::id).as("%s all paths", end.role())
                    .containsExactlyInAnyOrder("p0", "p1", "p2");
            assertThat(end.activePaths()).extracting(PathInfo::id).as("%s active paths", end.role())
                    .containsExactlyInAnyOrder("p0", "p1", "p2");
            assertThat(end.deadPaths()).as("%s dead paths", end.role()).isEmpty();
            for (PathInfo path : end.allPaths()) {
                assertThat(path.status()).as("%s: status of %s", end.role(), path.id()).isEqualTo(PathStatus.ACTIVE);
                assertThat(path.primary()).as("%s: is %s the primary", end.role(), path.id()).isEqualTo(path.id().equals("p0"));
                if (end == client || !path.primary()) {
                    // as the client dialed it; what the primary lists for its own p0 is not specified
                    assertThat(path.address().getPort()).as("%s: port of %s", end.role(), path.id())
                            .isEqualTo(ports.get(path.id()));
                }
            }
            assertThat(end.stats().paths()).as("%s stats", end.role()).containsKeys("p0", "p1", "p2");
        }
        for (KwikSession secondary : session.secondaries()) {
            assertThat(secondary.allPaths()).as("%s all paths", secondary.pathId())
                    .anySatisfy(path -> {
                        assertThat(path.id()).isEqualTo(secondary.pathId());
                        assertThat(path.status()).isEqualTo(PathStatus.ACTIVE);
                        assertThat(path.primary()).isFalse();
                    });
            assertThat(secondary.activePaths()).extracting(PathInfo::id).as("%s active paths", secondary.pathId())
                    .contains(secondary.pathId());
        }
    }

    @Test
    void required_R6_removePathClosesThePathEverywhere() throws Exception {
        SessionCluster cluster = cluster(2);
        SessionCluster.Session session = cluster.connect(WAIT);
        KwikSession client = session.client();
        KwikSession primary = session.primary();
        PathEvents clientEvents = new PathEvents();
        PathEvents primaryEvents = new PathEvents();
        client.addPathListener(clientEvents);
        primary.addPathListener(primaryEvents);
        KwikSession removed = session.join(cluster.secondary(0), WAIT).session();
        KwikSession kept = session.join(cluster.secondary(1), WAIT).session();

        await(h.background(() -> {
            primary.removePath("p1");
            return null;
        }));

        for (KwikSession end : List.of(client, primary)) {
            assertThat(pathNamed(end.allPaths(), "p1").status()).as("%s: status of p1", end.role()).isEqualTo(PathStatus.CLOSED);
            assertThat(end.activePaths()).extracting(PathInfo::id).as("%s active paths", end.role())
                    .containsExactlyInAnyOrder("p0", "p2");
            assertThat(pathNamed(end.allPaths(), "p2").status()).as("%s: status of p2", end.role()).isEqualTo(PathStatus.ACTIVE);
            PathEvents events = end == client ? clientEvents : primaryEvents;
            events.await(PathEvent.Added.class, "p1");
            events.await(PathEvent.Removed.class, "p1");
        }
        await(removed.closed().toCompletableFuture());
        assertThat(kept.closed().toCompletableFuture().isDone()).as("p2 is still open").isFalse();
        assertThatThrownBy(() -> primary.sendRawData("p1", ByteBuffer.wrap(new byte[] {1})))
                .as("a relay to the removed p1").isInstanceOfSatisfying(KwikException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.PATH_REMOVED));
        assertThatThrownBy(() -> primary.removePath("p1"))
                .as("removing p1 again").isInstanceOfSatisfying(KwikException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.PATH_REMOVED));
        assertThat(client.closed().toCompletableFuture().isDone()).as("the session is still open").isFalse();

        byte[] payload = Digests.payload(140, 64 * 1024);
        Future<RawData> received = h.background(kept::receiveRawData);
        primary.sendRawData("p2", ByteBuffer.wrap(payload));
        RawData data = await(received);
        assertThat(data.sourcePathId()).isEqualTo("p0");
        assertThat(Digest.of(bytes(data.data()))).as("a relay to p2 after p1 was removed").isEqualTo(Digest.of(payload));
    }

    @Test
    void required_R6_removingAnUnknownPathFailsWithPathNotFound() throws Exception {
        SessionCluster cluster = cluster(1);
        SessionCluster.Session session = cluster.open(WAIT);
        KwikSession primary = session.primary();

        for (String unknown : List.of("p9", "p0")) {
            assertThatThrownBy(() -> await(h.background(() -> {
                primary.removePath(unknown);
                return null;
            }))).as("removePath(%s)", unknown).isInstanceOfSatisfying(KwikException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.PATH_NOT_FOUND));
        }
        assertThat(primary.activePaths()).extracting(PathInfo::id).containsExactlyInAnyOrder("p0", "p1");
        deliverThrough(session, session.server("p1"), "p1", 150);
    }

    // ---------------------------------------------------------------- R4: multi-source streams

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void required_R4_6_rangesInterleavedOverThreePathsAreByteExactAndEachPathCarriesItsShare() throws Exception {
        SessionCluster cluster = cluster(2, servers -> servers.streamReceiveWindow(WINDOW),
                clients -> clients.streamReceiveWindow(WINDOW));
        SessionCluster.Session session = cluster.open(WAIT);
        KwikSession client = session.client();
        KwikSession primary = session.primary();
        int ranges = 64;

        Transfer transfer = transfer(session, primary::openStreamSync, client::acceptStream, ranges, 4600, false);

        long total = (long) ranges * RANGE;
        assertThat(transfer.received()).as("the client's stream").isEqualTo(transfer.expected());
        assertThat(transfer.received().size()).isEqualTo(total);
        Map<String, PathStats> stats = client.stats().paths();
        for (String path : List.of("p0", "p1", "p2")) {
            assertThat(stats).containsKey(path);
            assertThat(stats.get(path).bytesReceived()).as("bytes the client received on %s of %d", path, total)
                    .isGreaterThanOrEqualTo(total / 5);
        }
    }

    // ---------------------------------------------------------------- R8.5, R10.3: a secondary dies

    /**
     * A secondary behind an impairment proxy is blackholed after it has written its first
     * range. The client must declare it dead within its path timeout (asserted below 3 s, the
     * measured figure is printed), both ends must see the Dead event, the primary's
     * delegations to it must fail naming the missing ranges, and the primary's refill with
     * {@code writeAt} must complete the stream byte-exact.
     */
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void required_R10_3_aBlackholedSecondaryIsDeclaredDeadAndItsRangesAreRefilled() throws Exception {
        loseASecondaryMidTransfer("blackholed", (proxy, server) -> proxy.blackhole(true));
    }

    /** The same as the blackhole, when the secondary's listener is closed abruptly instead. */
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void required_R10_3_aSecondaryWhoseListenerClosesIsDeclaredDeadAndItsRangesAreRefilled() throws Exception {
        loseASecondaryMidTransfer("listener closed", (proxy, server) -> server.close());
    }

    /** How a test takes a secondary down. */
    private interface Kill {
        void apply(ImpairmentProxy proxy, LoopbackServer server) throws Exception;
    }

    private void loseASecondaryMidTransfer(String how, Kill kill) throws Exception {
        SessionCluster cluster = cluster(1, servers -> servers.streamReceiveWindow(WINDOW),
                clients -> clients.streamReceiveWindow(WINDOW).pathTimeout(ClientConfig.DEFAULT_PATH_TIMEOUT));
        LoopbackServer doomed = cluster.startServer(secondaryProvider().name(), servers -> servers.streamReceiveWindow(WINDOW));
        ImpairmentProxy proxy = h.closeAfterTest(ImpairmentProxy.start(SessionCluster.addressOf(doomed)));
        SessionCluster.Session session = cluster.open(WAIT);
        KwikSession client = session.client();
        KwikSession primary = session.primary();
        KwikSession p2 = session.join(doomed, proxy.address(), WAIT).session();
        assertThat(p2.pathId()).isEqualTo("p2");

        CompletableFuture<Long> clientSawDead = new CompletableFuture<>();
        CompletableFuture<String> deadReason = new CompletableFuture<>();
        CompletableFuture<Long> primarySawDead = new CompletableFuture<>();
        client.addPathListener(event -> {
            if (event instanceof PathEvent.Dead dead && dead.path().id().equals("p2")) {
                clientSawDead.complete(System.nanoTime());
                deadReason.complete(dead.reason());
            }
        });
        primary.addPathListener(event -> {
            if (event instanceof PathEvent.Dead dead && dead.path().id().equals("p2")) primarySawDead.complete(System.nanoTime());
        });

        List<String> paths = List.of("p0", "p1", "p2");
        int ranges = 64;  // 64 MiB, as R10.3 asks
        long seed = 7100;
        CompletableFuture<Long> blackholedAt = new CompletableFuture<>();
        CompletableFuture<Long> killReturnedAt = new CompletableFuture<>();
        int p1Count = (int) IntStream.range(0, ranges).filter(i -> owner(paths, i).equals("p1")).count();
        CompletableFuture<List<Served>> p1Serving = async(() -> serveDelegations(session.server("p1"), p1Count, false));
        h.background(() -> {
            try {
                RawData first = p2.receiveRawData();
                write(p2, new Served(first.sourcePathId(), bytes(first.data()), first.delegated().orElseThrow()));
            } catch (Exception e) {
                // the test fails below on what the client read
            } finally {
                blackholedAt.complete(System.nanoTime());
                try {
                    kill.apply(proxy, doomed);
                } finally {
                    killReturnedAt.complete(System.nanoTime());
                }
            }
            return null;
        });
        CompletableFuture<Digest> received = async(() -> Digest.of(client.acceptStream().inputStream()));
        List<PathDeadException> failures = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> writer = async(() -> {
            KwikStream stream = primary.openStreamSync();
            List<CompletableFuture<?>> delegations = new ArrayList<>();
            for (int i = 0; i < ranges; i++) {
                String owner = owner(paths, i);
                long rangeSeed = seed + i;
                if (owner.equals("p0")) {
                    stream.write(ByteBuffer.wrap(Digests.payload(rangeSeed, RANGE)));
                    continue;
                }
                long rangeStart = (long) i * RANGE;
                delegations.add(stream.delegate(owner, RANGE, ByteBuffer.wrap(instruction(rangeSeed, rangeStart)))
                        .whenComplete((done, e) -> {
                            Throwable cause = e instanceof CompletionException c ? c.getCause() : e;
                            if (cause instanceof PathDeadException dead) failures.add(dead);
                        })
                        .exceptionallyCompose(Refill.from(stream, (offset, length) -> ByteBuffer.wrap(
                                Digests.payload(rangeSeed, RANGE), Math.toIntExact(offset - rangeStart), length))));
            }
            for (CompletableFuture<?> delegation : delegations) await(delegation);
            stream.shutdownOutput();
            return null;
        });

        Digest got = awaitWhileHealthy(received, TRANSFER_WAIT, List.of(writer, p1Serving));
        MessageDigest sha = Digests.sha256();
        for (int i = 0; i < ranges; i++) sha.update(Digests.payload(seed + i, RANGE));
        assertThat(got).as("the stream after the refill")
                .isEqualTo(new Digest((long) ranges * RANGE, HexFormat.of().formatHex(sha.digest())));
        await(writer);

        // from the moment the kill began: closing a listener may take a while to return
        long detection = await(clientSawDead) - await(blackholedAt);
        System.out.printf("[%s] p2 %s: declared dead after %d ms (path timeout %s; the kill took %d ms): %s%n",
                provider().name(), how, TimeUnit.NANOSECONDS.toMillis(detection), ClientConfig.DEFAULT_PATH_TIMEOUT,
                TimeUnit.NANOSECONDS.toMillis(await(killReturnedAt) - await(blackholedAt)), await(deadReason));
        assertThat(Duration.ofNanos(detection)).as("detection time").isLessThan(Duration.ofSeconds(3));
        await(primarySawDead);
        assertThat(failures).as("delegations to p2 that failed").isNotEmpty();
        assertThat(failures).allSatisfy(dead -> {
            assertThat(dead.pathId()).isEqualTo("p2");
            assertThat(dead.delegation()).hasValueSatisfying(d -> assertThat(d.pathId()).isEqualTo("p2"));
            assertThat(dead.code()).isEqualTo(ErrorCode.PATH_DEAD);
            assertThat(dead.missingRanges()).isNotEmpty();
        });
        assertThat(client.deadPaths()).extracting(PathInfo::id).containsExactly("p2");
        assertThat(primary.deadPaths()).extracting(PathInfo::id).containsExactly("p2");
        assertThat(client.activePaths()).extracting(PathInfo::id).containsExactlyInAnyOrder("p0", "p1");

        // R6.3: every operation aimed at the dead path fails with PATH_DEAD
        assertThatThrownBy(() -> primary.sendRawData("p2", ByteBuffer.wrap(new byte[] {1})))
                .isInstanceOf(PathDeadException.class);
        assertThatThrownBy(() -> primary.removePath("p2")).isInstanceOf(PathDeadException.class);
        KwikStream late = primary.openStreamSync();
        CompletableFuture<Delegation> refused = late.delegate("p2", 1000, ByteBuffer.wrap(new byte[] {1}));
        Throwable cause = refused.handle((v, e) -> e instanceof CompletionException c ? c.getCause() : e).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(cause).isInstanceOf(PathDeadException.class);
        assertThat(((PathDeadException) cause).missingRanges()).containsExactly(new ByteRange(0, 1000));
        late.reset(0);
    }

    /** A dead primary ends the session: calls blocked on the client and on a secondary wake with a KwikException. */
    @Test
    void required_R10_3_aDeadPrimaryEndsTheSessionAndWakesEveryBlockedCall() throws Exception {
        // the primary's CONNECTION_CLOSE is one datagram; should it be lost, the idle timeout
        // must still end the session well within the wait below (the pings keep it open till then)
        Duration idle = Duration.ofSeconds(5);
        SessionCluster cluster = cluster(1, servers -> servers.idleTimeout(idle), clients -> clients.idleTimeout(idle));
        SessionCluster.Session session = cluster.open(WAIT);
        KwikSession client = session.client();
        KwikSession p1 = session.server("p1");
        KwikStream stream = client.openStreamSync();
        stream.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        KwikStream atPrimary = session.primary().acceptStream(WAIT);
        assertThat(atPrimary).as("the stream at the primary").isNotNull();
        CompletableFuture<Integer> clientRead = async(() -> stream.inputStream().read());
        CompletableFuture<RawData> secondaryWait = async(p1::receiveRawData);

        cluster.primary().close();

        for (CompletableFuture<?> blocked : List.of(clientRead, secondaryWait)) {
            Throwable woke = blocked.handle((v, e) -> e instanceof CompletionException c ? c.getCause() : e)
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(woke).as("how a blocked call woke").isInstanceOf(KwikException.class);
        }
        await(client.closed().toCompletableFuture());
        await(p1.closed().toCompletableFuture());
    }

    // ---------------------------------------------------------------- R11: impaired paths

    /**
     * 5% seeded random loss on every path, both directions, with the default path timeout: a
     * 16 MiB stream written by the primary and two secondaries is byte-exact, and no path is
     * taken for dead. QUIC repairs the loss below KWIK (docs/PROTOCOL.md 4.5), so a lossy path must
     * cost time, never bytes or a false death.
     */
    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void required_R11_fivePercentLossOnEveryPathStillDeliversAThreeServerStreamByteExact() throws Exception {
        SessionCluster cluster = cluster(2, servers -> servers.streamReceiveWindow(WINDOW),
                clients -> clients.streamReceiveWindow(WINDOW).pathTimeout(ClientConfig.DEFAULT_PATH_TIMEOUT));
        List<ImpairmentProxy> proxies = new ArrayList<>();
        List<LoopbackServer> servers = new ArrayList<>(List.of(cluster.primary()));
        servers.addAll(cluster.secondaries());
        for (int i = 0; i < servers.size(); i++) {
            proxies.add(h.closeAfterTest(ImpairmentProxy.builder(SessionCluster.addressOf(servers.get(i)))
                    .dropPolicy(DropPolicy.randomLoss(0.05, 0x1055_0000L + i)).name("tck-lossy-p" + i).start()));
        }
        SessionCluster.Session session = cluster.connect(cluster.clientConfig().build(), proxies.get(0).address(), WAIT);
        for (int i = 1; i < servers.size(); i++) session.join(servers.get(i), proxies.get(i).address(), WAIT);
        KwikSession client = session.client();
        PathEvents events = new PathEvents();
        client.addPathListener(events);

        long start = System.nanoTime();
        Transfer transfer = transfer(session, session.primary()::openStreamSync, client::acceptStream, 16, 5500, false);
        long elapsed = System.nanoTime() - start;

        assertThat(transfer.received()).as("the client's stream through 5%% loss").isEqualTo(transfer.expected());
        assertThat(transfer.received().size()).isEqualTo(16L << 20);
        for (int i = 0; i < proxies.size(); i++) {
            ProxyCounters counters = proxies.get(i).counters();
            assertThat(counters.dropped(Direction.TO_SERVER)).as("datagrams lost towards p%d", i).isPositive();
            assertThat(counters.dropped(Direction.TO_CLIENT)).as("datagrams lost from p%d", i).isPositive();
        }
        assertThat(events.deaths()).as("paths taken for dead under loss").isEmpty();
        assertThat(client.activePaths()).extracting(PathInfo::id).containsExactlyInAnyOrder("p0", "p1", "p2");
        System.out.printf("[%s] 16 MiB over three paths at 5%% loss in %d ms; %s%n", provider().name(),
                TimeUnit.NANOSECONDS.toMillis(elapsed), proxies.stream().map(ImpairmentProxy::counters).toList());
    }

    /**
     * The primary blackholed for 2 s in the middle of a three-server stream. The client's path
     * timeout (1 s) judges secondaries only; the primary is judged by the QUIC idle timeout (30
     * s), which is longer than the blackhole, so the session lives through it: no path dies,
     * and the stream is byte-exact once the primary is reachable again (docs/PROTOCOL.md 4.5).
     */
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void required_R11_aPrimaryBlackholeShorterThanTheIdleTimeoutIsSurvivedByteExact() throws Exception {
        SessionCluster cluster = cluster(2, servers -> servers.streamReceiveWindow(WINDOW),
                clients -> clients.streamReceiveWindow(WINDOW).pathTimeout(ClientConfig.DEFAULT_PATH_TIMEOUT));
        ImpairmentProxy proxy = h.closeAfterTest(ImpairmentProxy.start(SessionCluster.addressOf(cluster.primary())));
        SessionCluster.Session session = cluster.connect(cluster.clientConfig().build(), proxy.address(), WAIT);
        for (LoopbackServer secondary : cluster.secondaries()) session.join(secondary, WAIT);
        KwikSession client = session.client();
        KwikSession primary = session.primary();
        PathEvents clientEvents = new PathEvents();
        PathEvents primaryEvents = new PathEvents();
        client.addPathListener(clientEvents);
        primary.addPathListener(primaryEvents);
        Duration blackhole = Duration.ofSeconds(2);
        long before = proxy.counters().forwarded(Direction.TO_CLIENT);
        long[] blackholeNanos = new long[2];
        CompletableFuture<Void> impairment = async(() -> {
            // about a megabyte of the primary's own ranges has reached the client
            if (!proxy.awaitHandled(Direction.TO_CLIENT, before + 800, TRANSFER_WAIT)) {
                throw new AssertionError("the primary never sent 800 datagrams: " + proxy.counters());
            }
            proxy.blackhole(true);
            blackholeNanos[0] = System.nanoTime();
            Thread.sleep(blackhole.toMillis()); // the impairment itself, not a wait for an event
            blackholeNanos[1] = System.nanoTime();
            proxy.blackhole(false);
            return null;
        });

        Transfer transfer = transfer(session, primary::openStreamSync, client::acceptStream, 16, 6600, false);
        long finished = System.nanoTime();
        await(impairment);

        assertThat(transfer.received()).as("the client's stream after the blackhole").isEqualTo(transfer.expected());
        assertThat(proxy.counters().dropped(Direction.TO_CLIENT)).as("datagrams the blackhole swallowed").isPositive();
        assertThat(finished - blackholeNanos[1]).as("the stream ended after the blackhole lifted").isPositive();
        assertThat(client.closed().toCompletableFuture()).as("the client's session").isNotDone();
        assertThat(clientEvents.deaths()).as("paths the client took for dead").isEmpty();
        assertThat(primaryEvents.deaths()).as("paths the primary took for dead").isEmpty();
        assertThat(client.activePaths()).extracting(PathInfo::id).containsExactlyInAnyOrder("p0", "p1", "p2");
        System.out.printf("[%s] primary blackholed for %d ms; the stream ended %d ms after it lifted%n", provider().name(),
                TimeUnit.NANOSECONDS.toMillis(blackholeNanos[1] - blackholeNanos[0]),
                TimeUnit.NANOSECONDS.toMillis(finished - blackholeNanos[1]));
        deliverThrough(session, session.server("p1"), "p1", 6700);
    }

    /**
     * Heartbeats keep a quiet session alive: with a 2 s idle timeout at both ends, a session
     * with a secondary that carries nothing for three idle timeouts is still open on every
     * path, and then delivers a multi-source stream byte-exact.
     */
    @Test
    void required_R11_aQuietSessionOutlivesItsIdleTimeout() throws Exception {
        Duration idle = Duration.ofSeconds(2);
        SessionCluster cluster = cluster(1, servers -> servers.idleTimeout(idle),
                clients -> clients.idleTimeout(idle).pathTimeout(ClientConfig.DEFAULT_PATH_TIMEOUT));
        SessionCluster.Session session = cluster.open(WAIT);
        KwikSession client = session.client();
        PathEvents events = new PathEvents();
        client.addPathListener(events);

        // waiting for an end that must not come: the passage of time is what is under test
        CompletableFuture<?> anyClosed = CompletableFuture.anyOf(client.closed().toCompletableFuture(),
                session.primary().closed().toCompletableFuture(), session.server("p1").closed().toCompletableFuture());
        assertThatThrownBy(() -> anyClosed.get(3 * idle.toMillis(), TimeUnit.MILLISECONDS))
                .as("a session end within three idle timeouts").isInstanceOf(TimeoutException.class);

        assertThat(events.deaths()).as("paths taken for dead while quiet").isEmpty();
        assertThat(client.activePaths()).extracting(PathInfo::id).containsExactlyInAnyOrder("p0", "p1");
        deliverThrough(session, session.server("p1"), "p1", 7700);
    }

    // ---------------------------------------------------------------- R11: per-path figures

    /** After a transfer, the sender's figures have moved: RTT and goodput measured, nothing left in flight. */
    @Test
    void required_R11_4_perPathFiguresMoveAndInFlightReturnsToZero() throws Exception {
        SessionCluster cluster = cluster(1);
        SessionCluster.Session session = cluster.open(WAIT);
        KwikSession primary = session.primary();
        KwikSession p1 = session.server("p1");
        for (int i = 0; i < 3; i++) deliverThrough(session, p1, "p1", 8800 + 10L * i);
        for (KwikSession sender : List.of(primary, p1)) {
            PathStats stats = sender.stats().paths().get(sender.pathId());
            assertThat(stats.rtt()).as("%s: RTT", sender.pathId()).isPositive();
            assertThat(stats.goodputBytesPerSecond()).as("%s: goodput", sender.pathId()).isPositive();
            assertThat(stats.packetsSent()).as("%s: packets sent", sender.pathId()).isPositive();
            assertThat(stats.sendWindow()).as("%s: send window", sender.pathId()).isPositive();
            long deadline = System.nanoTime() + WAIT.toNanos();
            // the last ACK leaves within 25 ms; bounded wait for that event
            while (sender.stats().paths().get(sender.pathId()).bytesInFlight() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(sender.stats().paths().get(sender.pathId()).bytesInFlight()).as("%s: in flight at the end",
                    sender.pathId()).isZero();
        }
        // the receiving direction: the client measures each server's share of the download itself
        for (String path : List.of("p0", "p1")) {
            PathStats received = session.client().stats().paths().get(path);
            assertThat(received.receivedGoodputBytesPerSecond()).as("client: received goodput on %s", path).isPositive();
            assertThat(received.bytesReceived()).as("client: bytes received on %s", path).isPositive();
        }
    }

    @Test
    void required_R10_2_rangesWrittenLatestFirstReassembleInOrder() throws Exception {
        SessionCluster cluster = cluster(2, servers -> servers.streamReceiveWindow(WINDOW),
                clients -> clients.streamReceiveWindow(WINDOW));
        SessionCluster.Session session = cluster.open(WAIT);
        KwikSession client = session.client();
        KwikSession primary = session.primary();
        int ranges = 12;  // 12 MiB, all of it inside the 16 MiB window
        byte[] request = Digests.payload(1020, 100);

        KwikStream requested = client.openStreamSync();
        writeAndFinish(requested, request);
        Callable<KwikStream> answer = () -> {
            KwikStream stream = primary.acceptStream();
            InputStream in = stream.inputStream();
            assertThat(Digest.of(in)).as("the request").isEqualTo(Digest.of(request));
            return stream;
        };
        Transfer transfer = transfer(session, answer, () -> requested, ranges, 1021, true);

        assertThat(transfer.streamId()).isEqualTo(requested.id());
        assertThat(transfer.received()).as("the client's stream").isEqualTo(transfer.expected());
        assertThat(transfer.received().size()).isEqualTo((long) ranges * RANGE);
    }

    @Test
    void required_R4_clientWritesReachOnlyThePrimary() throws Exception {
        SessionCluster cluster = cluster(2);
        SessionCluster.Session session = cluster.open(WAIT);
        KwikSession client = session.client();
        KwikSession primary = session.primary();
        byte[] payload = Digests.payload(440, 4 << 20);

        KwikStream up = client.openStreamSync();
        assertThat(up.pathId()).as("client writes go to the primary").isEqualTo("p0");
        Future<Void> writer = h.background(() -> {
            writeAndFinish(up, payload);
            return null;
        });
        KwikStream atPrimary = await(h.background(() -> primary.acceptStream()));
        assertThat(atPrimary.id()).isEqualTo(up.id());
        assertThat(h.drain(atPrimary)).isEqualTo(Digest.of(payload));
        await(writer);

        assertThat(primary.stats().paths().get("p0").bytesReceived()).as("bytes the primary received")
                .isGreaterThanOrEqualTo(payload.length);
        assertThat(client.stats().paths().get("p0").bytesSent()).as("bytes the client sent on p0")
                .isGreaterThanOrEqualTo(payload.length);
        for (KwikSession secondary : session.secondaries()) {
            String path = secondary.pathId();
            assertThat(secondary.stats().paths().get(path).bytesReceived()).as("bytes %s received", path).isZero();
            assertThat(client.stats().paths().get(path).bytesSent()).as("bytes the client sent on %s", path).isZero();
        }
    }

    // ---------------------------------------------------------------- R9: raw relay

    @Test
    void required_R9_rawRelayIsByteExactAndInOrderInEveryDirection() throws Exception {
        SessionCluster cluster = cluster(2);
        SessionCluster.Session session = cluster.open(WAIT);
        List<String> paths = List.of("p0", "p1", "p2");
        int[] sizes = {0, 1, 1000, 64 * 1024, 1 << 20};

        Map<String, Future<List<Received>>> receivers = new LinkedHashMap<>();
        for (String target : paths) {
            KwikSession server = session.server(target);
            int expected = (paths.size() - 1) * sizes.length;
            receivers.put(target, h.background(() -> {
                List<Received> received = new ArrayList<>();
                for (int i = 0; i < expected; i++) received.add(Received.of(server.receiveRawData()));
                return received;
            }));
        }
        List<Future<Void>> senders = new ArrayList<>();
        for (String source : paths) {
            for (String target : paths) {
                if (source.equals(target)) continue;
                KwikSession server = session.server(source);
                senders.add(h.background(() -> {
                    for (int k = 0; k < sizes.length; k++) {
                        server.sendRawData(target, ByteBuffer.wrap(relayPayload(source, target, k, sizes[k])));
                    }
                    return null;
                }));
            }
        }
        for (Future<Void> sender : senders) await(sender);

        for (String target : paths) {
            List<Received> received = await(receivers.get(target));
            assertThat(received).as("relays to %s", target).noneMatch(Received::delegated);
            for (String source : paths) {
                if (source.equals(target)) continue;
                List<Digest> expected = new ArrayList<>();
                for (int k = 0; k < sizes.length; k++) expected.add(Digest.of(relayPayload(source, target, k, sizes[k])));
                assertThat(received.stream().filter(r -> r.source().equals(source)).map(Received::digest).toList())
                        .as("relays from %s to %s, in order", source, target).containsExactlyElementsOf(expected);
            }
        }
    }

    @Test
    void required_R9_rawRelayToAnUnknownPathFailsWithPathNotFound() throws Exception {
        SessionCluster cluster = cluster(1);
        SessionCluster.Session session = cluster.open(WAIT);
        KwikSession primary = session.primary();
        KwikSession secondary = session.server("p1");

        assertThatThrownBy(() -> await(h.background(() -> {
            primary.sendRawData("p9", ByteBuffer.wrap(new byte[] {1, 2, 3}));
            return null;
        }))).isInstanceOfSatisfying(KwikException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PATH_NOT_FOUND));

        byte[] payload = Digests.payload(160, 1000);
        Future<RawData> received = h.background(secondary::receiveRawData);
        primary.sendRawData("p1", ByteBuffer.wrap(payload));
        RawData data = await(received);
        assertThat(data.sourcePathId()).isEqualTo("p0");
        assertThat(data.delegated()).isEmpty();
        assertThat(bytes(data.data())).as("the next relay, to a known path").isEqualTo(payload);
    }

    // ---------------------------------------------------------------- fixtures and helpers

    private SessionCluster cluster(int secondaries) throws IOException {
        return cluster(secondaries, servers -> {}, clients -> {});
    }

    /**
     * A cluster on this suite's providers, closed after the test. Its clients declare a silent
     * secondary dead after {@link #RELAXED_PATH_TIMEOUT} unless {@code clients} says otherwise:
     * tests that are not about dead paths must not fail because a loaded build machine
     * starved a healthy path for a second.
     */
    private SessionCluster cluster(int secondaries, Consumer<ServerConfig.Builder> servers,
                                   Consumer<ClientConfig.Builder> customizer) throws IOException {
        Consumer<ClientConfig.Builder> clients = builder -> customizer.accept(builder.pathTimeout(RELAXED_PATH_TIMEOUT));
        return h.closeAfterTest(sessionCluster()
                .secondaries(secondaries)
                .servers(servers)
                .clients(clients)
                .start());
    }

    /**
     * A multi-source stream of {@code ranges} ranges of {@link #RANGE} bytes, owned in turn by
     * p0, p1, p2, p0, ...: the primary writes its own with {@code write}, and delegates the
     * others to the secondaries, which write them from the seed in the instruction. Checks what
     * every secondary was told and what every delegation completed with, and returns what the
     * client read.
     *
     * @param primaryStream opens or accepts the stream on the primary
     * @param clientStream  opens or accepts the same stream on the client
     * @param latestFirst   whether each secondary waits for all its ranges and writes the last first
     */
    private Transfer transfer(SessionCluster.Session session, Callable<KwikStream> primaryStream,
                              Callable<KwikStream> clientStream, int ranges, long seed, boolean latestFirst)
            throws Exception {
        List<String> paths = List.of("p0", "p1", "p2");
        Map<String, CompletableFuture<List<Served>>> secondaries = new LinkedHashMap<>();
        for (String path : paths.subList(1, paths.size())) {
            KwikSession secondary = session.server(path);
            int count = (int) IntStream.range(0, ranges).filter(i -> owner(paths, i).equals(path)).count();
            secondaries.put(path, async(() -> serveDelegations(secondary, count, latestFirst)));
        }
        CompletableFuture<Digest> received = async(() -> Digest.of(clientStream.call().inputStream()));
        CompletableFuture<Written> writer = async(() -> {
            KwikStream stream = primaryStream.call();
            Map<Integer, CompletableFuture<Delegation>> delegations = new TreeMap<>();
            for (int i = 0; i < ranges; i++) {
                String owner = owner(paths, i);
                if (owner.equals("p0")) {
                    ByteBuffer own = ByteBuffer.wrap(Digests.payload(seed + i, RANGE));
                    assertThat(stream.write(own)).isEqualTo(RANGE);
                } else {
                    delegations.put(i, stream.delegate(owner, RANGE, ByteBuffer.wrap(instruction(seed + i, (long) i * RANGE))));
                }
            }
            stream.shutdownOutput();
            return new Written(stream.id(), delegations);
        });

        List<CompletableFuture<?>> workers = new ArrayList<>(secondaries.values());
        workers.add(writer);
        Digest got = awaitWhileHealthy(received, TRANSFER_WAIT, workers);

        Written written = await(writer);
        for (var delegation : written.delegations().entrySet()) {
            int i = delegation.getKey();
            assertThat(await(delegation.getValue())).as("delegation of range %d", i)
                    .isEqualTo(new Delegation(owner(paths, i), written.streamId(), (long) i * RANGE, RANGE));
        }
        for (var secondary : secondaries.entrySet()) {
            List<Served> served = await(secondary.getValue());
            List<Integer> owned = IntStream.range(0, ranges)
                    .filter(i -> owner(paths, i).equals(secondary.getKey())).boxed().toList();
            assertThat(served).as("delegations %s received", secondary.getKey()).hasSize(owned.size());
            for (int k = 0; k < owned.size(); k++) {
                int i = owned.get(k);
                Served one = served.get(k);
                assertThat(one.source()).as("source of delegation %d", i).isEqualTo("p0");
                assertThat(one.instruction()).as("instruction of delegation %d", i).isEqualTo(instruction(seed + i, (long) i * RANGE));
                assertThat(one.delegation()).as("range of delegation %d", i)
                        .isEqualTo(new Delegation(secondary.getKey(), written.streamId(), (long) i * RANGE, RANGE));
            }
        }

        MessageDigest sha = Digests.sha256();
        for (int i = 0; i < ranges; i++) sha.update(Digests.payload(seed + i, RANGE));
        Digest expected = new Digest((long) ranges * RANGE, HexFormat.of().formatHex(sha.digest()));
        return new Transfer(written.streamId(), got, expected);
    }

    private static String owner(List<String> paths, int range) {
        return paths.get(range % paths.size());
    }

    /**
     * Serves {@code count} delegations on {@code secondary}: each instruction is a seed and an
     * offset; the range's bytes are {@code Digests.payload(seed, length)}.
     */
    private static List<Served> serveDelegations(KwikSession secondary, int count, boolean latestFirst) throws Exception {
        List<Served> served = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            RawData raw = secondary.receiveRawData();
            Delegation delegation = raw.delegated().orElseThrow(
                    () -> new AssertionError("a relay from " + raw.sourcePathId() + " where a delegation was expected"));
            Served one = new Served(raw.sourcePathId(), bytes(raw.data()), delegation);
            served.add(one);
            if (!latestFirst) write(secondary, one);
        }
        if (latestFirst) {
            for (Served one : served.reversed()) write(secondary, one);
        }
        return served;
    }

    private static void write(KwikSession secondary, Served served) throws IOException {
        Delegation range = served.delegation();
        long seed = ByteBuffer.wrap(served.instruction()).getLong(0);
        byte[] bytes = Digests.payload(seed, Math.toIntExact(range.length()));
        secondary.stream(range.streamId()).writeAt(range.offset(), ByteBuffer.wrap(bytes));
    }

    /** What a delegation instruction says: the seed of the range's bytes, then the offset the primary meant. */
    private static byte[] instruction(long seed, long offset) {
        return ByteBuffer.allocate(16).putLong(seed).putLong(offset).array();
    }

    /**
     * One small multi-source stream on {@code path}: the primary writes 64 KiB, delegates 256
     * KiB to {@code path} and finishes; the client must read exactly those bytes.
     */
    private void deliverThrough(SessionCluster.Session session, KwikSession secondary, String path, long seed)
            throws Exception {
        KwikSession primary = session.primary();
        KwikSession client = session.client();
        byte[] own = Digests.payload(seed, 64 * 1024);
        byte[] delegated = Digests.payload(seed + 1, 256 * 1024);
        CompletableFuture<List<Served>> serving = async(() -> serveDelegations(secondary, 1, false));
        CompletableFuture<Digest> received = async(() -> Digest.of(client.acceptStream().inputStream()));

        KwikStream stream = primary.openStreamSync();
        assertThat(stream.write(ByteBuffer.wrap(own))).isEqualTo(own.length);
        CompletableFuture<Delegation> done = stream.delegate(path, delegated.length,
                ByteBuffer.wrap(instruction(seed + 1, own.length)));
        stream.shutdownOutput();

        byte[] whole = new byte[own.length + delegated.length];
        System.arraycopy(own, 0, whole, 0, own.length);
        System.arraycopy(delegated, 0, whole, own.length, delegated.length);
        assertThat(awaitWhileHealthy(received, WAIT, List.of(serving))).as("a stream written by p0 and %s", path)
                .isEqualTo(Digest.of(whole));
        Delegation expected = new Delegation(path, stream.id(), own.length, delegated.length);
        assertThat(await(done)).isEqualTo(expected);
        Served served = await(serving).get(0);
        assertThat(served.source()).isEqualTo("p0");
        assertThat(served.delegation()).isEqualTo(expected);
    }

    /** The payload of the {@code k}-th raw relay from {@code source} to {@code target}: {@code size} seeded bytes. */
    private static byte[] relayPayload(String source, String target, int k, int size) {
        long seed = 9000 + 100L * source.charAt(1) + 10L * target.charAt(1) + k;
        return Digests.payload(seed, size);
    }

    /**
     * Dials {@code server} with a raw SPI client, sends {@code join} on the control stream and
     * returns how the server closed the connection.
     */
    private static ConnectionClose rawJoin(QuicTransport transport, ClientTransportConfig config, LoopbackServer server,
                                           ControlFrame join) throws Exception {
        // as the engine authenticates (docs/ENGINE.md, "Dialing"): kwik 0.10.8's client can leave a
        // small request unsent after a lost packet until the stream's next write, so a join that gets
        // no answer within the stall time is sent again on a new connection. These joins are all
        // refused, so sending one twice changes nothing at the server.
        for (int attempt = 1; ; attempt++) {
            // a second handshake if the first stalls, as the engine dials
            QuicConnection connection = await(DialRace.connect(transport, server.address(), config,
                    ClientConfig.DEFAULT_HANDSHAKE_STALL_TIMEOUT, WAIT));
            try {
                QuicStream control = await(connection.openBidirectionalStream());
                OutputStream out = control.output();
                join.writeDelimitedTo(out);
                out.flush();
                if (attempt >= RAW_JOIN_ATTEMPTS) return await(connection.closed());
                // a loaded machine answers slowly: three round trips at least, as the engine's race waits
                Duration rtt = connection.stats().smoothedRtt();
                long stall = Math.max(RAW_JOIN_STALL.toNanos(), 3 * (rtt == null ? 0 : rtt.toNanos()));
                try {
                    return connection.closed().get(stall, TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    int next = attempt + 1;
                    LOG.log(System.Logger.Level.INFO, () -> "raw join: no answer within " + TimeUnit.NANOSECONDS.toMillis(stall)
                            + " ms; attempt " + next + " on a new connection (" + connection.stats() + ")");
                }
            } finally {
                connection.close();
            }
        }
    }

    /** Runs {@code task} on a virtual thread of the test, as a {@link CompletableFuture}. */
    private <T> CompletableFuture<T> async(Callable<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        h.background(() -> {
            try {
                result.complete(task.call());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
            return null;
        });
        return result;
    }

    /**
     * {@code target}'s value within {@code wait}, or the failure of the first of {@code workers}
     * that fails before it, so that a failed helper is reported at once rather than as a timeout.
     */
    private static <T> T awaitWhileHealthy(CompletableFuture<T> target, Duration wait, List<? extends CompletableFuture<?>> workers)
            throws Exception {
        CompletableFuture<Object> failed = new CompletableFuture<>();
        for (CompletableFuture<?> worker : workers) {
            worker.whenComplete((value, failure) -> {
                if (failure != null) failed.completeExceptionally(failure);
            });
        }
        Bounds.await(CompletableFuture.anyOf(target, failed).exceptionally(failure -> null), wait);
        if (failed.isCompletedExceptionally() && !target.isDone()) Bounds.await(failed, wait);
        return Bounds.await(target, wait);
    }

    private static PathInfo pathNamed(List<PathInfo> paths, String id) {
        return paths.stream().filter(path -> path.id().equals(id)).findFirst()
                .orElseThrow(() -> new AssertionError("no path " + id + " in " + paths));
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer view = buffer.duplicate();
        byte[] bytes = new byte[view.remaining()];
        view.get(bytes);
        return bytes;
    }

    private static byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    private static int freeUdpPort() throws IOException {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** What the primary did: the stream it wrote and each delegation's future, by range. */
    private record Written(long streamId, Map<Integer, CompletableFuture<Delegation>> delegations) {}

    /** What a multi-source transfer delivered to the client, and what it should have. */
    private record Transfer(long streamId, Digest received, Digest expected) {}

    /** One delegation as a secondary received it. */
    private record Served(String source, byte[] instruction, Delegation delegation) {}

    /** One raw relay as its target received it. */
    private record Received(String source, Digest digest, boolean delegated) {
        static Received of(RawData raw) {
            return new Received(raw.sourcePathId(), Digest.of(bytes(raw.data())), raw.delegated().isPresent());
        }
    }

    /** Records a session's path events, in order, and waits for one. Never blocks the engine for long. */
    private static final class PathEvents implements Consumer<PathEvent> {
        private final List<PathEvent> events = new ArrayList<>();

        @Override
        public synchronized void accept(PathEvent event) {
            events.add(event);
            notifyAll();
        }

        /** The first event of {@code type} about {@code pathId}, waiting at most {@link Bounds#WAIT}. */
        synchronized List<PathEvent> events() {
            return List.copyOf(events);
        }

        synchronized <T extends PathEvent> T await(Class<T> type, String pathId) throws InterruptedException, TimeoutException {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (true) {
                for (PathEvent event : events) {
                    if (type.isInstance(event) && event.path().id().equals(pathId)) return type.cast(event);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException("no " + type.getSimpleName() + " event for " + pathId + " within " + WAIT
                            + "; seen: " + events);
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }

        /** Every Dead event so far. */
        synchronized List<PathEvent.Dead> deaths() {
            return events.stream().filter(PathEvent.Dead.class::isInstance).map(PathEvent.Dead.class::cast).toList();
        }

        synchronized int indexOf(PathEvent event) {
            return events.indexOf(event);
        }
    }
}
