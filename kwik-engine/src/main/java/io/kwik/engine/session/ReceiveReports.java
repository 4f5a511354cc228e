package io.kwik.engine.session;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import io.kwik.api.ErrorCode;
import io.kwik.api.KwikException;
import io.kwik.api.PathReceived;
import io.kwik.api.PathStats;
import io.kwik.api.PathStatus;
import io.kwik.engine.multipath.PathDirectory;
import io.kwik.proto.ControlFrame;
import io.kwik.proto.ReceiveReport;

/**
 * The primary's copy of the client's receive reports (docs/PROTOCOL.md 4.4, "Receive reports"):
 * every value is validated before it is kept, and only paths the primary knows are kept, so
 * the map is bounded by the session's paths. Thread-safe.
 */
final class ReceiveReports {
    private static final Pattern PATH_ID = Pattern.compile("p(0|[1-9][0-9]{0,2})");
    /** The largest client clock in microseconds that still fits in nanoseconds. */
    private static final long MAX_MICROS = Long.MAX_VALUE / 1_000;

    private final Predicate<String> known;
    private final Map<String, PathReceived> latest = new ConcurrentHashMap<>();

    /** @param known whether a path id names a path of the session */
    ReceiveReports(Predicate<String> known) {
        this.known = known;
    }

    /**
     * Takes one report that arrived at {@code nowNanos}. An entry older than the one kept for
     * its path (by the client's clock), or one whose byte count went down, is dropped: reports
     * may overtake each other on the client, and the figures are advice, not protocol state.
     *
     * @throws KwikException {@link ErrorCode#INVALID_FRAME} when a value is above 2^63 (the
     *                       wire's uint64 arrives negative), the clock would overflow
     *                       nanoseconds, a path id is malformed or listed twice, or there are
     *                       more entries than a session has paths
     */
    void onReport(ReceiveReport report, long nowNanos) throws KwikException {
        if (report.getPathsCount() > PathDirectory.MAX_PATHS) {
            throw invalid("names " + report.getPathsCount() + " paths; a session has at most " + PathDirectory.MAX_PATHS);
        }
        long micros = report.getClientTimeMicros();
        if (micros < 0 || micros > MAX_MICROS) throw invalid("client time " + Long.toUnsignedString(micros) + " us is out of range");
        Set<String> seen = new HashSet<>();
        for (io.kwik.proto.PathReceived entry : report.getPathsList()) {
            String id = entry.getPathId();
            if (!PATH_ID.matcher(id).matches()) throw invalid("malformed path id");
            if (!seen.add(id)) throw invalid("names path " + id + " twice");
            if (entry.getBytesReceived() < 0 || entry.getBytesPerSecond() < 0) {
                throw invalid("path " + id + ": a count above 2^63");
            }
        }
        long clientNanos = micros * 1_000;
        for (io.kwik.proto.PathReceived entry : report.getPathsList()) {
            String id = entry.getPathId();
            if (!known.test(id)) continue;   // a path the primary has not heard of yet, or forgot
            long rate = entry.getBytesPerSecond() == 0 ? -1 : entry.getBytesPerSecond();
            PathReceived next = new PathReceived(id, entry.getBytesReceived(), rate, clientNanos, nowNanos);
            latest.merge(id, next, (old, fresh) -> fresh.clientNanos() > old.clientNanos()
                    && fresh.bytesReceived() >= old.bytesReceived() ? fresh : old);
        }
    }

    /** The latest figures of each path. */
    Map<String, PathReceived> latest() {
        return Map.copyOf(latest);
    }

    /** Forgets a path that is gone. */
    void forget(String pathId) {
        latest.remove(pathId);
    }

    private static KwikException invalid(String why) {
        return new KwikException(ErrorCode.INVALID_FRAME, "receive report: " + why);
    }

    /**
     * The client's report of its active paths' figures, taken at {@code nowNanos} on its
     * monotonic clock.
     */
    static ControlFrame report(Map<String, PathStats> paths, long nowNanos) {
        ReceiveReport.Builder report = ReceiveReport.newBuilder().setClientTimeMicros(Math.max(0, nowNanos / 1_000));
        for (Map.Entry<String, PathStats> path : paths.entrySet()) {
            PathStats stats = path.getValue();
            if (stats.status() != PathStatus.ACTIVE || report.getPathsCount() == PathDirectory.MAX_PATHS) continue;
            io.kwik.proto.PathReceived.Builder entry = io.kwik.proto.PathReceived.newBuilder().setPathId(path.getKey())
                    .setBytesReceived(Math.max(0, stats.bytesReceived()));
            if (stats.receivedGoodputBytesPerSecond() > 0) entry.setBytesPerSecond(stats.receivedGoodputBytesPerSecond());
            report.addPaths(entry);
        }
        return ControlFrame.newBuilder().setReceiveReport(report).build();
    }
}
