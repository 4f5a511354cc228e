package io.kwik.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.kwik.api.KwikConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The end-to-end harness's options ({@link E2eHarness}), every one written
 * {@code --name=value}; the names and defaults are those that {@code run-e2e.sh},
 * {@code run-capped.sh} and docs/PERFORMANCE.md use. An option given twice takes its last value
 * (run-capped.sh passes its defaults first, then the caller's options). Values that depend on others (the byte
 * count, the timeout, the log directory) are derived by the accessors below.
 */
@Command(name = "E2eHarness", sortOptions = false,
        description = "End to end, separate JVMs: KWIK against raw QUIC on the same backend, side by side.")
final class E2eOptions {

    @Option(names = "--help", usageHelp = true, description = "This help.")
    private boolean help;

    // lists are plain strings split here: a list option given twice (run-capped.sh's defaults, then
    // the caller's) must replace the first, as every other option does, not append to it
    @Option(names = "--backends", paramLabel = "BACKEND,...", description = "Backends to measure, in order (default: ${DEFAULT-VALUE}).")
    private String backends = "kwik,netty";

    @Option(names = "--mib", description = "MiB per download (default: ${DEFAULT-VALUE}).")
    private long mib = 256;

    @Option(names = "--runs", description = "Counted runs of every download case (default: ${DEFAULT-VALUE}).")
    private int runs = 5;

    @Option(names = "--raw-streams", description = "Raw QUIC streams of the bulkN case (default: ${DEFAULT-VALUE}).")
    private int rawStreams = 4;

    @Option(names = "--kwik-streams", description = "KWIK logical streams of the bulkN case (default: ${DEFAULT-VALUE}).")
    private int kwikStreams = 16;

    @Option(names = "--range-kib", description = "The three-server case's interleaved ranges, a multiple of 64 (default: ${DEFAULT-VALUE}).")
    private int rangeKib = 1024;

    @Option(names = "--window", description = "The client's KWIK stream window for single-path KWIK (default: the KWIK default, ${DEFAULT-VALUE}).")
    private long window = KwikConfig.DEFAULT_STREAM_RECEIVE_WINDOW;

    @Option(names = "--multi-window", description = "The client's KWIK stream window for the three-server case (default: ${DEFAULT-VALUE}).")
    private long multiWindow = 8L << 20;

    @Option(names = "--rtts", description = "64-byte echo round trips per stream (default: ${DEFAULT-VALUE}).")
    private int rtts = 10_000;

    @Option(names = "--dials", description = "Dials per case (default: ${DEFAULT-VALUE}).")
    private int dials = 50;

    @Option(names = "--modes", paramLabel = "MODE,...", description = "bulk (or bulk1, bulkN), multi, rtt, dial (default: ${DEFAULT-VALUE}).")
    private String modes = "bulk,multi,rtt,dial";

    @Option(names = "--hosts", paramLabel = "ADDRESS,...",
            description = "The primary's (and the raw server's) address, then each secondary's (default: ${DEFAULT-VALUE}).")
    private String hosts = "127.0.0.1,127.0.0.1,127.0.0.1";

    @Option(names = "--wrap", description = "A command prefix for the server JVMs, {i} replaced by the server's index 0..2.")
    private String wrap;

    @Option(names = "--cap-mbit", description = "Each server's egress cap, to report goodput against the sum of the caps.")
    private double capMbit;

    @Option(names = "--timeout-s", description = "Seconds after which a transfer is given up (default: max(60, MiB / 2)).")
    private Long timeoutSeconds;

    @Option(names = "--log-dir", description = "Server logs and thread dumps (default: a new temporary directory).")
    private Path logDir;

    @Option(names = "--primary", description = "write: the three-server primary writes its ranges as it reaches them; "
            + "reserve: it reserves them and delegates all others first (default: ${DEFAULT-VALUE}).")
    private Primary primary = Primary.write;

    @Option(names = "--trace-paths", arity = "1",
            description = "true: each path's goodput every 500 ms during the three-server downloads (default: ${DEFAULT-VALUE}).")
    private boolean tracePaths;

    @Option(names = "--stall-s", description = "Seconds without progress before thread dumps are taken (default: ${DEFAULT-VALUE}).")
    private long stallSeconds = 10;

    /** What the three-server primary does with its own ranges. */
    enum Primary {
        /** Writes them with {@code write} as it reaches them. */
        write,
        /** Reserves them, delegates all the others first, then writes its own with {@code writeAt}. */
        reserve
    }

    /**
     * Checks the values that picocli cannot and creates the log directory.
     *
     * @throws IllegalArgumentException naming the option that is wrong
     * @throws IOException if the log directory cannot be created
     */
    void validate() throws IOException {
        if (hosts().size() != 3) throw new IllegalArgumentException("--hosts needs three addresses: primary,secondary1,secondary2");
        if (range() % E2eSupport.CHUNK != 0) throw new IllegalArgumentException("--range-kib must be a multiple of 64");
        logDir = logDir == null ? Files.createTempDirectory("kwik-e2e-") : logDir;
        Files.createDirectories(logDir);
    }

    List<String> backends() {
        return List.of(backends.split(","));
    }

    long bytes() {
        return mib << 20;
    }

    int runs() {
        return runs;
    }

    int rawStreams() {
        return rawStreams;
    }

    int kwikStreams() {
        return kwikStreams;
    }

    int range() {
        return rangeKib * 1024;
    }

    long window() {
        return window;
    }

    long multiWindow() {
        return multiWindow;
    }

    int rtts() {
        return rtts;
    }

    int dials() {
        return dials;
    }

    Set<String> modes() {
        return new LinkedHashSet<>(List.of(modes.split(",")));
    }

    List<String> hosts() {
        return List.of(hosts.split(","));
    }

    String wrap() {
        return wrap;
    }

    double capMbit() {
        return capMbit;
    }

    long timeoutSeconds() {
        return timeoutSeconds != null ? timeoutSeconds : Math.max(60, mib / 2);
    }

    Path logDir() {
        return logDir;
    }

    boolean reserveFirst() {
        return primary == Primary.reserve;
    }

    boolean tracePaths() {
        return tracePaths;
    }

    long stallSeconds() {
        return stallSeconds;
    }
}
