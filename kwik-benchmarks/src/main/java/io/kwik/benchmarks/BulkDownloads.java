package io.kwik.benchmarks;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.kwik.api.Kwik;
import io.kwik.api.KwikSession;
import io.kwik.api.KwikStream;
import io.kwik.api.PathStats;
import io.kwik.spi.QuicConnection;
import io.kwik.spi.QuicStream;

/**
 * The download cases of one backend, alternating their order every run: raw QUIC over 1 and
 * over {@code --raw-streams} streams, KWIK over 1 and over {@code --kwik-streams} logical
 * streams, and KWIK from the primary and both secondaries ({@code multi}). Each counted
 * transfer also records the CPU seconds per GiB and bytes allocated per byte of every JVM.
 */
final class BulkDownloads {

    /** One timed transfer. */
    private interface Transfer {
        /** Goodput in MB/s (10^6 bytes per second). */
        double run(long bytes) throws Exception;
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

    private final BackendRun run;
    private final E2eOptions options;

    BulkDownloads(BackendRun run) {
        this.run = run;
        this.options = run.options();
    }

    /** Whether {@code modes} asks for any case of this class. */
    static boolean wanted(Set<String> modes) {
        return modes.stream().anyMatch(m -> m.startsWith("bulk")) || modes.contains("multi");
    }

    void run(Results results) throws Exception {
        Map<String, Transfer> cases = new LinkedHashMap<>();
        Set<String> modes = options.modes();
        if (modes.contains("bulk") || modes.contains("bulk1")) {
            cases.put("raw1", bytes -> rawDownload(bytes, 1));
            cases.put("kwik1", bytes -> kwikDownload(bytes, 1));
        }
        if (modes.contains("bulk") || modes.contains("bulkN")) {
            cases.put("rawN", bytes -> rawDownload(bytes, options.rawStreams()));
            cases.put("kwikN", bytes -> kwikDownload(bytes, options.kwikStreams()));
        }
        if (modes.contains("multi")) cases.put("multi", this::multiDownload);
        if (cases.containsKey("multi")) warmSecondaries();
        // warm-up: every case once, smaller, not counted
        long warmup = Math.min(options.bytes(), 32L << 20);
        for (Map.Entry<String, Transfer> c : cases.entrySet()) attempt(results, c.getKey(), "warm-up", warmup, c.getValue());
        for (int round = 1; round <= options.runs(); round++) {
            List<String> order = new ArrayList<>(cases.keySet());
            if (round % 2 == 0) Collections.reverse(order);
            StringBuilder line = new StringBuilder("run " + round + " " + run.backend() + ":");
            for (String key : order) {
                Double rate = attempt(results, key, "run " + round, options.bytes(), cases.get(key));
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
            List<ServerJvm> servers = new ArrayList<>(run.secondaries());
            servers.add(0, run.primary());
            servers.add(0, run.raw());
            Usage before = Usage.now(servers);
            double rate = transfer.run(bytes);
            Usage after = Usage.now(servers);
            if (label.equals("warm-up")) {
                System.out.printf(Locale.ROOT, "warm-up %s %s: %.1f MB/s%n", run.backend(), key, rate);
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
            String why = CaseGuard.describe(e);
            System.out.printf("%s %s %s FAILED: %s%n", label, run.backend(), key, why);
            failed.add(label + ": " + why);
            results.failures.put(key, failed.size() + " failure(s)" + (failed.size() >= 2 ? ", then dropped" : "") + "; "
                    + String.join("; ", failed));
            return null;
        }
    }

    /** Warms each secondary's JVM (handshake, streams) with a session of its own, before it is joined. */
    private void warmSecondaries() {
        for (ServerJvm secondary : run.secondaries()) {
            try (KwikSession session = Kwik.dial(secondary.address(), run.clientConfig(options.window()))) {
                KwikStream stream = session.openStreamSync();
                download(8L << 20, 1, i -> stream.outputStream(), i -> stream.inputStream(), DOWNLOAD,
                        "warm " + secondary.name(), session::close);
            } catch (Exception e) {
                System.out.printf("warming %s failed: %s%n", secondary.name(), CaseGuard.describe(e));
            }
        }
    }

    private double rawDownload(long bytes, int streams) throws Exception {
        QuicConnection connection = run.rawClient().connect(run.raw().address(), run.rawConfig()).get(30, TimeUnit.SECONDS);
        try {
            List<QuicStream> opened = new ArrayList<>();
            for (int i = 0; i < streams; i++) opened.add(connection.openBidirectionalStream().get(30, TimeUnit.SECONDS));
            return download(bytes, streams, i -> opened.get(i).output(), i -> opened.get(i).input(), DOWNLOAD,
                    "raw " + streams, connection::close);
        } finally {
            connection.close();
        }
    }

    private double kwikDownload(long bytes, int streams) throws Exception {
        try (KwikSession session = Kwik.dial(run.primary().address(), run.clientConfig(options.window()))) {
            List<KwikStream> opened = new ArrayList<>();
            for (int i = 0; i < streams; i++) opened.add(session.openStreamSync());
            return download(bytes, streams, i -> opened.get(i).outputStream(), i -> opened.get(i).inputStream(), DOWNLOAD,
                    "kwik " + streams, session::close);
        }
    }

    private double multiDownload(long bytes) throws Exception {
        try (KwikSession session = Kwik.dial(run.primary().address(), run.clientConfig(options.multiWindow()))) {
            // ask the primary to add both secondaries as paths of this session
            KwikStream control = session.openStreamSync();
            DataOutputStream request = new DataOutputStream(control.outputStream());
            request.write(E2eSupport.OP_ADD_PATHS);
            request.writeInt(run.secondaries().size());
            for (ServerJvm secondary : run.secondaries()) {
                request.writeUTF(secondary.address().getAddress().getHostAddress());
                request.writeInt(secondary.address().getPort());
            }
            control.shutdownOutput();
            long start = System.nanoTime();
            List<String> answers = run.guard().within(Math.min(60, options.timeoutSeconds()), "adding paths", session::close, () -> {
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
            for (Map.Entry<String, PathStats> path : new TreeMap<>(session.stats().paths()).entrySet()) {
                perPath.append(String.format(Locale.ROOT, " %s %.1f MiB", path.getKey(), path.getValue().bytesReceived() / 1048576.0));
            }
            System.out.printf(Locale.ROOT, "  multi: addPath x%d took %.1f ms; received per path:%s%n", answers.size(),
                    addPathMillis, perPath);
            return rate;
        }
    }

    /** Every 500 ms, the bytes each path delivered since the last line, as MB/s. */
    private static void tracePaths(KwikSession session) {
        Map<String, Long> last = new TreeMap<>();
        long start = System.nanoTime();
        try {
            while (!Thread.currentThread().isInterrupted()) {
                Thread.sleep(500);
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  t=%5.1fs", (System.nanoTime() - start) / 1e9));
                for (Map.Entry<String, PathStats> path : new TreeMap<>(session.stats().paths()).entrySet()) {
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

    /**
     * One timed download over {@code streams} streams of {@code bytes / streams} bytes each:
     * from the first request to the last byte, every byte checked.
     */
    private double download(long bytes, int streams, Io<OutputStream> outputs, Io<InputStream> inputs, Request request,
                            String label, Runnable abort) throws Exception {
        long perStream = bytes / streams;
        AtomicLong progress = new AtomicLong();
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
        Thread watchdog = run.guard().watch(label, progress, bytes, all);
        long total = 0;
        try {
            for (CompletableFuture<Long> stream : received) {
                total += run.guard().awaitStream(stream, deadline, label, abort);
            }
        } finally {
            watchdog.interrupt();
        }
        long elapsed = System.nanoTime() - start;
        if (total != perStream * streams) {
            throw new CaseFailed(label + ": received " + total + " of " + perStream * streams + " bytes" + run.guard().serverLogs(),
                    null);
        }
        return total / 1e6 / (elapsed / 1e9);
    }
}
