package io.kwik.backend.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.kwik.api.Delegation;
import io.kwik.api.KwikSession;
import io.kwik.api.KwikStream;
import io.kwik.api.PathDeadException;
import io.kwik.api.PathEvent;
import io.kwik.tck.tools.Digests;
import io.kwik.tck.tools.SessionCluster;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import jdk.jfr.consumer.RecordingStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's JFR events, recorded in-process while a real three-party session on the
 * {@code netty} backend loses its secondary: the periodic {@code io.kwik.PathStats} for each
 * live path, {@code io.kwik.PathDeath} for the secondary, and {@code io.kwik.DelegationFailed}
 * for the range delegated to it, which the primary then refills byte-exact.
 */
class NettyFlightRecorderTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int OWN = 256 * 1024;
    private static final int DELEGATED = 64 * 1024;

    /** The fields of one event the test asserts on; the stream reuses its event objects. */
    private record Seen(String name, String sessionId, String pathId, String role, Duration rtt, long streamId,
                        long offset, long length, long missing, String reason) {
        static Seen of(RecordedEvent event) {
            String name = event.getEventType().getName();
            return new Seen(name, event.getString("sessionId"), event.getString("pathId"),
                    has(event, "role") ? event.getString("role") : null,
                    has(event, "rtt") ? event.getDuration("rtt") : null,
                    has(event, "streamId") ? event.getLong("streamId") : -1,
                    has(event, "offset") ? event.getLong("offset") : -1,
                    has(event, "length") ? event.getLong("length") : -1,
                    has(event, "missing") ? event.getLong("missing") : -1,
                    has(event, "reason") ? event.getString("reason") : null);
        }

        private static boolean has(RecordedEvent event, String field) {
            return event.hasField(field);
        }
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aSecondaryDeathIsRecordedWithPathStatsItsDeathAndItsFailedDelegation(@TempDir Path dir) throws Exception {
        List<Seen> seen = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> secondarySampled = new CompletableFuture<>();
        try (RecordingStream recording = new RecordingStream();
             SessionCluster cluster = SessionCluster.builder().transport("netty").secondaries(1).start()) {
            recording.enable("io.kwik.PathStats").withPeriod(Duration.ofMillis(200));
            recording.enable("io.kwik.PathDeath");
            recording.enable("io.kwik.DelegationFailed");
            recording.onEvent(event -> {
                Seen one = Seen.of(event);
                seen.add(one);
                if (one.name().equals("io.kwik.PathStats") && "p1".equals(one.pathId())) secondarySampled.complete(null);
            });
            recording.startAsync();

            SessionCluster.Session session = cluster.open(WAIT);
            KwikSession client = session.client();
            KwikSession primary = session.primary();
            String sessionId = client.id();
            CompletableFuture<Void> clientSawDead = new CompletableFuture<>();
            client.addPathListener(event -> {
                if (event instanceof PathEvent.Dead dead && dead.path().id().equals("p1")) clientSawDead.complete(null);
            });
            secondarySampled.get(WAIT.toSeconds(), TimeUnit.SECONDS);

            byte[] own = Digests.payload(1601, OWN);
            byte[] delegated = Digests.payload(1602, DELEGATED);
            CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
                try {
                    return client.acceptStream().inputStream().readAllBytes();
                } catch (Exception e) {
                    throw new CompletionException(e);
                }
            });
            KwikStream stream = primary.openStreamSync();
            assertThat(stream.write(ByteBuffer.wrap(own))).isEqualTo(OWN);
            // the secondary's application never serves it: only the path's death ends it
            CompletableFuture<Delegation> delegation = stream.delegate("p1", DELEGATED, ByteBuffer.wrap(new byte[] {1}));

            cluster.secondary(0).close();

            clientSawDead.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            Throwable failure = delegation.handle((done, e) -> e instanceof CompletionException c ? c.getCause() : e)
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(failure).as("the delegation to the dead path").isInstanceOf(PathDeadException.class);
            stream.writeAt(OWN, ByteBuffer.wrap(delegated));
            stream.close();

            byte[] got = received.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            byte[] whole = new byte[OWN + DELEGATED];
            System.arraycopy(own, 0, whole, 0, OWN);
            System.arraycopy(delegated, 0, whole, OWN, DELEGATED);
            assertThat(got).as("size").hasSize(OWN + DELEGATED);
            assertThat(Digests.sha256Hex(got)).as("SHA-256 after the refill").isEqualTo(Digests.sha256Hex(whole));

            // the stream delivers events about once a second: wait for them, never for a time. The
            // stream may not resolve a string it has seen in an earlier event (the session id comes
            // back null), so it only paces the test; the assertions read the dumped recording.
            awaitSeen(seen, e -> e.name().equals("io.kwik.PathDeath") && "p1".equals(e.pathId()), "a path death");
            awaitSeen(seen, e -> e.name().equals("io.kwik.DelegationFailed") && "p1".equals(e.pathId()),
                    "a failed delegation");
            Path file = dir.resolve("kwik.jfr");
            recording.dump(file);
            List<Seen> recorded = RecordingFile.readAllEvents(file).stream()
                    .filter(e -> e.getEventType().getName().startsWith("io.kwik.")).map(Seen::of).toList();

            assertThat(recorded).as("p1's death")
                    .filteredOn(e -> e.name().equals("io.kwik.PathDeath") && sessionId.equals(e.sessionId()))
                    .extracting(Seen::pathId).contains("p1");
            assertThat(recorded).as("the failed delegation")
                    .filteredOn(e -> e.name().equals("io.kwik.DelegationFailed") && sessionId.equals(e.sessionId()))
                    .singleElement().satisfies(e -> {
                        assertThat(e.pathId()).isEqualTo("p1");
                        assertThat(e.streamId()).isEqualTo(stream.id());
                        assertThat(e.offset()).isEqualTo(OWN);
                        assertThat(e.length()).isEqualTo(DELEGATED);
                        assertThat(e.missing()).as("the client had none of it").isEqualTo(DELEGATED);
                        assertThat(e.reason()).contains("p1");
                    });
            List<Seen> stats = recorded.stream()
                    .filter(e -> e.name().equals("io.kwik.PathStats") && sessionId.equals(e.sessionId())).toList();
            assertThat(stats).as("samples of p0 and p1").extracting(Seen::pathId).contains("p0", "p1");
            assertThat(stats).extracting(Seen::role).contains("CLIENT", "PRIMARY_SERVER");
            assertThat(stats).as("a plausible loopback RTT").anySatisfy(e -> assertThat(e.rtt())
                    .isPositive().isLessThan(Duration.ofSeconds(5)));
            assertThat(stats).as("every sampled RTT").allSatisfy(e -> assertThat(e.rtt()).isLessThan(WAIT));
        }
    }

    private static void awaitSeen(List<Seen> seen, java.util.function.Predicate<Seen> wanted, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (seen.stream().noneMatch(wanted)) {
            assertThat(System.nanoTime() - deadline).as("%s recorded within %s; recorded: %s", what, WAIT,
                    seen.stream().filter(e -> !e.name().equals("io.kwik.PathStats")).toList()).isNegative();
            Thread.sleep(50);
        }
    }
}
