package io.kwik.tck;

import static io.kwik.tck.tools.Bounds.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.kwik.api.Delegation;
import io.kwik.api.KwikSession;
import io.kwik.api.KwikStream;
import io.kwik.api.MultiSourceTransfer;
import io.kwik.api.MultiSourceTransfer.PathShare;
import io.kwik.api.PathInfo;
import io.kwik.api.PathReceived;
import io.kwik.api.RawData;
import io.kwik.tck.tools.Bounds;
import io.kwik.tck.tools.Digest;
import io.kwik.tck.tools.Harness;
import io.kwik.tck.tools.Digests;
import io.kwik.tck.tools.SessionCluster;

/**
 * {@link MultiSourceTransfer} end to end: a primary and two secondaries send one source as one
 * stream, through real QUIC on loopback, and the client's bytes are checked by size and
 * SHA-256. One secondary dies midway, or is a straggler that writes its ranges in small steps
 * with pauses. The checks are on bytes and on what each path carried, never on how long
 * anything took.
 *
 * @since 0.1.0
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class MultiSourceTransferSuite extends BackendSuite {

    /** For a backend's test class, which extends this suite. */
    protected MultiSourceTransferSuite() {
    }

    /** The stream receive window of every end. */
    private static final long WINDOW = 16 << 20;
    /** The bound on a whole transfer. */
    private static final Duration TRANSFER_WAIT = Bounds.scaled(Duration.ofSeconds(150));
    /** The straggler writes this much at a time... */
    private static final int STRAGGLER_STEP = 16 << 10;
    /** ...and then pauses this long: 320 KB/s at most, far below any loopback path. */
    private static final long STRAGGLER_PAUSE_MILLIS = 50;

    private Harness h;

    @BeforeEach
    final void openHarness() {
        h = new Harness(provider(), clientProvider());
    }

    @AfterEach
    final void closeHarness() throws Exception {
        h.close();
    }

    /**
     * p2 writes its first range, then its server closes when its second range arrives: the
     * client declares it dead, and the primary writes what p2 did not deliver. The end game is
     * off here, or it could take p2's range back before p2 is declared dead (the next test).
     */
    @Test
    void aSecondaryKilledMidTransferIsRefilledByThePrimary() throws Exception {
        int size = 64 << 20;
        byte[] source = Digests.payload(1300, size);
        SessionCluster cluster = cluster();
        SessionCluster.Session session = cluster.open(WAIT);
        CompletableFuture<Void> p2Wrote = new CompletableFuture<>();
        CompletableFuture<Void> p2Killed = new CompletableFuture<>();
        Future<Integer> p1 = h.background(() -> serve(session.server("p1"), source, false, null, null));
        h.background(() -> {
            try {
                return serve(session.server("p2"), source, false, p2Wrote, () -> {
                    cluster.secondary(1).close();
                    p2Killed.complete(null);
                });
            } catch (IOException e) {
                return -1;   // the session ended under it: that was the point
            }
        });
        // the client reads only once p2 has written a range: p2 is measured, and gets a second one
        CompletableFuture<Digest> received = read(session.client(), p2Wrote);

        List<PathShare> shares = send(session, source, false, "p1", "p2");

        assertThat(awaitFor(received)).as("what the client read").isEqualTo(Digest.of(source));
        awaitFor(p2Killed);
        Map<String, PathShare> byPath = byPath(shares);
        assertThat(byPath.get("p2").failed()).as("p2 failed: %s", shares).isTrue();
        assertThat(byPath.get("p2").lost()).as("bytes of p2's ranges the primary refilled: %s", shares).isPositive();
        assertThat(byPath.get("p1").failed()).as("p1: %s", shares).isFalse();
        assertThat(byPath.get("p1").bytes()).as("p1 carried a part: %s", shares).isPositive();
        assertThat(shares.stream().mapToLong(PathShare::bytes).sum()).as("the parts add up: %s", shares).isEqualTo(size);
        assertThat(session.client().deadPaths()).extracting(PathInfo::id).contains("p2");
        if (p1.isDone()) p1.get();   // p1 serves until the session closes; a failure of its own shows here
    }

    /**
     * p2 writes its first range, then stops writing without leaving the session: it never
     * dies, so only the end game can take its range back, and the stream must complete.
     */
    @Test
    void aSecondaryThatStopsWritingWithoutDyingIsTakenOverInTheEndGame() throws Exception {
        int size = 32 << 20;
        byte[] source = Digests.payload(1350, size);
        SessionCluster cluster = cluster();
        SessionCluster.Session session = cluster.open(WAIT);
        CompletableFuture<Void> p2Wrote = new CompletableFuture<>();
        CompletableFuture<Void> p2Stopped = new CompletableFuture<>();
        h.background(() -> serve(session.server("p1"), source, false, null, null));
        h.background(() -> serve(session.server("p2"), source, false, p2Wrote, () -> p2Stopped.complete(null)));
        CompletableFuture<Digest> received = read(session.client(), p2Wrote);

        List<PathShare> shares = send(session, source, true, "p1", "p2");

        assertThat(awaitFor(received)).as("what the client read").isEqualTo(Digest.of(source));
        awaitFor(p2Stopped);
        Map<String, PathShare> byPath = byPath(shares);
        assertThat(byPath.get("p2").failed()).as("p2 never died: %s", shares).isFalse();
        assertThat(byPath.get("p0").copied()).as("bytes the primary copied: %s", shares).isPositive();
        assertThat(shares.stream().mapToLong(PathShare::bytes).sum()).as("the parts add up: %s", shares).isEqualTo(size);
        assertThat(session.client().activePaths()).extracting(PathInfo::id).contains("p2");
    }

    /**
     * p2 writes its ranges at a small fraction of the others' speed. It must carry a small
     * share only (an even split would give it a third), the primary must copy what it holds
     * at the end, and the stream must be byte-exact.
     */
    @Test
    void aStragglerCarriesASmallShareAndThePrimaryCopiesItsLateRanges() throws Exception {
        straggler(false);
    }

    /** The same, with the planner measuring paths by the client's receive reports. */
    @Test
    void aStragglerMeasuredByReceiveReportsCarriesASmallShare() throws Exception {
        straggler(true);
    }

    private void straggler(boolean reports) throws Exception {
        int size = 32 << 20;
        byte[] source = Digests.payload(1400, size);
        SessionCluster cluster = cluster();
        SessionCluster.Session session = cluster.open(WAIT);
        h.background(() -> serve(session.server("p1"), source, false, null, null));
        h.background(() -> serve(session.server("p2"), source, true, null, null));
        CompletableFuture<Digest> received = read(session.client(), CompletableFuture.completedFuture(null));

        List<PathShare> shares = send(session, source, true, false, reports, "p1", "p2");

        assertThat(awaitFor(received)).as("what the client read").isEqualTo(Digest.of(source));
        Map<String, PathShare> byPath = byPath(shares);
        long onP2 = session.client().stats().paths().get("p2").bytesReceived();
        System.out.printf("[%s] straggler: %s; the client received %d bytes on p2%n", provider().name(), shares, onP2);
        assertThat(byPath.get("p2").bytes()).as("bytes p2 carried: %s", shares).isLessThan(size / 4);
        assertThat(onP2).as("bytes the client received on p2, duplicates included").isLessThan(size / 4);
        assertThat(byPath.get("p0").bytes() + byPath.get("p1").bytes()).as("the fast paths' part: %s", shares)
                .isGreaterThan(3L * size / 4);
        if (!reports) {
            // measured by completions, the straggler's first ranges are larger than it can finish
            // in time, so the end game copies them; measured by reports it may get only what it
            // finishes before the end, and nothing is late
            assertThat(byPath.get("p0").copied()).as("bytes of late ranges the primary copied: %s", shares).isPositive();
        }
        assertThat(shares.stream().mapToLong(PathShare::bytes).sum()).as("the parts add up: %s", shares).isEqualTo(size);
        assertThat(byPath.get("p2").reported()).as("p2 measured by the client's reports: %s", shares).isEqualTo(reports);
    }

    /**
     * Receive reports (docs/PROTOCOL.md 4.4): while the secondaries write, the client tells the
     * primary what arrives on each path, and the planner measures every path by it. What the
     * primary holds of the last report is at most what the client counted in the end.
     */
    @Test
    void theClientReportsWhatArrivesOnEachPathAndThePlannerMeasuresByIt() throws Exception {
        int size = 24 << 20;
        byte[] source = Digests.payload(1410, size);
        SessionCluster cluster = cluster();
        SessionCluster.Session session = cluster.open(WAIT);
        assertThat(session.primary().clientReceived()).as("no report before a secondary wrote").isEmpty();
        h.background(() -> serve(session.server("p1"), source, false, null, null));
        h.background(() -> serve(session.server("p2"), source, false, null, null));
        CompletableFuture<Digest> received = read(session.client(), CompletableFuture.completedFuture(null));

        List<PathShare> shares = send(session, source, true, false, true, "p1", "p2");

        assertThat(awaitFor(received)).as("what the client read").isEqualTo(Digest.of(source));
        Map<String, PathShare> byPath = byPath(shares);
        for (String path : List.of("p1", "p2")) {
            assertThat(byPath.get(path).reported()).as("%s was measured by the client's reports: %s", path, shares).isTrue();
            assertThat(byPath.get(path).goodput()).as("%s's goodput: %s", path, shares).isPositive();
        }
        Map<String, PathReceived> reports = session.primary().clientReceived();
        System.out.printf("[%s] reports: %s; shares %s%n", provider().name(), reports.values(), shares);
        assertThat(reports).as("the primary holds the client's reports").containsKeys("p0", "p1", "p2");
        for (String path : List.of("p0", "p1", "p2")) {
            long counted = session.client().stats().paths().get(path).bytesReceived();
            assertThat(reports.get(path).bytesReceived()).as("reported on %s, against %d counted", path, counted)
                    .isPositive().isLessThanOrEqualTo(counted);
        }
        assertThat(session.client().clientReceived()).as("only the primary holds reports").isEmpty();
        assertThat(session.server("p1").clientReceived()).as("only the primary holds reports").isEmpty();
    }

    /**
     * Verified ranges (issue 18 #7): p2 serves a copy of the source with one byte wrong in
     * every 64 KiB. Each delegation carries its range's SHA-256, so the client refuses p2's
     * first range, closes p2, and the primary writes what p2 was given; the client never reads
     * a wrong byte. p1 is honest and keeps its share.
     */
    @Test
    void aSecondaryServingWrongBytesIsRefusedWhenRangesAreVerified() throws Exception {
        int size = 16 << 20;
        byte[] source = Digests.payload(1450, size);
        byte[] corrupt = source.clone();
        for (int i = 1000; i < size; i += 64 << 10) corrupt[i] ^= 0x21;
        SessionCluster.Session session = cluster().open(WAIT);
        h.background(() -> serve(session.server("p1"), source, false, null, null));
        h.background(() -> serve(session.server("p2"), corrupt, false, null, null));
        CompletableFuture<Digest> received = read(session.client(), CompletableFuture.completedFuture(null));

        List<PathShare> shares = send(session, source, false, true, "p1", "p2");

        assertThat(awaitFor(received)).as("what the client read").isEqualTo(Digest.of(source));
        Map<String, PathShare> byPath = byPath(shares);
        assertThat(byPath.get("p2").failed()).as("p2 was refused: %s", shares).isTrue();
        assertThat(byPath.get("p2").lost()).as("bytes of p2's ranges the primary wrote: %s", shares).isPositive();
        assertThat(byPath.get("p1").failed()).as("p1: %s", shares).isFalse();
        assertThat(shares.stream().mapToLong(PathShare::bytes).sum()).as("the parts add up: %s", shares).isEqualTo(size);
        assertThat(session.client().deadPaths()).extracting(PathInfo::id).containsExactly("p2");
        assertThat(session.client().closed().toCompletableFuture().isDone()).as("the session is still open").isFalse();
    }

    /**
     * Verified ranges and the end game: p2 writes its first range, then only the first half
     * of its second and stops without dying. The client holds that half back, unverified; the
     * primary's copy of the range must still complete it, and the stream must be byte-exact.
     */
    @Test
    void aSecondaryThatStopsMidRangeIsTakenOverInTheEndGameWhenRangesAreVerified() throws Exception {
        int size = 32 << 20;
        byte[] source = Digests.payload(1460, size);
        SessionCluster.Session session = cluster().open(WAIT);
        CompletableFuture<Void> p2Wrote = new CompletableFuture<>();
        CompletableFuture<Void> p2Stopped = new CompletableFuture<>();
        h.background(() -> serve(session.server("p1"), source, false, null, null));
        h.background(() -> {
            KwikSession p2 = session.server("p2");
            for (int ranges = 0; ; ranges++) {
                Delegation range;
                try {
                    range = p2.receiveRawData().delegated().orElseThrow();
                } catch (IOException e) {
                    return null;   // the session ended
                }
                if (ranges > 1) continue;
                int from = Math.toIntExact(range.offset());
                int length = Math.toIntExact(range.length());
                try {
                    p2.stream(range.streamId()).writeAt(from, ByteBuffer.wrap(source, from, ranges == 0 ? length : length / 2));
                } catch (IOException e) {
                    return null;
                }
                (ranges == 0 ? p2Wrote : p2Stopped).complete(null);
            }
        });
        // the client reads only once p2 has written a range: p2 is measured, and gets a second one
        CompletableFuture<Digest> received = read(session.client(), p2Wrote);

        List<PathShare> shares = send(session, source, true, true, "p1", "p2");

        assertThat(awaitFor(received)).as("what the client read").isEqualTo(Digest.of(source));
        awaitFor(p2Stopped);
        Map<String, PathShare> byPath = byPath(shares);
        assertThat(byPath.get("p2").failed()).as("p2 never lied nor died: %s", shares).isFalse();
        assertThat(byPath.get("p0").copied()).as("bytes the primary copied: %s", shares).isPositive();
        assertThat(session.client().activePaths()).extracting(PathInfo::id).contains("p2");
    }

    /**
     * With no window given, the transfer plans within {@link MultiSourceTransfer#WINDOW_USE} of
     * the window the client announced for the stream, here the library's default of 1 MiB, not
     * the command line's: nothing waits for credit the client never grants, and the bytes arrive
     * whole.
     */
    @Test
    void theDefaultWindowIsTheClientsAnnouncedWindow() throws Exception {
        long clientWindow = 1 << 20;
        int size = 8 << 20;
        byte[] source = Digests.payload(1420, size);
        SessionCluster cluster = cluster(clientWindow);
        SessionCluster.Session session = cluster.open(WAIT);
        h.background(() -> serve(session.server("p1"), source, false, null, null));
        h.background(() -> serve(session.server("p2"), source, false, null, null));
        CompletableFuture<Digest> received = read(session.client(), CompletableFuture.completedFuture(null));
        KwikStream stream = session.primary().openStreamSync();
        assertThat(stream.peerReceiveWindow()).as("the client's window, as the primary knows it").isEqualTo(clientWindow);
        MultiSourceTransfer transfer = transferOf(session.primary(), stream, source).build();
        assertThat(transfer.window()).isEqualTo((long) (clientWindow * MultiSourceTransfer.WINDOW_USE));
        transfer.addPath("p1");
        transfer.addPath("p2");
        awaitFor(h.background(() -> {
            transfer.run();
            stream.close();
            return null;
        }), TRANSFER_WAIT);

        assertThat(awaitFor(received)).as("what the client read").isEqualTo(Digest.of(source));
        List<PathShare> shares = transfer.shares();
        assertThat(shares.stream().mapToLong(PathShare::bytes).sum()).as("the parts add up: %s", shares).isEqualTo(size);
        assertThat(byPath(shares).get("p1").bytes() + byPath(shares).get("p2").bytes()).as("the secondaries wrote: %s", shares)
                .isPositive();
        assertThat(MultiSourceTransfer.builder(session.primary(), stream, (offset, dst) -> 0, 1).window(5 << 20).build().window())
                .as("an explicit window wins").isEqualTo(5 << 20);
    }

    /**
     * {@code run()} returns once the client holds every byte, also those the primary wrote
     * itself: its own ranges complete when the client has acknowledged them, not when the
     * stream took them (a path's send window holds megabytes the client has yet to receive).
     * Measured at the client the moment {@code run()} returns, with no secondary, so every
     * byte travels on the primary's path; one packet of slack, as the client acknowledges a
     * packet just before it counts it.
     */
    @Test
    void runReturnsOnceTheClientHoldsThePrimarysOwnBytes() throws Exception {
        int size = 8 << 20;
        byte[] source = Digests.payload(1430, size);
        SessionCluster cluster = cluster();
        SessionCluster.Session session = cluster.open(WAIT);
        CompletableFuture<Digest> received = read(session.client(), CompletableFuture.completedFuture(null));
        long receivedBefore = session.client().stats().paths().get("p0").bytesReceived();
        KwikStream stream = session.primary().openStreamSync();
        MultiSourceTransfer transfer = transferOf(session.primary(), stream, source).build();
        long receivedAtReturn = awaitFor(h.background(() -> {
            transfer.run();
            long atReturn = session.client().stats().paths().get("p0").bytesReceived();
            stream.close();
            return atReturn;
        }), TRANSFER_WAIT);

        assertThat(receivedAtReturn - receivedBefore).as("bytes the client had received on p0 when run() returned")
                .isGreaterThanOrEqualTo(size - (64L << 10));
        assertThat(awaitFor(received)).as("what the client read").isEqualTo(Digest.of(source));
    }

    // ---------------------------------------------------------------- fixtures

    private SessionCluster cluster() throws IOException {
        return cluster(WINDOW);
    }

    private SessionCluster cluster(long clientWindow) throws IOException {
        return h.closeAfterTest(sessionCluster()
                .secondaries(2)
                .servers(servers -> servers.streamReceiveWindow(WINDOW))
                // a silent healthy path must not be declared dead on a loaded machine; a closed one is at once
                .clients(clients -> clients.streamReceiveWindow(clientWindow).pathTimeout(Duration.ofSeconds(10)))
                .start());
    }

    /** The primary opens a stream, adds the paths, sends {@code source} and finishes the stream. */
    private List<PathShare> send(SessionCluster.Session session, byte[] source, boolean endgame, String... secondaries)
            throws Exception {
        return send(session, source, endgame, false, false, secondaries);
    }

    /** As above; {@code verify} turns on {@link MultiSourceTransfer.Builder#verifyRanges}. */
    private List<PathShare> send(SessionCluster.Session session, byte[] source, boolean endgame, boolean verify,
                                 String... secondaries) throws Exception {
        return send(session, source, endgame, verify, false, secondaries);
    }

    /** As above; {@code reports} turns on {@link MultiSourceTransfer.Builder#planByReceiveReports}. */
    private List<PathShare> send(SessionCluster.Session session, byte[] source, boolean endgame, boolean verify,
                                 boolean reports, String... secondaries) throws Exception {
        KwikSession primary = session.primary();
        KwikStream stream = primary.openStreamSync();
        MultiSourceTransfer transfer = transferOf(primary, stream, source)
                .endgame(endgame)
                .verifyRanges(verify)
                .planByReceiveReports(reports)
                .build();
        for (String path : secondaries) transfer.addPath(path);
        Future<Void> run = h.background(() -> {
            transfer.run();
            stream.close();
            return null;
        });
        awaitFor(run, TRANSFER_WAIT);
        return transfer.shares();
    }

    /** A transfer of {@code source} on {@code stream}, each secondary told its range's offset. */
    private static MultiSourceTransfer.Builder transferOf(KwikSession primary, KwikStream stream, byte[] source) {
        return MultiSourceTransfer.builder(primary, stream, (offset, dst) -> {
                    int n = (int) Math.min(dst.remaining(), source.length - offset);
                    dst.put(source, (int) offset, n);
                    return n;
                }, source.length)
                .instruction((pathId, offset, length) -> ByteBuffer.wrap(("range " + offset).getBytes(StandardCharsets.US_ASCII)));
    }

    /** The client accepts the stream, waits for {@code start}, and reads it to its end. */
    private CompletableFuture<Digest> read(KwikSession client, CompletableFuture<Void> start) {
        CompletableFuture<Digest> digest = new CompletableFuture<>();
        h.background(() -> {
            try {
                KwikStream stream = client.acceptStream();
                awaitFor(start, TRANSFER_WAIT);
                digest.complete(Digest.of(stream.inputStream()));
            } catch (Throwable e) {
                digest.completeExceptionally(e);
            }
            return null;
        });
        return digest;
    }

    /**
     * A secondary: writes each delegated range from {@code source} until its session ends. A
     * straggler writes in small steps with pauses. After its first range it completes
     * {@code firstWritten}; when its second arrives it runs {@code onSecond} and writes nothing
     * more, though it goes on taking instructions (as a server whose disk hangs would).
     *
     * @return how many ranges it wrote
     */
    private static int serve(KwikSession secondary, byte[] source, boolean straggler, CompletableFuture<Void> firstWritten,
                             ThrowingRunnable onSecond) throws Exception {
        int written = 0;
        boolean stopped = false;
        while (true) {
            RawData raw;
            try {
                raw = secondary.receiveRawData();
            } catch (IOException e) {
                return written;   // the session ended
            }
            Delegation range = raw.delegated().orElseThrow(() -> new AssertionError("a relay without a range"));
            if (written == 1 && onSecond != null && !stopped) {
                onSecond.run();
                stopped = true;
            }
            if (stopped) continue;
            KwikStream stream = secondary.stream(range.streamId());
            int from = Math.toIntExact(range.offset());
            int to = Math.toIntExact(range.end());
            int step = straggler ? STRAGGLER_STEP : to - from;
            try {
                for (int at = from; at < to; at += step) {
                    stream.writeAt(at, ByteBuffer.wrap(source, at, Math.min(step, to - at)));
                    if (straggler) Thread.sleep(STRAGGLER_PAUSE_MILLIS);
                }
            } catch (IOException e) {
                return written;   // the session ended while it wrote, the test is over
            }
            written++;
            if (firstWritten != null) firstWritten.complete(null);
        }
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    private static Map<String, PathShare> byPath(List<PathShare> shares) {
        return shares.stream().collect(Collectors.toMap(PathShare::pathId, share -> share));
    }

    private static <T> T awaitFor(Future<T> future) throws Exception {
        return awaitFor(future, TRANSFER_WAIT);
    }

    private static <T> T awaitFor(Future<T> future, Duration wait) throws Exception {
        return Bounds.await(future, wait);
    }
}
