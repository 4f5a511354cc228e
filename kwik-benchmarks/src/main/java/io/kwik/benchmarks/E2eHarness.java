package io.kwik.benchmarks;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.kwik.api.ClientConfig;
import io.kwik.api.Kwik;
import io.kwik.api.KwikConfig;
import io.kwik.api.KwikSession;
import io.kwik.api.KwikStream;
import io.kwik.api.PathStats;
import io.kwik.spi.ClientTransportConfig;
import io.kwik.spi.QuicConnection;
import io.kwik.spi.QuicStream;
import io.kwik.spi.QuicTransport;
import io.kwik.spi.TransportContext;

/**
 * End to end, separate JVMs: this JVM is the client; every server is a JVM of its own
 * ({@link E2eServer}), started here with the same java binary and class path, on the addresses
 * given (loopback by default). Per backend it starts a raw QUIC server and three KWIK servers
 * (a primary and two secondaries sharing one path token key), then measures, alternating the
 * compared cases in every round:
 * <ol>
 *   <li>downloads of {@code --mib} MiB: raw QUIC (through the SPI) over 1 and over
 *       {@code --raw-streams} streams, KWIK over 1 and over {@code --kwik-streams} logical
 *       streams, and KWIK with the primary and both secondaries ({@code addPath}, then one
 *       stream whose ranges the primary writes or delegates in turn);</li>
 *   <li>64-byte echo round trips on one raw stream and on one KWIK stream;</li>
 *   <li>dialing: {@code Kwik.dial} until it returns an authenticated session, against the raw
 *       QUIC handshake ({@code transport.connect}) on a shared transport and on a fresh one
 *       (as {@code Kwik.dial} creates one per session), and through one shared {@code KwikClient}
 *       ({@link SharedClientDials}), with the live threads per session for both (20 open at once).</li>
 * </ol>
 * Then it prints a table of medians with the ratios. Every server is stopped on exit,
 * forcibly when it does not go. A case that fails is reported and tried again in the next
 * round; after two failures it is dropped. A transfer that makes no progress for
 * {@code --stall-s} gets thread dumps (virtual threads included) of every JVM, and one not done
 * after {@code --timeout-s} is given up.
 *
 * <pre>
 *   java -cp ... io.kwik.benchmarks.E2eHarness [--option=value ...]
 * </pre>
 * Options, with their defaults:
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

    private record Options(List<String> backends, long bytes, int runs, int rawStreams, int kwikStreams, int range,
                           long window, long multiWindow, int rtts, int dials, Set<String> modes, List<String> hosts,
                           String wrap, double capMbit, long timeoutSeconds, Path logDir, boolean reserveFirst,
                           boolean tracePaths, long stallSeconds) {

        static Options parse(String[] args) throws IOException {
            Map<String, String> values = new LinkedHashMap<>();
            for (String arg : args) {
                if (!arg.startsWith("--") || arg.indexOf('=') < 0) throw new IllegalArgumentException("expected --option=value: " + arg);
                values.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
            }
            Set<String> known = Set.of("backends", "mib", "runs", "raw-streams", "kwik-streams", "range-kib", "window",
                    "multi-window", "rtts", "dials", "modes", "hosts", "wrap", "cap-mbit", "timeout-s", "log-dir", "primary",
                    "trace-paths", "stall-s");
            for (String key : values.keySet()) if (!known.contains(key)) throw new IllegalArgumentException("unknown option --" + key);
            long mib = Long.parseLong(values.getOrDefault("mib", "256"));
            List<String> hosts = List.of(values.getOrDefault("hosts", "127.0.0.1,127.0.0.1,127.0.0.1").split(","));
            if (hosts.size() != 3) throw new IllegalArgumentException("--hosts needs three addresses: primary,secondary1,secondary2");
            int range = Integer.parseInt(values.getOrDefault("range-kib", "1024")) * 1024;
            if (range % E2eSupport.CHUNK != 0) throw new IllegalArgumentException("--range-kib must be a multiple of 64");
            Path logDir = values.containsKey("log-dir") ? Path.of(values.get("log-dir"))
                    : Files.createTempDirectory("kwik-e2e-");
            Files.createDirectories(logDir);
            return new Options(List.of(values.getOrDefault("backends", "kwik,netty").split(",")), mib << 20,
                    Integer.parseInt(values.getOrDefault("runs", "5")),
                    Integer.parseInt(values.getOrDefault("raw-streams", "4")),
                    Integer.parseInt(values.getOrDefault("kwik-streams", "16")), range,
                    Long.parseLong(values.getOrDefault("window", Long.toString(KwikConfig.DEFAULT_STREAM_RECEIVE_WINDOW))),
                    Long.parseLong(values.getOrDefault("multi-window", Long.toString(8L << 20))),
                    Integer.parseInt(values.getOrDefault("rtts", "10000")),
                    Integer.parseInt(values.getOrDefault("dials", "50")),
                    new LinkedHashSet<>(List.of(values.getOrDefault("modes", "bulk,multi,rtt,dial").split(","))),
                    hosts, values.get("wrap"), Double.parseDouble(values.getOrDefault("cap-mbit", "0")),
                    Long.parseLong(values.getOrDefault("timeout-s", Long.toString(Math.max(60, mib / 2)))), logDir,
                    switch (values.getOrDefault("primary", "write")) {
                        case "write" -> false;
                        case "reserve" -> true;
                        default -> throw new IllegalArgumentException("--primary must be write or reserve");
                    }, Boolean.parseBoolean(values.getOrDefault("trace-paths", "false")),
                    Long.parseLong(values.getOrDefault("stall-s", "10")));
        }
    }

    /** A server JVM. */
    private static final class Server {
        final String name;
        final Process process;
        final Path log;
        final InetSocketAddress address;
        final java.util.concurrent.BlockingQueue<String> usages;

        Server(String name, Process process, Path log, InetSocketAddress address, java.util.concurrent.BlockingQueue<String> usages) {
            this.name = name;
            this.process = process;
            this.log = log;
            this.address = address;
            this.usages = usages;
        }

        /** The server's CPU nanos and allocated bytes so far ({@link E2eSupport#usage()}), asked on its stdin. */
        synchronized long[] usage() throws IOException, InterruptedException {
            usages.clear();
            OutputStream in = process.getOutputStream();
            in.write("usage\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
            String line = usages.poll(30, TimeUnit.SECONDS);
            if (line == null) throw new IOException(name + " did not report its usage");
            String[] fields = line.trim().split(" ");
            return new long[] {Long.parseLong(fields[0]), Long.parseLong(fields[1])};
        }
    }

    /** CPU and allocation of every JVM of a run at one moment: the client first, then each server. */
    private record Usage(long clientCpuNanos, long clientAllocated, long serversCpuNanos, long serversAllocated) {
        static Usage now(List<Server> servers) throws IOException, InterruptedException {
            String[] client = E2eSupport.usage().split(" ");
            long cpu = 0;
            long allocated = 0;
            for (Server server : servers) {
                long[] usage = server.usage();
                cpu += usage[0];
                allocated += usage[1];
            }
            return new Usage(Long.parseLong(client[0]), Long.parseLong(client[1]), cpu, allocated);
        }
    }

    /** A case that failed or stalled; the harness reports it and goes on without it. */
    private static final class CaseFailed extends Exception {
        CaseFailed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static final List<Server> SERVERS = new CopyOnWriteArrayList<>();

    private final Options options;
    private final E2eSupport.Credentials credentials;
    private final Path credentialsDir;
    private int dumps;

    private E2eHarness(Options options, E2eSupport.Credentials credentials, Path credentialsDir) {
        this.options = options;
        this.credentials = credentials;
        this.credentialsDir = credentialsDir;
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        Runtime.getRuntime().addShutdownHook(new Thread(E2eHarness::stopAll, "stop-servers"));
        Path credentialsDir = options.logDir().resolve("credentials");
        Files.createDirectories(credentialsDir);
        E2eSupport.Credentials credentials = E2eSupport.generate(options.hosts());
        E2eSupport.write(credentials, credentialsDir);
        E2eHarness harness = new E2eHarness(options, credentials, credentialsDir);
        int status = 0;
        try {
            String loadBefore = loadAverage();
            List<String> tables = new ArrayList<>();
            for (String backend : options.backends()) tables.add(harness.runBackend(backend));
            String loadAfter = loadAverage();
            System.out.printf(Locale.ROOT, "%n==== End to end, separate JVMs: %s, %d cores, %s ====%n", Instant.now(),
                    Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.version"));
            System.out.printf(Locale.ROOT, "load average before: %s; after: %s; logs: %s%n", loadBefore, loadAfter, options.logDir());
            tables.forEach(System.out::print);
        } catch (Exception e) {
            e.printStackTrace();
            status = 1;
        } finally {
            stopAll();
        }
        System.exit(status);
    }

    // ---------------------------------------------------------------- server JVMs

    private Server start(String name, String role, String backend, int index) throws IOException {
        String host = options.hosts().get(index);
        List<String> command = new ArrayList<>();
        if (options.wrap() != null && !options.wrap().isBlank()) {
            command.addAll(List.of(options.wrap().replace("{i}", Integer.toString(index)).trim().split("\\s+")));
        }
        command.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String argument : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // the same JVM options, except those that must not be shared (debugger, recordings, agents)
            if (argument.startsWith("-agentlib") || argument.startsWith("-javaagent") || argument.startsWith("-XX:StartFlightRecording")
                    || argument.startsWith("-XX:FlightRecorderOptions")) continue;
            command.add(argument);
        }
        String recordings = System.getProperty("e2e.serverRecordings");
        if (recordings != null) {
            // a profile of each server, written when it exits: -De2e.serverRecordings=<directory> on the harness
            command.add("-XX:StartFlightRecording=settings=profile,filename=" + Path.of(recordings, name + ".jfr"));
        }
        String modulePath = System.getProperty("jdk.module.path");
        if (modulePath != null && !modulePath.isEmpty()) {
            command.addAll(List.of("--module-path", modulePath, "--add-modules", "ALL-MODULE-PATH"));
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), E2eServer.class.getName(),
                role, backend, host, credentialsDir.toString(), name));
        Path log = options.logDir().resolve(name + ".log");
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        java.util.concurrent.BlockingQueue<String> usages = new java.util.concurrent.LinkedBlockingQueue<>();
        Thread.ofPlatform().daemon().name(name + "-stdout").start(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    if (!port.isDone() && line.startsWith("PORT ")) port.complete(Integer.parseInt(line.substring(5).trim()));
                    else if (line.startsWith("USAGE ")) usages.add(line.substring(6));
                    else Files.writeString(log, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                }
            } catch (IOException | RuntimeException e) {
                port.completeExceptionally(e);
            }
            port.completeExceptionally(new IOException(name + " ended without printing its port"));
        });
        Server server;
        try {
            server = new Server(name, process, log, new InetSocketAddress(E2eSupport.address(host), port.get(60, TimeUnit.SECONDS)),
                    usages);
        } catch (ExecutionException | TimeoutException | InterruptedException e) {
            stop(new Server(name, process, log, null, usages));
            throw new IOException("server " + name + " did not start (" + e + "); command " + command + "; log " + log
                    + ":\n" + tail(log), e);
        }
        SERVERS.add(server);
        System.out.printf("started %s (pid %d) on %s, log %s%n", name, process.pid(), hostPort(server.address), log);
        return server;
    }

    private static String hostPort(InetSocketAddress address) {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }

    private static void stop(Server server) {
        Process process = server.process;
        try {
            if (process.isAlive()) {
                try (OutputStream in = process.getOutputStream()) {
                    in.write("quit\n".getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    // already gone
                }
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroy);
                    process.destroy();
                    if (!process.waitFor(3, TimeUnit.SECONDS)) {
                        process.descendants().forEach(ProcessHandle::destroyForcibly);
                        process.destroyForcibly();
                        process.waitFor(3, TimeUnit.SECONDS);
                    }
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
        }
        SERVERS.remove(server);
    }

    private static void stopAll() {
        for (Server server : List.copyOf(SERVERS)) stop(server);
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Thread dumps (virtual threads included) of every server JVM and of this one, for a stall. */
    private String dumpThreads(String label) {
        List<String> files = new ArrayList<>();
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Map<String, Long> pids = new LinkedHashMap<>();
        pids.put("client", ProcessHandle.current().pid());
        for (Server server : SERVERS) pids.put(server.name, server.process.pid());
        int dump = ++dumps;
        for (Map.Entry<String, Long> jvm : pids.entrySet()) {
            Path file = options.logDir().resolve("dump-" + dump + "-" + label + "-" + jvm.getKey() + ".txt");
            try {
                Process p = new ProcessBuilder(jcmd.toString(), Long.toString(jvm.getValue()), "Thread.dump_to_file", "-format=text",
                        file.toString()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (p.waitFor(30, TimeUnit.SECONDS)) files.add(file.toString());
                else p.destroyForcibly();
            } catch (IOException | InterruptedException e) {
                files.add("(no dump of " + jvm.getKey() + ": " + e + ")");
            }
        }
        return String.join(", ", files);
    }

    // ---------------------------------------------------------------- one backend

    private String runBackend(String backend) throws Exception {
        String loadBefore = loadAverage();
        System.out.printf("%n=== backend %s, load average %s ===%n", backend, loadBefore);
        Server raw = start(backend + "-raw", "raw", backend, 0);
        Server primary = start(backend + "-primary", "kwik", backend, 0);
        Server secondary1 = options.modes().contains("multi") ? start(backend + "-secondary1", "kwik", backend, 1) : null;
        Server secondary2 = options.modes().contains("multi") ? start(backend + "-secondary2", "kwik", backend, 2) : null;
        Results results = new Results();
        try (QuicTransport rawClient = E2eSupport.provider(backend).create(TransportContext.of("e2e-raw-client"))) {
            Bulk bulk = new Bulk(backend, rawClient, raw, primary, secondary1 == null ? List.of() : List.of(secondary1, secondary2));
            if (options.modes().stream().anyMatch(m -> m.startsWith("bulk")) || options.modes().contains("multi")) bulk.run(results);
            if (options.modes().contains("rtt")) roundTrips(backend, rawClient, raw, primary, results);
            if (options.modes().contains("dial")) dials(backend, rawClient, raw, primary, results);
        } finally {
            for (Server server : new Server[] {raw, primary, secondary1, secondary2}) if (server != null) stop(server);
        }
        return table(backend, results, loadBefore, loadAverage());
    }

    private static final class Results {
        final Map<String, List<Double>> values = new LinkedHashMap<>();
        final Map<String, String> failures = new LinkedHashMap<>();
        final Map<String, List<String>> failed = new LinkedHashMap<>();
        final List<String> notes = new ArrayList<>();

        void add(String key, double value) {
            values.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
        }

        Double median(String key) {
            List<Double> list = values.get(key);
            return list == null || list.isEmpty() ? null : percentile(list, 50);
        }

        Double percentile(String key, double p) {
            List<Double> list = values.get(key);
            return list == null || list.isEmpty() ? null : percentile(list, p);
        }

        static double percentile(List<Double> values, double p) {
            double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            if (p == 50 && sorted.length % 2 == 0) return (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
            int index = (int) Math.ceil(p / 100 * sorted.length) - 1;
            return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
        }
    }

    // ---------------------------------------------------------------- bulk downloads

    private interface Transfer {
        /** Goodput in MB/s (10^6 bytes per second). */
        double run(long bytes) throws Exception;
    }

    private final class Bulk {
        final String backend;
        final QuicTransport rawClient;
        final Server raw;
        final Server primary;
        final List<Server> secondaries;

        Bulk(String backend, QuicTransport rawClient, Server raw, Server primary, List<Server> secondaries) {
            this.backend = backend;
            this.rawClient = rawClient;
            this.raw = raw;
            this.primary = primary;
            this.secondaries = secondaries;
        }

        void run(Results results) throws Exception {
            Map<String, Transfer> cases = new LinkedHashMap<>();
            if (options.modes().contains("bulk") || options.modes().contains("bulk1")) {
                cases.put("raw1", bytes -> rawDownload(bytes, 1));
                cases.put("kwik1", bytes -> kwikDownload(bytes, 1));
            }
            if (options.modes().contains("bulk") || options.modes().contains("bulkN")) {
                cases.put("rawN", bytes -> rawDownload(bytes, options.rawStreams()));
                cases.put("kwikN", bytes -> kwikDownload(bytes, options.kwikStreams()));
            }
            if (options.modes().contains("multi")) cases.put("multi", this::multiDownload);
            if (cases.containsKey("multi")) warmSecondaries();
            // warm-up: every case once, smaller, not counted
            long warmup = Math.min(options.bytes(), 32L << 20);
            for (Map.Entry<String, Transfer> c : cases.entrySet()) attempt(results, c.getKey(), "warm-up", warmup, c.getValue());
            for (int run = 1; run <= options.runs(); run++) {
                List<String> order = new ArrayList<>(cases.keySet());
                if (run % 2 == 0) Collections.reverse(order);
                StringBuilder line = new StringBuilder("run " + run + " " + backend + ":");
                for (String key : order) {
                    Double rate = attempt(results, key, "run " + run, options.bytes(), cases.get(key));
                    if (rate != null) {
                        results.add(key, rate);
                        List<Double> cpu = results.values.get(key + "-cpu");
                        List<Double> alloc = results.values.get(key + "-alloc");
                        List<Double> clientCpu = results.values.get(key + "-cpu-client");
                        List<Double> clientAlloc = results.values.get(key + "-alloc-client");
                        line.append(String.format(Locale.ROOT, " %s %.1f MB/s %.2f s/GiB %.2f B/B (client %.2f s/GiB %.2f B/B);",
                                key, rate, cpu.get(cpu.size() - 1), alloc.get(alloc.size() - 1),
                                clientCpu.get(clientCpu.size() - 1), clientAlloc.get(clientAlloc.size() - 1)));
                    }
                }
                System.out.println(line);
            }
        }

        /** Runs a case unless it failed twice already; failures are recorded, and the table says so. */
        private Double attempt(Results results, String key, String label, long bytes, Transfer transfer) {
            List<String> failed = results.failed.computeIfAbsent(key, k -> new ArrayList<>());
            if (failed.size() >= 2) return null;
            try {
                List<Server> servers = new ArrayList<>(secondaries);
                servers.add(0, primary);
                servers.add(0, raw);
                Usage before = Usage.now(servers);
                double rate = transfer.run(bytes);
                Usage after = Usage.now(servers);
                if (label.equals("warm-up")) {
                    System.out.printf(Locale.ROOT, "warm-up %s %s: %.1f MB/s%n", backend, key, rate);
                } else {
                    // CPU seconds per GiB moved and bytes allocated per byte moved, every JVM of the run together
                    double gib = bytes / (double) (1L << 30);
                    long clientCpu = after.clientCpuNanos() - before.clientCpuNanos();
                    long serversCpu = after.serversCpuNanos() - before.serversCpuNanos();
                    long allocated = after.clientAllocated() - before.clientAllocated() + after.serversAllocated() - before.serversAllocated();
                    results.add(key + "-cpu", (clientCpu + serversCpu) / 1e9 / gib);
                    results.add(key + "-cpu-client", clientCpu / 1e9 / gib);
                    results.add(key + "-cpu-servers", serversCpu / 1e9 / gib);
                    results.add(key + "-alloc", allocated / (double) bytes);
                    results.add(key + "-alloc-client", (after.clientAllocated() - before.clientAllocated()) / (double) bytes);
                }
                return rate;
            } catch (Exception e) {
                String why = describe(e);
                System.out.printf("%s %s %s FAILED: %s%n", label, backend, key, why);
                failed.add(label + ": " + why);
                results.failures.put(key, failed.size() + " failure(s)" + (failed.size() >= 2 ? ", then dropped" : "") + "; "
                        + String.join("; ", failed));
                return null;
            }
        }

        /** Warms each secondary's JVM (handshake, streams) with a session of its own, before it is joined. */
        private void warmSecondaries() {
            for (Server secondary : secondaries) {
                try (KwikSession session = Kwik.dial(secondary.address, clientConfig(backend, options.window()))) {
                    KwikStream stream = session.openStreamSync();
                    download(8L << 20, 1, i -> stream.outputStream(), i -> stream.inputStream(), DOWNLOAD,
                            "warm " + secondary.name, session::close);
                } catch (Exception e) {
                    System.out.printf("warming %s failed: %s%n", secondary.name, describe(e));
                }
            }
        }

        double rawDownload(long bytes, int streams) throws Exception {
            QuicConnection connection = rawClient.connect(raw.address, new ClientTransportConfig(E2eSupport.RAW_ALPN,
                    raw.address.getAddress().getHostAddress(), credentials.chain(), false, E2eSupport.RAW_LIMITS))
                    .get(30, TimeUnit.SECONDS);
            try {
                List<QuicStream> opened = new ArrayList<>();
                for (int i = 0; i < streams; i++) opened.add(connection.openBidirectionalStream().get(30, TimeUnit.SECONDS));
                return download(bytes, streams, i -> opened.get(i).output(), i -> opened.get(i).input(), DOWNLOAD,
                        "raw " + streams, connection::close);
            } finally {
                connection.close();
            }
        }

        double kwikDownload(long bytes, int streams) throws Exception {
            try (KwikSession session = Kwik.dial(primary.address, clientConfig(backend, options.window()))) {
                List<KwikStream> opened = new ArrayList<>();
                for (int i = 0; i < streams; i++) opened.add(session.openStreamSync());
                return download(bytes, streams, i -> opened.get(i).outputStream(), i -> opened.get(i).inputStream(), DOWNLOAD,
                        "kwik " + streams, session::close);
            }
        }

        double multiDownload(long bytes) throws Exception {
            try (KwikSession session = Kwik.dial(primary.address, clientConfig(backend, options.multiWindow()))) {
                // ask the primary to add both secondaries as paths of this session
                KwikStream control = session.openStreamSync();
                DataOutputStream request = new DataOutputStream(control.outputStream());
                request.write(E2eSupport.OP_ADD_PATHS);
                request.writeInt(secondaries.size());
                for (Server secondary : secondaries) {
                    request.writeUTF(secondary.address.getAddress().getHostAddress());
                    request.writeInt(secondary.address.getPort());
                }
                control.shutdownOutput();
                long start = System.nanoTime();
                List<String> answers = within(Math.min(60, options.timeoutSeconds()), "adding paths", session::close, () -> {
                    DataInputStream in = new DataInputStream(control.inputStream());
                    List<String> list = new ArrayList<>();
                    for (int i = in.readInt(); i > 0; i--) list.add(in.readUTF());
                    return list;
                });
                double addPathMillis = (System.nanoTime() - start) / 1e6;
                for (String answer : answers) {
                    if (!answer.startsWith("OK")) throw new CaseFailed("the primary could not add a path: " + answer, null);
                }
                KwikStream stream = session.openStreamSync();
                Thread tracer = options.tracePaths() ? Thread.ofVirtual().name("trace-paths").start(() -> tracePaths(session)) : null;
                double rate;
                try {
                    rate = download(bytes, 1, i -> stream.outputStream(), i -> stream.inputStream(), (out, length) -> {
                    out.write(E2eSupport.OP_MULTI);
                    out.writeLong(length);
                    out.writeInt(options.range());
                    out.writeBoolean(options.reserveFirst());
                    out.writeBoolean(options.tracePaths());
                    }, "multi", session::close);
                } finally {
                    if (tracer != null) tracer.interrupt();
                }
                StringBuilder perPath = new StringBuilder();
                for (Map.Entry<String, PathStats> path : new java.util.TreeMap<>(session.stats().paths()).entrySet()) {
                    perPath.append(String.format(Locale.ROOT, " %s %.1f MiB", path.getKey(), path.getValue().bytesReceived() / 1048576.0));
                }
                System.out.printf(Locale.ROOT, "  multi: addPath x%d took %.1f ms; received per path:%s%n", answers.size(),
                        addPathMillis, perPath);
                return rate;
            }
        }
    }

    /** Every 500 ms, the bytes each path delivered since the last line, as MB/s. */
    private static void tracePaths(KwikSession session) {
        Map<String, Long> last = new java.util.TreeMap<>();
        long start = System.nanoTime();
        try {
            while (!Thread.currentThread().isInterrupted()) {
                Thread.sleep(500);
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  t=%5.1fs", (System.nanoTime() - start) / 1e9));
                for (Map.Entry<String, PathStats> path : new java.util.TreeMap<>(session.stats().paths()).entrySet()) {
                    long received = path.getValue().bytesReceived();
                    long before = last.getOrDefault(path.getKey(), 0L);
                    last.put(path.getKey(), received);
                    line.append(String.format(Locale.ROOT, " %s %5.1f", path.getKey(), (received - before) / 1e6 / 0.5));
                }
                System.out.println(line + " MB/s");
            }
        } catch (InterruptedException | RuntimeException e) {
            // the transfer is over
        }
    }

    private interface Io<T> {
        T get(int index) throws IOException;
    }

    /** Writes a download request for {@code length} bytes. */
    private interface Request {
        void write(DataOutputStream out, long length) throws IOException;
    }

    private static final Request DOWNLOAD = (out, length) -> {
        out.write(E2eSupport.OP_DOWNLOAD);
        out.writeLong(length);
    };

    private ClientConfig clientConfig(String backend, long window) {
        // no serverName: the engine verifies the certificate against the address dialed
        return ClientConfig.builder().transport(backend).trustedCertificates(credentials.chain())
                .streamReceiveWindow(window).build();
    }

    /**
     * One timed download over {@code streams} streams of {@code bytes / streams} bytes each:
     * from the first request to the last byte, every byte checked.
     */
    private double download(long bytes, int streams, Io<OutputStream> outputs, Io<InputStream> inputs, Request request,
                            String label, Runnable abort) throws Exception {
        long perStream = bytes / streams;
        java.util.concurrent.atomic.AtomicLong progress = new java.util.concurrent.atomic.AtomicLong();
        long start = System.nanoTime();
        List<CompletableFuture<Long>> received = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            int index = i;
            received.add(CompletableFuture.supplyAsync(() -> {
                try {
                    DataOutputStream out = new DataOutputStream(outputs.get(index));
                    request.write(out, perStream);
                    out.flush();
                    out.close();
                    return E2eSupport.readPattern(inputs.get(index), progress);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, runnable -> Thread.ofVirtual().name("download-" + index).start(runnable)));
        }
        long deadline = start + TimeUnit.SECONDS.toNanos(options.timeoutSeconds());
        CompletableFuture<Void> all = CompletableFuture.allOf(received.toArray(CompletableFuture[]::new));
        Thread watchdog = watch(label, progress, bytes, all);
        long total = 0;
        try {
            for (CompletableFuture<Long> stream : received) {
                total += awaitStream(stream, deadline, label, abort);
            }
        } finally {
            watchdog.interrupt();
        }
        long elapsed = System.nanoTime() - start;
        if (total != perStream * streams) {
            throw new CaseFailed(label + ": received " + total + " of " + perStream * streams + " bytes" + serverLogs(), null);
        }
        return total / 1e6 / (elapsed / 1e9);
    }

    /**
     * A watchdog: when {@code progress} stays still for {@code --stall-s} before {@code done},
     * it dumps every JVM's threads, once, and says so; the caller goes on waiting.
     */
    private Thread watch(String label, java.util.concurrent.atomic.AtomicLong progress, long goal, CompletableFuture<?> done) {
        return Thread.ofVirtual().name("stall-watchdog").start(() -> {
            long seen = -1;
            long since = System.nanoTime();
            try {
                while (!done.isDone()) {
                    Thread.sleep(250);
                    long now = progress.get();
                    if (now != seen) {
                        seen = now;
                        since = System.nanoTime();
                    } else if (System.nanoTime() - since > TimeUnit.SECONDS.toNanos(options.stallSeconds())) {
                        String dumps = dumpThreads(label.replace(' ', '-') + "-no-progress");
                        System.out.printf(Locale.ROOT, "  %s: no progress for %d s at %d of %d; thread dumps: %s%n", label,
                                options.stallSeconds(), now, goal, dumps);
                        return;
                    }
                }
            } catch (InterruptedException e) {
                // done
            }
        });
    }

    private long awaitStream(CompletableFuture<Long> stream, long deadline, String label, Runnable abort) throws Exception {
        try {
            return stream.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            String dumps = dumpThreads(label.replace(' ', '-'));
            abort.run();
            throw new CaseFailed(String.format(Locale.ROOT, "stalled: %s download not done after %d s; thread dumps: %s",
                    label, options.timeoutSeconds(), dumps), e);
        } catch (ExecutionException e) {
            abort.run();
            throw new CaseFailed(label + " download failed: " + describe(e.getCause()) + serverLogs(), e.getCause());
        }
    }

    private <T> T within(long seconds, String what, Runnable abort, Callable<T> action) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread.ofVirtual().name(what).start(() -> {
            try {
                result.complete(action.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        try {
            return result.get(seconds, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            String dumps = dumpThreads(what.replace(' ', '-'));
            abort.run();
            throw new CaseFailed("stalled: " + what + " not done after " + seconds + " s; thread dumps: " + dumps, e);
        } catch (ExecutionException e) {
            abort.run();
            throw new CaseFailed(what + " failed: " + describe(e.getCause()) + serverLogs(), e.getCause());
        }
    }

    private static String serverLogs() {
        StringBuilder logs = new StringBuilder();
        for (Server server : SERVERS) {
            String tail = tail(server.log);
            List<String> errors = tail.lines().filter(l -> !l.contains(" bound to ") && !l.contains("WARNING")).toList();
            if (!errors.isEmpty()) logs.append("\n    ").append(server.name).append(" log: ")
                    .append(String.join("\n      ", errors.subList(Math.max(0, errors.size() - 4), errors.size())));
        }
        return logs.toString();
    }

    private static String describe(Throwable e) {
        if (e instanceof CaseFailed) return e.getMessage();
        if (e instanceof UncheckedIOException u) e = u.getCause();
        if (e instanceof ExecutionException && e.getCause() != null) e = e.getCause();
        return e.toString();
    }

    // ---------------------------------------------------------------- round trips

    private void roundTrips(String backend, QuicTransport rawClient, Server raw, Server primary, Results results) {
        int blocks = 5;
        int perBlock = Math.max(1, options.rtts() / blocks);
        List<String> failures = new ArrayList<>();
        EchoPair pair = null;
        try {
            for (int block = -1; block < blocks && failures.size() < 2; block++) {
                boolean rawFirst = block % 2 == 0;
                boolean warmup = block < 0;
                int count = warmup ? 2000 : perBlock;
                String what = warmup ? "echo warm-up" : "echo block " + block;
                try {
                    if (pair == null) pair = new EchoPair(backend, rawClient, raw, primary);
                    EchoPair echo = pair;
                    java.util.concurrent.atomic.AtomicLong progress = new java.util.concurrent.atomic.AtomicLong();
                    CompletableFuture<Void> done = new CompletableFuture<>();
                    Thread watchdog = watch(what, progress, 2L * count, done);
                    try {
                        // alternating blocks on the same two streams; every sample kept for the percentiles
                        within(options.timeoutSeconds(), what, echo::close, () -> {
                            List<Double> rawSamples = warmup ? null : new ArrayList<>();
                            List<Double> kwikSamples = warmup ? null : new ArrayList<>();
                            if (rawFirst) echo.raw.run(count, rawSamples, progress);
                            echo.kwik.run(count, kwikSamples, progress);
                            if (!rawFirst) echo.raw.run(count, rawSamples, progress);
                            if (!warmup) {
                                rawSamples.forEach(v -> results.add("rtt-raw", v));
                                kwikSamples.forEach(v -> results.add("rtt-kwik", v));
                            }
                            return null;
                        });
                    } finally {
                        done.complete(null);
                        watchdog.interrupt();
                    }
                } catch (Exception e) {
                    String why = describe(e);
                    System.out.printf("echo %s %s FAILED: %s%n", backend, what, why);
                    failures.add(what + ": " + why);
                    if (pair != null) pair.close();
                    pair = null; // the next block starts on a new connection and session
                }
            }
        } finally {
            if (pair != null) pair.close();
        }
        List<Double> rawSamples = results.values.getOrDefault("rtt-raw", List.of());
        if (!rawSamples.isEmpty()) {
            System.out.printf(Locale.ROOT, "echo %s: %d round trips each; p50 raw %.1f us, KWIK %.1f us%n", backend,
                    rawSamples.size(), results.median("rtt-raw"), results.median("rtt-kwik"));
        }
        if (!failures.isEmpty()) {
            results.failures.put("rtt", String.join("; ", failures) + (failures.size() >= 2 ? " (gave up)" : "")
                    + "; " + rawSamples.size() + " of " + blocks * perBlock + " round trips measured");
        }
    }

    /** A raw QUIC stream and a KWIK stream, each answered by an echoing server. */
    private final class EchoPair {
        final QuicConnection connection;
        final KwikSession session;
        final Echo raw;
        final Echo kwik;

        EchoPair(String backend, QuicTransport rawClient, Server rawServer, Server primary) throws Exception {
            connection = rawClient.connect(rawServer.address, new ClientTransportConfig(E2eSupport.RAW_ALPN,
                    rawServer.address.getAddress().getHostAddress(), credentials.chain(), false, E2eSupport.RAW_LIMITS))
                    .get(30, TimeUnit.SECONDS);
            try {
                session = Kwik.dial(primary.address, clientConfig(backend, options.window()));
                QuicStream rawStream = connection.openBidirectionalStream().get(30, TimeUnit.SECONDS);
                KwikStream kwikStream = session.openStreamSync();
                raw = new Echo(rawStream.output(), rawStream.input());
                kwik = new Echo(kwikStream.outputStream(), kwikStream.inputStream());
            } catch (Exception e) {
                connection.close();
                throw e;
            }
        }

        void close() {
            connection.close();
            session.close();
        }
    }

    private static final class Echo {
        final OutputStream out;
        final InputStream in;
        final byte[] message = new byte[64];
        final byte[] answer = new byte[64];

        Echo(OutputStream out, InputStream in) throws IOException {
            this.out = out;
            this.in = in;
            out.write(E2eSupport.OP_ECHO);
            Arrays.fill(message, (byte) 0x42);
        }

        void run(int count, List<Double> micros, java.util.concurrent.atomic.AtomicLong progress) throws IOException {
            for (int i = 0; i < count; i++) {
                message[0] = (byte) i;
                long start = System.nanoTime();
                out.write(message);
                out.flush();
                if (in.readNBytes(answer, 0, answer.length) != answer.length) throw new IOException("echo ended early");
                long elapsed = System.nanoTime() - start;
                if (!Arrays.equals(message, answer)) throw new IOException("echo answered other bytes");
                if (micros != null) micros.add(elapsed / 1e3);
                progress.incrementAndGet();
            }
        }
    }

    // ---------------------------------------------------------------- dials

    /** Sessions held open at once to count the threads a session costs. */
    private static final int THREAD_COUNT_SESSIONS = 20;

    private void dials(String backend, QuicTransport rawClient, Server raw, Server primary, Results results) {
        ClientTransportConfig rawConfig = new ClientTransportConfig(E2eSupport.RAW_ALPN, raw.address.getAddress().getHostAddress(),
                credentials.chain(), false, E2eSupport.RAW_LIMITS);
        ClientConfig kwikConfig = clientConfig(backend, options.window());
        Map<String, Callable<Double>> cases = new LinkedHashMap<>();
        cases.put("dial-raw", () -> {
            long start = System.nanoTime();
            QuicConnection connection = rawClient.connect(raw.address, rawConfig).get(30, TimeUnit.SECONDS);
            double millis = (System.nanoTime() - start) / 1e6;
            connection.close();
            return millis;
        });
        cases.put("dial-raw-fresh", () -> {
            long start = System.nanoTime();
            try (QuicTransport transport = E2eSupport.provider(backend).create(TransportContext.of("e2e-dial"))) {
                QuicConnection connection = transport.connect(raw.address, rawConfig).get(30, TimeUnit.SECONDS);
                double millis = (System.nanoTime() - start) / 1e6;
                connection.close();
                return millis;
            }
        });
        cases.put("dial-kwik", () -> {
            long start = System.nanoTime();
            try (KwikSession session = Kwik.dial(primary.address, kwikConfig)) {
                return (System.nanoTime() - start) / 1e6;
            }
        });
        int warmup = 5;
        try (SharedClientDials shared = new SharedClientDials(kwikConfig, primary.address)) {
            cases.put("dial-kwik-shared", shared.dial());
            for (int i = 0; i < warmup + options.dials(); i++) {
                List<String> order = new ArrayList<>(cases.keySet());
                if (i % 2 == 1) Collections.reverse(order);
                for (String key : order) {
                    double millis = within(60, key, () -> { }, cases.get(key));
                    if (i >= warmup) results.add(key, millis);
                }
            }
            System.out.printf(Locale.ROOT, "dial %s: %d each; p50 raw %.1f ms, raw fresh transport %.1f ms, KWIK %.1f ms%n", backend,
                    options.dials(), results.median("dial-raw"), results.median("dial-raw-fresh"), results.median("dial-kwik"));
            System.out.printf(Locale.ROOT, "dial %s: p50 KWIK through one KwikClient %.1f ms%n", backend,
                    results.median("dial-kwik-shared"));
            for (boolean sharing : new boolean[] {false, true}) {
                SharedClientDials.ThreadsPerSession threads = shared.threadsPerSession(THREAD_COUNT_SESSIONS, sharing);
                results.add(sharing ? "threads-shared" : "threads-fresh", threads.perSession());
                results.add(sharing ? "platform-shared" : "platform-fresh", threads.platformPerSession());
                System.out.printf(Locale.ROOT, "dial %s: %s: live threads %d before, %d with %d sessions open: %.2f per session;"
                        + " platform threads %d, %d: %.2f per session%n", backend, sharing ? "one KwikClient" : "Kwik.dial",
                        threads.before(), threads.after(), threads.sessions(), threads.perSession(), threads.platformBefore(),
                        threads.platformAfter(), threads.platformPerSession());
            }
        } catch (Exception e) {
            System.out.printf("dial %s FAILED: %s%n", backend, describe(e));
            results.failures.put("dial", describe(e));
        }
    }

    // ---------------------------------------------------------------- the table

    private String table(String backend, Results r, String loadBefore, String loadAfter) {
        StringBuilder t = new StringBuilder();
        java.util.function.BiConsumer<String, Object[]> row = (format, args) -> t.append(String.format(Locale.ROOT, format, args));
        t.append(String.format(Locale.ROOT, "%nbackend %s: %d MiB downloads, medians of %d runs; KWIK stream window %d KiB "
                        + "(3 servers: %d KiB, %d KiB ranges, primary %s); load average %s before, %s after%n", backend,
                options.bytes() >> 20, options.runs(), options.window() >> 10, options.multiWindow() >> 10, options.range() >> 10,
                options.reserveFirst() ? "reserves first" : "writes as it goes", loadBefore, loadAfter));
        String header = "%-40s %12s %12s %9s  %s%n";
        row.accept(header, new Object[] {"case", "raw", "KWIK", "KWIK/raw", "target"});
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

    private static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException e) {
            return "?";
        }
    }
}
