package io.kwik.engine.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.kwik.api.KwikSession;
import io.kwik.api.PathStats;
import io.kwik.api.PathStatus;
import io.kwik.api.Role;
import io.kwik.api.SessionStats;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PathStatsSampler} on a stand-in session (only {@code stats()} and {@code role()} are
 * answered): one event per live, measured path, nothing for a dead path or one without figures,
 * and the session is let go when unwatched.
 */
class PathStatsSamplerTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void samplesLiveMeasuredPathsOnlyAndLetsTheSessionGo(@TempDir Path dir) throws Exception {
        String sessionId = "sampler-test-" + System.nanoTime();
        Map<String, PathStats> paths = new LinkedHashMap<>();
        paths.put("p0", stats(Duration.ofMillis(3), 16 << 20, PathStatus.ACTIVE));
        paths.put("p1", stats(Duration.ofMillis(5), 1 << 20, PathStatus.DEAD));
        // what the primary knows of a secondary: no connection, no figures
        paths.put("p2", new PathStats(Duration.ZERO, -1, 0, 0, 0, 0, 0, 0, -1, 0, 0, PathStatus.ACTIVE));
        KwikSession session = standIn(new SessionStats(sessionId, paths));

        try (Recording recording = new Recording()) {
            recording.enable(PathStatsEvent.class).withPeriod(Duration.ofMillis(100));
            recording.start();
            PathStatsSampler.watch(session);
            assertThat(PathStatsSampler.isWatched(session)).isTrue();
            List<RecordedEvent> ours = List.of();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (ours.size() < 2) {
                assertThat(System.nanoTime() - deadline).as("two samples within %s", WAIT).isNegative();
                Thread.sleep(100);
                Path file = dir.resolve("sampler-" + System.nanoTime() + ".jfr");
                recording.dump(file);
                ours = RecordingFile.readAllEvents(file).stream()
                        .filter(e -> e.getEventType().getName().equals("io.kwik.PathStats"))
                        .filter(e -> sessionId.equals(e.getString("sessionId"))).toList();
            }
            PathStatsSampler.unwatch(session);
            assertThat(PathStatsSampler.isWatched(session)).as("watched after unwatch").isFalse();

            assertThat(ours).allSatisfy(e -> {
                assertThat(e.getString("pathId")).isEqualTo("p0");
                assertThat(e.getString("role")).isEqualTo("CLIENT");
                assertThat(e.getString("status")).isEqualTo("ACTIVE");
                assertThat(e.getDuration("rtt")).isEqualTo(Duration.ofMillis(3));
                assertThat(e.getLong("goodput")).isEqualTo(1000);
                assertThat(e.getLong("bytesInFlight")).isEqualTo(500);
                assertThat(e.getLong("sendWindow")).isEqualTo(16 << 20);
                assertThat(e.getInt("openLogicalStreams")).isEqualTo(1);
            });
        }
    }

    private static PathStats stats(Duration rtt, long window, PathStatus status) {
        return new PathStats(rtt, 1000, 1500, 2000, 3000, 4, 5, 500, window, 1, 2, status);
    }

    private static KwikSession standIn(SessionStats stats) {
        return (KwikSession) Proxy.newProxyInstance(KwikSession.class.getClassLoader(), new Class<?>[] {KwikSession.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "stats" -> stats;
                    case "role" -> Role.CLIENT;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    case "toString" -> "stand-in " + stats.sessionId();
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
