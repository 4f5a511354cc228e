package io.kwik.engine.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import io.kwik.api.ErrorCode;
import io.kwik.api.KwikException;
import io.kwik.api.PathReceived;
import io.kwik.proto.ControlFrame;
import io.kwik.proto.ReceiveReport;
import io.kwik.engine.wire.Messages;

/**
 * Fuzzes what the primary does with the client's receive reports: a report is kept with
 * figures that are non-negative and for known paths only, or refused with
 * {@link ErrorCode#INVALID_FRAME}; nothing else. (The planner's side of forged figures is in
 * {@code RangePlannerTest}.)
 */
class ReceiveReportsFuzzTest {

    /** Values chosen by the fuzzer, including values above 2^63 (negative in Java). */
    @FuzzTest
    void report(FuzzedDataProvider data) {
        ReceiveReport.Builder report = ReceiveReport.newBuilder().setClientTimeMicros(data.consumeLong());
        int count = data.consumeInt(0, 70);
        for (int i = 0; i < count && data.remainingBytes() > 0; i++) {
            report.addPaths(io.kwik.proto.PathReceived.newBuilder().setPathId(data.consumeString(4))
                    .setBytesReceived(data.consumeLong()).setBytesPerSecond(data.consumeLong()));
        }
        check(report.build());
    }

    /** A report as it arrives: decoded from the wire's bytes. */
    @FuzzTest
    void frame(byte[] input) {
        ControlFrame frame;
        try {
            frame = Messages.controlFrame(input);
        } catch (KwikException e) {
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FRAME);
            return;
        }
        if (frame.hasReceiveReport()) check(frame.getReceiveReport());
    }

    private static void check(ReceiveReport report) {
        ReceiveReports reports = new ReceiveReports(id -> id.equals("p0") || id.equals("p1"));
        try {
            reports.onReport(report, 7);
        } catch (KwikException e) {
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FRAME);
            assertThat(reports.latest()).isEmpty();
            return;
        }
        for (PathReceived path : reports.latest().values()) {
            assertThat(path.pathId()).isIn("p0", "p1");
            assertThat(path.bytesReceived()).isNotNegative();
            assertThat(path.bytesPerSecond()).isGreaterThanOrEqualTo(-1);
            assertThat(path.clientNanos()).isNotNegative();
        }
    }
}
