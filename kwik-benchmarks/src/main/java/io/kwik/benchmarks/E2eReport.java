package io.kwik.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The end-to-end harness's table of one backend: medians and percentiles side by side, with their ratios. */
final class E2eReport {

    private final E2eOptions options;

    E2eReport(E2eOptions options) {
        this.options = options;
    }

    String table(String backend, Results r, String loadBefore, String loadAfter) {
        StringBuilder t = new StringBuilder();
        t.append(String.format(Locale.ROOT, "%nbackend %s: %d MiB downloads, medians of %d runs; KWIK stream window %d KiB "
                        + "(3 servers: %d KiB, %d KiB ranges, primary %s); load average %s before, %s after%n", backend,
                options.bytes() >> 20, options.runs(), options.window() >> 10, options.multiWindow() >> 10, options.range() >> 10,
                options.reserveFirst() ? "reserves first" : "writes as it goes", loadBefore, loadAfter));
        t.append(String.format(Locale.ROOT, "%-40s %12s %12s %9s  %s%n", "case", "raw", "KWIK", "KWIK/raw", "target"));
        pair(t, r, "bulk MB/s, 1 stream", "raw1", "kwik1", 50, "KWIK >= 0.9 x raw");
        pair(t, r, "bulk MB/s, " + options.rawStreams() + " raw / " + options.kwikStreams() + " KWIK streams", "rawN", "kwikN", 50,
                "KWIK >= 0.9 x raw");
        if (options.modes().contains("multi")) {
            String target = options.capMbit() > 0 ? "(see caps below)" : "(targets only with caps: run-capped.sh)";
            pair(t, r, "3 servers MB/s: 1-path KWIK | aggregate", "kwik1", "multi", 50, target);
        }
        List<String[]> costs = new ArrayList<>();
        costs.add(new String[] {"1 stream", "raw1", "kwik1"});
        costs.add(new String[] {options.rawStreams() + "/" + options.kwikStreams() + " streams", "rawN", "kwikN"});
        if (options.modes().contains("multi")) costs.add(new String[] {"1 path | 3 servers", "kwik1", "multi"});
        for (String[] c : costs) {
            // every JVM of the run (client and all servers), medians per transfer
            pair(t, r, "CPU s/GiB, " + c[0], c[1] + "-cpu", c[2] + "-cpu", 50, "(lower is better)");
            pair(t, r, "  of which client", c[1] + "-cpu-client", c[2] + "-cpu-client", 50, "");
            pair(t, r, "  of which servers", c[1] + "-cpu-servers", c[2] + "-cpu-servers", 50, "");
            pair(t, r, "allocated B/B, " + c[0], c[1] + "-alloc", c[2] + "-alloc", 50, "(lower is better)");
            pair(t, r, "  of which client", c[1] + "-alloc-client", c[2] + "-alloc-client", 50, "");
        }
        pair(t, r, "64 B echo p50, us", "rtt-raw", "rtt-kwik", 50, "(lower is better)");
        pair(t, r, "64 B echo p99, us", "rtt-raw", "rtt-kwik", 99, "(lower is better)");
        pair(t, r, "dial p50, ms (raw: shared transport)", "dial-raw", "dial-kwik", 50, "(lower is better)");
        pair(t, r, "dial p99, ms (raw: shared transport)", "dial-raw", "dial-kwik", 99, "");
        pair(t, r, "dial p50, ms (raw: fresh transport)", "dial-raw-fresh", "dial-kwik", 50, "");
        pair(t, r, "dial p99, ms (raw: fresh transport)", "dial-raw-fresh", "dial-kwik", 99, "");
        pair(t, r, "dial p50, ms: KWIK fresh | KwikClient", "dial-kwik", "dial-kwik-shared", 50, "(lower is better)");
        pair(t, r, "dial p99, ms: KWIK fresh | KwikClient", "dial-kwik", "dial-kwik-shared", 99, "");
        pair(t, r, "threads/session: KWIK fresh | KwikClient", "threads-fresh", "threads-shared", 50, "(lower is better)");
        pair(t, r, "  of which platform threads", "platform-fresh", "platform-shared", 50, "");
        if (options.capMbit() > 0) {
            double capMBps = options.capMbit() / 8;
            t.append(String.format(Locale.ROOT, "caps: %.0f Mbit/s per server = %.1f MB/s; 3 servers' sum %.1f MB/s%n",
                    options.capMbit(), capMBps, 3 * capMBps));
            for (String key : List.of("raw1", "kwik1", "rawN", "kwikN")) {
                Double m = r.median(key);
                if (m != null) t.append(String.format(Locale.ROOT, "  %-6s %8.2f MB/s = %.2f x one cap%n", key, m, m / capMBps));
            }
            Double m = r.median("multi");
            if (m != null) t.append(String.format(Locale.ROOT, "  multi  %8.2f MB/s = %.2f x the sum of the caps (target >= 0.9)%n",
                    m, m / (3 * capMBps)));
        }
        for (Map.Entry<String, String> failure : r.failures.entrySet()) {
            t.append("FAILED ").append(failure.getKey()).append(": ").append(failure.getValue()).append('\n');
        }
        return t.toString();
    }

    private static void pair(StringBuilder t, Results r, String label, String base, String kwik, double p, String target) {
        Double a = r.percentile(base, p);
        Double b = r.percentile(kwik, p);
        if (a == null && b == null) return;
        t.append(String.format(Locale.ROOT, "%-40s %12s %12s %9s  %s%n", label, a == null ? "-" : String.format(Locale.ROOT, "%.2f", a),
                b == null ? "-" : String.format(Locale.ROOT, "%.2f", b),
                a == null || b == null ? "-" : String.format(Locale.ROOT, "%.2f", b / a), target));
    }

    /** The 1, 5 and 15 minute load averages, or "?" where /proc/loadavg is missing. */
    static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException e) {
            return "?";
        }
    }
}
