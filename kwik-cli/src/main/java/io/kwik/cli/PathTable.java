package io.kwik.cli;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.kwik.api.PathInfo;
import io.kwik.api.PathStats;
import io.kwik.api.PathStatus;
import io.kwik.api.SessionStats;

/**
 * The per-path table {@code kwik fetch} prints at the end: for each path of the session, its
 * id, address, the bytes the client received on it and their share, its goodput, its RTT and
 * its status.
 *
 * <pre>
 * path  address          bytes      share   goodput       rtt      status
 * p0    127.0.0.1:4433   11.0 MiB    34.4%  105.3 MiB/s   0.3 ms   ACTIVE
 * ...
 * total                  32.0 MiB   100.0%  306.1 MiB/s
 * </pre>
 *
 * Goodput is the bytes received on the path over the time the path took part in the download
 * (from the later of the download's start and the path's creation, to the end of the download,
 * or to the path's last activity when it died or closed). The engine's
 * {@link PathStats#goodputBytesPerSecond()} is not used: it measures the sending direction (what
 * this end sent and had acknowledged, recently), which for a downloading client is the request
 * alone, and -1 on the paths it never sent on.
 */
final class PathTable {

    /** One row. Rates in bytes per second, -1 when unknown; {@code rtt} {@link Duration#ZERO} when unknown. */
    record Row(String id, String address, long bytes, double share, double goodput, Duration rtt, PathStatus status) {}

    private final List<Row> rows;
    private final long totalBytes;
    private final double totalRate;

    private PathTable(List<Row> rows, long totalBytes, double totalRate) {
        this.rows = List.copyOf(rows);
        this.totalBytes = totalBytes;
        this.totalRate = totalRate;
    }

    /**
     * The table of a client session at the end of a download.
     *
     * @param paths    {@link io.kwik.api.KwikSession#allPaths()}
     * @param stats    {@link io.kwik.api.KwikSession#stats()}
     * @param started  when the download's bytes began to flow
     * @param finished when the last byte arrived
     */
    static PathTable of(List<PathInfo> paths, SessionStats stats, Instant started, Instant finished) {
        List<PathInfo> sorted = new ArrayList<>(paths);
        sorted.sort(Comparator.comparingInt(p -> number(p.id())));
        Map<String, PathStats> figures = stats.paths();
        long total = 0;
        for (PathInfo path : sorted) total += bytes(path, figures);
        List<Row> rows = new ArrayList<>();
        for (PathInfo path : sorted) {
            PathStats s = figures.getOrDefault(path.id(), path.stats());
            long bytes = bytes(path, figures);
            double goodput = -1;
            if (bytes > 0) {
                Instant from = path.createdAt() != null && path.createdAt().isAfter(started) ? path.createdAt() : started;
                Instant to = finished;
                boolean gone = path.status() == PathStatus.DEAD || path.status() == PathStatus.CLOSED;
                if (gone && path.lastActive() != null && path.lastActive().isBefore(finished)) to = path.lastActive();
                double seconds = Duration.between(from, to).toNanos() / 1e9;
                goodput = seconds > 0 ? bytes / seconds : -1;
            }
            Duration rtt = s == null || s.rtt() == null ? Duration.ZERO : s.rtt();
            rows.add(new Row(path.id(), address(path.address()), bytes, total == 0 ? 0 : 100.0 * bytes / total,
                    goodput, rtt, path.status()));
        }
        double seconds = Duration.between(started, finished).toNanos() / 1e9;
        return new PathTable(rows, total, seconds > 0 ? total / seconds : -1);
    }

    private static long bytes(PathInfo path, Map<String, PathStats> figures) {
        PathStats s = figures.getOrDefault(path.id(), path.stats());
        return s == null ? 0 : Math.max(0, s.bytesReceived());
    }

    private static int number(String id) {
        try {
            return Integer.parseInt(id.substring(1));
        } catch (RuntimeException e) {
            return Integer.MAX_VALUE;
        }
    }

    private static String address(InetSocketAddress address) {
        return address == null ? "-" : address.getHostString() + ":" + address.getPort();
    }

    List<Row> rows() {
        return rows;
    }

    /** Prints the table: a heading, one line per path, and a total. */
    void print(PrintStream out) {
        String format = "%-5s %-22s %10s %7s %13s %9s  %s";
        line(out, String.format(Locale.ROOT, format, "path", "address", "bytes", "share", "goodput", "rtt", "status"));
        for (Row row : rows) {
            line(out, String.format(Locale.ROOT, format, row.id(), row.address(), Sizes.bytes(row.bytes()),
                    String.format(Locale.ROOT, "%.1f%%", row.share()), Sizes.rate(row.goodput()), rtt(row.rtt()), row.status()));
        }
        line(out, String.format(Locale.ROOT, format, "total", "", Sizes.bytes(totalBytes), rows.isEmpty() ? "-" : "100.0%",
                Sizes.rate(totalRate), "", ""));
        out.flush();
    }

    private static void line(PrintStream out, String text) {
        out.println(text.stripTrailing());
    }

    private static String rtt(Duration rtt) {
        if (rtt == null || rtt.isZero() || rtt.isNegative()) return "-";
        return String.format(Locale.ROOT, "%.1f ms", rtt.toNanos() / 1e6);
    }
}
