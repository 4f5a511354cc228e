package io.kwik.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import io.kwik.spi.QuicTransport;
import io.kwik.spi.TransportContext;
import picocli.CommandLine;

/**
 * End to end, separate JVMs: this JVM is the client; every server is a JVM of its own
 * ({@link E2eServer}), started by {@link ServerJvms} with the same java binary and class path, on the addresses
 * given (loopback by default). Per backend it starts a raw QUIC server and three KWIK servers
 * (a primary and two secondaries sharing one path token key), then measures, alternating the
 * compared cases in every round:
 * <ol>
 *   <li>{@link BulkDownloads}: downloads of {@code --mib} MiB: raw QUIC (through the SPI) over 1 and over
 *       {@code --raw-streams} streams, KWIK over 1 and over {@code --kwik-streams} logical
 *       streams, and KWIK with the primary and both secondaries ({@code addPath}, then one
 *       stream whose ranges the primary writes or delegates in turn);</li>
 *   <li>{@link RoundTrips}: 64-byte echo round trips on one raw stream and on one KWIK stream;</li>
 *   <li>{@link Dials}: {@code Kwik.dial} until it returns an authenticated session, against the raw
 *       QUIC handshake ({@code transport.connect}) on a shared transport and on a fresh one
 *       (as {@code Kwik.dial} creates one per session).</li>
 * </ol>
 * Then it prints a table of medians with the ratios ({@link E2eReport}). Every server is stopped on exit,
 * forcibly when it does not go. A case that fails is reported and tried again in the next
 * round; after two failures it is dropped. A transfer that makes no progress for
 * {@code --stall-s} gets thread dumps (virtual threads included) of every JVM, and one not done
 * after {@code --timeout-s} is given up.
 *
 * <pre>
 *   java -cp ... io.kwik.benchmarks.E2eHarness [--option=value ...]     (--help lists them)
 * </pre>
 * Options ({@link E2eOptions}), with their defaults:
 * <ul>
 *   <li>{@code --backends=kwik,netty}, {@code --mib=256}, {@code --runs=5},
 *       {@code --raw-streams=4}, {@code --kwik-streams=16};</li>
 *   <li>{@code --modes=bulk,multi,rtt,dial} ({@code bulk1} or {@code bulkN} for one half of
 *       {@code bulk});</li>
 *   <li>{@code --window=1048576}: the client's KWIK stream window for single-path KWIK (the
 *       KWIK default); {@code --multi-window=8388608} for the three-server case, which needs
 *       several ranges in flight; {@code --range-kib=1024}: the interleaved ranges;</li>
 *   <li>{@code --primary=write}: the three-server primary writes its own ranges with
 *       {@code write} as it reaches them; {@code reserve}: it reserves them, delegates all the
 *       others first, then writes its own with {@code writeAt};</li>
 *   <li>{@code --rtts=10000}, {@code --dials=50};</li>
 *   <li>{@code --hosts=127.0.0.1,127.0.0.1,127.0.0.1}: the primary's (and the raw server's)
 *       address, then each secondary's; {@code --wrap=}: a command prefix for the server JVMs,
 *       {@code {i}} replaced by the server's index 0..2, e.g. {@code ip netns exec s{i}};
 *       {@code --cap-mbit=}: each server's egress cap, to report goodput against the sum of
 *       the caps;</li>
 *   <li>{@code --trace-paths=false}: true prints each path's goodput every 500 ms during the
 *       three-server downloads, and has the primary log its path figures as often; {@code --stall-s=10}; {@code --timeout-s=max(60, MiB / 2)};
 *       {@code --log-dir=}: server logs and thread dumps, a new temporary directory by
 *       default.</li>
 *   <li>JVM option {@code -De2e.serverRecordings=<directory>}: each server JVM records a JFR
 *       profile into {@code <directory>/<server name>.jfr}, written when it exits.</li>
 * </ul>
 */
public final class E2eHarness {

    private final E2eOptions options;
    private final E2eSupport.Credentials credentials;
    private final ServerJvms servers;
    private final CaseGuard guard;

    private E2eHarness(E2eOptions options, E2eSupport.Credentials credentials, ServerJvms servers) {
        this.options = options;
        this.credentials = credentials;
        this.servers = servers;
        this.guard = new CaseGuard(options, servers);
    }

    public static void main(String[] args) throws Exception {
        E2eOptions options = new E2eOptions();
        CommandLine cli = new CommandLine(options);
        cli.setOverwrittenOptionsAllowed(true);
        try {
            cli.parseArgs(args);
            if (cli.isUsageHelpRequested()) {
                cli.usage(System.out);
                return;
            }
            options.validate();
        } catch (CommandLine.ParameterException | IllegalArgumentException e) {
            System.err.println(e.getMessage());
            cli.usage(System.err);
            System.exit(2);
        }
        Path credentialsDir = options.logDir().resolve("credentials");
        ServerJvms servers = new ServerJvms(options, credentialsDir);
        Runtime.getRuntime().addShutdownHook(new Thread(servers::stopAll, "stop-servers"));
        Files.createDirectories(credentialsDir);
        E2eSupport.Credentials credentials = E2eSupport.generate(options.hosts());
        E2eSupport.write(credentials, credentialsDir);
        E2eHarness harness = new E2eHarness(options, credentials, servers);
        int status = 0;
        try {
            String loadBefore = E2eReport.loadAverage();
            List<String> tables = new ArrayList<>();
            for (String backend : options.backends()) tables.add(harness.runBackend(backend));
            String loadAfter = E2eReport.loadAverage();
            System.out.printf(Locale.ROOT, "%n==== End to end, separate JVMs: %s, %d cores, %s ====%n", Instant.now(),
                    Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.version"));
            System.out.printf(Locale.ROOT, "load average before: %s; after: %s; logs: %s%n", loadBefore, loadAfter, options.logDir());
            tables.forEach(System.out::print);
        } catch (Exception e) {
            e.printStackTrace();
            status = 1;
        } finally {
            servers.stopAll();
        }
        System.exit(status);
    }

    /** Starts one backend's servers, runs the modes asked for against them, stops them, and returns the table. */
    private String runBackend(String backend) throws Exception {
        String loadBefore = E2eReport.loadAverage();
        System.out.printf("%n=== backend %s, load average %s ===%n", backend, loadBefore);
        Set<String> modes = options.modes();
        ServerJvm raw = servers.start(backend + "-raw", "raw", backend, 0);
        ServerJvm primary = servers.start(backend + "-primary", "kwik", backend, 0);
        ServerJvm secondary1 = modes.contains("multi") ? servers.start(backend + "-secondary1", "kwik", backend, 1) : null;
        ServerJvm secondary2 = modes.contains("multi") ? servers.start(backend + "-secondary2", "kwik", backend, 2) : null;
        Results results = new Results();
        try (QuicTransport rawClient = E2eSupport.provider(backend).create(TransportContext.of("e2e-raw-client"))) {
            BackendRun run = new BackendRun(backend, options, credentials, guard, rawClient, raw, primary,
                    secondary1 == null ? List.of() : List.of(secondary1, secondary2));
            if (BulkDownloads.wanted(modes)) new BulkDownloads(run).run(results);
            if (modes.contains("rtt")) new RoundTrips(run).run(results);
            if (modes.contains("dial")) new Dials(run).run(results);
        } finally {
            for (ServerJvm server : new ServerJvm[] {raw, primary, secondary1, secondary2}) if (server != null) servers.stop(server);
        }
        return new E2eReport(options).table(backend, results, loadBefore, E2eReport.loadAverage());
    }
}
