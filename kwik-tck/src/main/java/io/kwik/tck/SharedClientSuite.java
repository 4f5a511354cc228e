package io.kwik.tck;

import static io.kwik.tck.tools.Bounds.WAIT;
import static io.kwik.tck.tools.Bounds.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.kwik.api.Delegation;
import io.kwik.api.ErrorCode;
import io.kwik.api.Kwik;
import io.kwik.api.KwikClient;
import io.kwik.api.KwikSession;
import io.kwik.api.KwikStream;
import io.kwik.api.PathInfo;
import io.kwik.api.PathStatus;
import io.kwik.api.RawData;
import io.kwik.api.SessionClose;
import io.kwik.tck.tools.Digest;
import io.kwik.tck.tools.Digests;
import io.kwik.tck.tools.Harness;
import io.kwik.tck.tools.SessionCluster;
import io.kwik.tck.tools.ThreadCensus;

/**
 * One {@link KwikClient} ({@link Kwik#newClient}) dials many sessions through one transport:
 * one after another without the JVM's threads growing, from several threads at once, with a
 * secondary joined through the same transport; closing a session leaves the client and its
 * other sessions working, and closing the client ends every session it dialed, with
 * {@link ErrorCode#NONE} and {@link KwikClient#CLOSE_REASON}, and refuses later dials.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class SharedClientSuite extends BackendSuite {
    private static final System.Logger LOG = System.getLogger(SharedClientSuite.class.getName());
    private static final int ECHO = 64 << 10;
    private static final int SEQUENTIAL = 20;
    /**
     * Threads that may be alive after the 20th session and not after the 2nd: virtual threads
     * of the engine and the test that are still ending when the count is taken. A transport per
     * session would add its event loops for every session that has not finished closing.
     */
    private static final int THREAD_SLACK = 8;

    private Harness h;

    /** For a backend's test class, which extends this suite. */
    protected SharedClientSuite() {
    }

    @BeforeEach
    final void openHarness() {
        h = new Harness(provider(), clientProvider());
    }

    @AfterEach
    final void closeHarness() throws Exception {
        h.close();
    }

    /**
     * 20 sessions dialed one after another through one client, each echoing 64 KiB checked by
     * SHA-256 and then closed: the JVM's live threads (virtual ones included) after the 20th
     * are no more than after the 2nd, plus a small slack.
     */
    @Test
    void required_R1_client_twentySequentialSessionsThroughOneClientDoNotGrowTheThreads() throws Exception {
        SessionCluster cluster = cluster(0);
        KwikClient client = h.closeAfterTest(Kwik.newClient(cluster.clientConfig().build()));
        int afterSecond = 0;
        for (int i = 0; i < SEQUENTIAL; i++) {
            KwikSession session = dialNumbered(client, cluster, i);
            KwikSession accepted = cluster.primary().accept(WAIT);
            h.echoEverything(accepted);
            byte[] payload = Digests.payload(100 + i, ECHO);
            assertThat(h.echoThrough(session, payload)).as("echo of session %d", i).isEqualTo(Digest.of(payload));
            session.close();
            await(session.closed().toCompletableFuture());
            await(accepted.closed().toCompletableFuture());
            if (i == 1) afterSecond = settledThreads(Integer.MAX_VALUE);
        }
        int limit = afterSecond + THREAD_SLACK;
        int afterLast = settledThreads(limit);
        int second = afterSecond;
        LOG.log(System.Logger.Level.INFO, () -> clientProvider().name() + " client, " + provider().name()
                + " primary: live threads after session 2: " + second + ", after session " + SEQUENTIAL + ": " + afterLast);
        assertThat(afterLast).as("live threads after session %d (after session 2: %d)", SEQUENTIAL, afterSecond)
                .isLessThanOrEqualTo(limit);
    }

    /** Twelve sessions dialed at once from four threads and with {@code dialAsync}; each echoes its own bytes. */
    @Test
    void required_R1_client_concurrentDialsFromSeveralThreadsEachGetTheirSession() throws Exception {
        SessionCluster cluster = cluster(0);
        KwikClient client = h.closeAfterTest(Kwik.newClient(cluster.clientConfig().build()));
        int threads = 4;
        int perThread = 2;
        int async = 4;
        int total = threads * perThread + async;
        h.background(() -> {
            for (int i = 0; i < total; i++) h.echoEverything(cluster.primary().accept(WAIT));
            return null;
        });
        List<Future<List<KwikSession>>> dialers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            dialers.add(h.background(() -> {
                List<KwikSession> mine = new ArrayList<>();
                for (int i = 0; i < perThread; i++) mine.add(client.dial(primaryOf(cluster)));
                return mine;
            }));
        }
        List<CompletableFuture<KwikSession>> asyncDials = new ArrayList<>();
        for (int i = 0; i < async; i++) asyncDials.add(client.dialAsync(primaryOf(cluster)));
        List<KwikSession> sessions = new ArrayList<>();
        for (Future<List<KwikSession>> dialer : dialers) sessions.addAll(await(dialer));
        for (CompletableFuture<KwikSession> dial : asyncDials) sessions.add(await(dial));

        Set<String> ids = new HashSet<>();
        sessions.forEach(session -> ids.add(session.id()));
        assertThat(ids).as("session ids").hasSize(total);
        List<Future<Digest>> echoes = new ArrayList<>();
        for (int i = 0; i < sessions.size(); i++) {
            KwikSession session = sessions.get(i);
            byte[] payload = Digests.payload(200 + i, ECHO);
            echoes.add(h.background(() -> h.echoThrough(session, payload)));
        }
        for (int i = 0; i < echoes.size(); i++) {
            assertThat(await(echoes.get(i))).as("echo of session %d", i).isEqualTo(Digest.of(Digests.payload(200 + i, ECHO)));
        }
    }

    /**
     * A session of a shared client joins a secondary, whose connection the client dials through
     * the same transport; a stream written partly by the primary and partly by the secondary
     * arrives byte-exact, while a second session of the same client still echoes.
     */
    @Test
    void required_R3_client_aSecondaryJoinGoesThroughTheSharedClient() throws Exception {
        SessionCluster cluster = cluster(1);
        KwikClient client = h.closeAfterTest(Kwik.newClient(cluster.clientConfig().build()));
        KwikSession other = client.dial(primaryOf(cluster));
        h.echoEverything(cluster.primary().accept(WAIT));
        KwikSession session = client.dial(primaryOf(cluster));
        KwikSession primary = cluster.primary().accept(WAIT);

        PathInfo path = await(primary.addPath(SessionCluster.addressOf(cluster.secondary(0))));
        KwikSession secondary = cluster.secondary(0).accept(WAIT);
        assertThat(path.status()).as("the joined path").isEqualTo(PathStatus.ACTIVE);
        assertThat(secondary.id()).as("the secondary's session").isEqualTo(session.id());

        byte[] own = Digests.payload(300, ECHO);
        byte[] delegated = Digests.payload(301, 256 << 10);
        Future<Delegation> served = h.background(() -> {
            RawData raw = secondary.receiveRawData();
            Delegation range = raw.delegated().orElseThrow(() -> new AssertionError("a relay where a delegation was expected"));
            secondary.stream(range.streamId()).writeAt(range.offset(), ByteBuffer.wrap(delegated));
            return range;
        });
        Future<Digest> received = h.background(() -> Digest.of(session.acceptStream().inputStream()));
        KwikStream stream = primary.openStreamSync();
        assertThat(stream.write(ByteBuffer.wrap(own))).isEqualTo(own.length);
        CompletableFuture<Delegation> done = stream.delegate(path.id(), delegated.length, ByteBuffer.allocate(8));
        stream.shutdownOutput();

        byte[] whole = new byte[own.length + delegated.length];
        System.arraycopy(own, 0, whole, 0, own.length);
        System.arraycopy(delegated, 0, whole, own.length, delegated.length);
        assertThat(await(received)).as("a stream written by p0 and %s", path.id()).isEqualTo(Digest.of(whole));
        Delegation expected = new Delegation(path.id(), stream.id(), own.length, delegated.length);
        assertThat(await(served)).isEqualTo(expected);
        assertThat(await(done)).isEqualTo(expected);

        byte[] payload = Digests.payload(302, ECHO);
        assertThat(h.echoThrough(other, payload)).as("the client's other session").isEqualTo(Digest.of(payload));
    }

    /** Closing one session of a client leaves its other sessions working, and the client dials again. */
    @Test
    void required_R1_client_closingOneSessionLeavesTheOthersAndTheClientWorking() throws Exception {
        SessionCluster cluster = cluster(0);
        KwikClient client = h.closeAfterTest(Kwik.newClient(cluster.clientConfig().build()));
        List<KwikSession> sessions = new ArrayList<>();
        List<KwikSession> accepted = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            sessions.add(client.dial(primaryOf(cluster)));
            accepted.add(cluster.primary().accept(WAIT));
            h.echoEverything(accepted.get(i));
        }
        sessions.get(1).close(ErrorCode.NONE, "done with this one");
        SessionClose seen = await(accepted.get(1).closed().toCompletableFuture());
        assertThat(seen.code()).as("the server's view of the closed session: %s", seen).isEqualTo(ErrorCode.NONE);
        assertThat(seen.reason()).as("the server's view of the closed session").isEqualTo(gracefulReason("done with this one"));

        for (int i : new int[] {0, 2}) {
            byte[] payload = Digests.payload(400 + i, ECHO);
            assertThat(h.echoThrough(sessions.get(i), payload)).as("echo of session %d", i).isEqualTo(Digest.of(payload));
        }
        KwikSession later = client.dial(primaryOf(cluster));
        h.echoEverything(cluster.primary().accept(WAIT));
        byte[] payload = Digests.payload(404, ECHO);
        assertThat(h.echoThrough(later, payload)).as("echo of a session dialed after the close").isEqualTo(Digest.of(payload));
    }

    /**
     * {@code client.close()} ends every session the client dialed: each server sees the close
     * from its peer, with {@link ErrorCode#NONE} and {@link KwikClient#CLOSE_REASON}; a later
     * dial fails with an {@link IllegalStateException} that says the client is closed.
     */
    @Test
    void required_R1_client_closingTheClientEndsItsSessionsWithItsCodeAndRefusesDials() throws Exception {
        SessionCluster cluster = cluster(0);
        KwikClient client = Kwik.newClient(cluster.clientConfig().build());
        List<KwikSession> sessions = new ArrayList<>();
        List<KwikSession> accepted = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            sessions.add(client.dial(primaryOf(cluster)));
            accepted.add(cluster.primary().accept(WAIT));
            h.echoEverything(accepted.get(i));
        }
        byte[] payload = Digests.payload(500, ECHO);
        assertThat(h.echoThrough(sessions.get(2), payload)).as("echo before the close").isEqualTo(Digest.of(payload));

        client.close();
        for (int i = 0; i < 3; i++) {
            SessionClose atServer = await(accepted.get(i).closed().toCompletableFuture());
            assertThat(atServer.origin()).as("who closed session %d, at the server", i).isEqualTo(SessionClose.Origin.PEER);
            assertThat(atServer.code()).as("code of session %d, at the server", i).isEqualTo(ErrorCode.NONE);
            assertThat(atServer.reason()).as("reason of session %d, at the server", i).isEqualTo(gracefulReason(KwikClient.CLOSE_REASON));
            assertThat(await(sessions.get(i).closed().toCompletableFuture()).origin())
                    .as("who closed session %d, at the client", i).isEqualTo(SessionClose.Origin.LOCAL);
        }
        assertThatThrownBy(() -> client.dial(primaryOf(cluster))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> client.dialAsync(primaryOf(cluster))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> sessions.get(0).openStreamSync()).isInstanceOf(IOException.class);
        client.close();
    }

    /**
     * Whether the servers' backend reports the reason phrase of a close with code 0
     * ({@link ErrorCode#NONE}); true by default. kwik 0.10.8 drops it (kwik-backend-kwik
     * README, "Close causes"), so its servers see an empty reason there.
     *
     * @return false when a graceful close reaches the servers without its reason
     */
    protected boolean serversKeepTheReasonOfAGracefulClose() {
        return true;
    }

    private String gracefulReason(String sent) {
        return serversKeepTheReasonOfAGracefulClose() ? sent : "";
    }

    private static KwikSession dialNumbered(KwikClient client, SessionCluster cluster, int i) throws IOException {
        try {
            return client.dial(primaryOf(cluster));
        } catch (IOException e) {
            // what the primary saw tells a refusal from a request that never arrived
            throw new IOException("dial " + (i + 1) + " of " + SEQUENTIAL + " failed: " + e.getMessage()
                    + "; the primary's errors: " + cluster.primary().errors(), e);
        }
    }

    private static InetSocketAddress primaryOf(SessionCluster cluster) {
        return SessionCluster.addressOf(cluster.primary());
    }

    /**
     * The live threads, counted until the count is at most {@code limit} or {@link io.kwik.tck.tools.Bounds#WAIT}
     * has passed: threads of a session that just closed end on their own schedule.
     */
    private static int settledThreads(int limit) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        int live = ThreadCensus.liveThreads();
        while (live > limit && System.nanoTime() < deadline) {
            Thread.sleep(100);
            live = ThreadCensus.liveThreads();
        }
        return live;
    }

    private SessionCluster cluster(int secondaries) throws IOException {
        return h.closeAfterTest(sessionCluster()
                .secondaries(secondaries)
                .start());
    }
}
