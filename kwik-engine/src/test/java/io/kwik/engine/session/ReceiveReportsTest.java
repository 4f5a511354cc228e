package io.kwik.engine.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.kwik.api.ErrorCode;
import io.kwik.api.KwikException;
import io.kwik.api.PathReceived;
import io.kwik.api.PathStats;
import io.kwik.api.PathStatus;
import io.kwik.proto.ControlFrame;
import io.kwik.proto.PathReceived.Builder;
import io.kwik.proto.ReceiveReport;

/** The client's receive reports: what the client sends, and what the primary keeps or refuses. */
final class ReceiveReportsTest {

    private final ReceiveReports reports = new ReceiveReports(Set.of("p0", "p1", "p2")::contains);

    @Test
    void theClientReportsItsActivePathsAndThePrimaryKeepsTheFiguresOfPathsItKnows() throws KwikException {
        Map<String, PathStats> paths = new LinkedHashMap<>();
        paths.put("p0", stats(1_000, 500, PathStatus.ACTIVE));
        paths.put("p1", stats(2_000, -1, PathStatus.ACTIVE));
        paths.put("p2", stats(3_000, 700, PathStatus.DEAD));
        paths.put("p3", stats(4_000, 900, PathStatus.ACTIVE));   // one the primary has not heard of yet
        ControlFrame frame = ReceiveReports.report(paths, 5_000_000_123L);
        assertThat(frame.getReceiveReport().getClientTimeMicros()).isEqualTo(5_000_000);
        assertThat(frame.getReceiveReport().getPathsList()).extracting(io.kwik.proto.PathReceived::getPathId)
                .containsExactly("p0", "p1", "p3");

        reports.onReport(frame.getReceiveReport(), 42);

        assertThat(reports.latest()).containsOnlyKeys("p0", "p1");
        assertThat(reports.latest().get("p0")).isEqualTo(new PathReceived("p0", 1_000, 500, 5_000_000_000L, 42));
        assertThat(reports.latest().get("p1").bytesPerSecond()).as("not measured").isEqualTo(-1);
    }

    @Test
    void anOlderReportOrAFallingCountIsDroppedAndAGonePathForgotten() throws KwikException {
        reports.onReport(report(2_000, entry("p1", 5_000, 10)), 1);
        reports.onReport(report(1_000, entry("p1", 6_000, 10)), 2);    // overtaken on the client
        reports.onReport(report(3_000, entry("p1", 4_000, 10)), 3);    // fewer bytes than before
        assertThat(reports.latest().get("p1").bytesReceived()).isEqualTo(5_000);
        reports.onReport(report(4_000, entry("p1", 7_000, 10)), 4);
        assertThat(reports.latest().get("p1").bytesReceived()).isEqualTo(7_000);
        reports.forget("p1");
        assertThat(reports.latest()).isEmpty();
    }

    @Test
    void malformedReportsAreInvalidFrames() {
        assertInvalid(report(-1, entry("p1", 1, 1)));                                  // above 2^63
        assertInvalid(report(Long.MAX_VALUE / 1_000 + 1, entry("p1", 1, 1)));        // nanoseconds would overflow
        assertInvalid(report(1, entry("p1", -1, 1)));
        assertInvalid(report(1, entry("p1", 1, Long.MIN_VALUE)));
        assertInvalid(report(1, entry("p1", 1, 1), entry("p1", 2, 2)));                // twice
        assertInvalid(report(1, entry("q1", 1, 1)));
        assertInvalid(report(1, entry("p01", 1, 1)));
        assertInvalid(report(1, entry("", 1, 1)));
        ReceiveReport.Builder many = ReceiveReport.newBuilder().setClientTimeMicros(1);
        for (int i = 0; i < 65; i++) many.addPaths(entry("p" + i, 1, 1));
        assertInvalid(many.build());
        assertThat(reports.latest()).as("nothing of a refused report is kept").isEmpty();
    }

    private void assertInvalid(ReceiveReport report) {
        assertThatThrownBy(() -> reports.onReport(report, 1)).isInstanceOfSatisfying(KwikException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FRAME));
    }

    static ReceiveReport report(long micros, io.kwik.proto.PathReceived... entries) {
        ReceiveReport.Builder report = ReceiveReport.newBuilder().setClientTimeMicros(micros);
        for (io.kwik.proto.PathReceived entry : entries) report.addPaths(entry);
        return report.build();
    }

    static io.kwik.proto.PathReceived entry(String pathId, long bytes, long rate) {
        Builder entry = io.kwik.proto.PathReceived.newBuilder().setPathId(pathId).setBytesReceived(bytes).setBytesPerSecond(rate);
        return entry.build();
    }

    private static PathStats stats(long bytesReceived, long rate, PathStatus status) {
        return new PathStats(Duration.ofMillis(10), -1, rate, 0, bytesReceived, 0, 0, 0, -1, 0, 0, status);
    }
}
