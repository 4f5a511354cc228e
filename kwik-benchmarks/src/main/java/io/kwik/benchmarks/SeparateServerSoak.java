package io.kwik.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.kwik.api.ClientConfig;
import io.kwik.api.Kwik;
import io.kwik.api.KwikClient;
import io.kwik.api.KwikSession;
import io.kwik.api.KwikStream;
import picocli.CommandLine;

/**
 * Load and soak with the server in its own JVM (an {@link E2eServer}, started as the end-to-end
 * harness starts its servers): {@code sessions} client sessions at once, each opening
 * {@code streams} streams at once, each stream echoing {@code requestBytes} random bytes
 * (SHA-256 checked), then closing; every session slot dials again at once, until
 * {@code seconds} pass. It prints sessions and streams completed, errors, and the server's live
 * threads, heap after a GC, open file descriptors and open sessions: before the clients, every
 * {@code sampleSeconds} during the run, and after the clients closed (once the server has no
 * session open, and 10 s later). The threads are all of them, virtual ones included, before
 * and 10 s after; during the run only the platform threads are counted (the census of virtual
 * threads crashed a loaded JVM, see {@code E2eServer}). At the end: sessions per second and
 * the stream times' percentiles (a stream's time is from its open to its echo checked).
 *
 * <pre>
 *   java ... io.kwik.benchmarks.SeparateServerSoak [backend=netty] [sessions=200] [streams=8] [seconds=600] [requestBytes=1048576] [sampleSeconds=30]
 * </pre>
 *
 * All clients share one {@link KwikClient} (one transport). A benchmark, not a test: nothing is
 * asserted but the echoes; a leak shows as server figures that do not return to those before.
 */
public final class SeparateServerSoak {
    private static final int CHUNK = 16 * 1024;
    /** How long to wait for the server to have no session open after the clients closed. */
    private static final Duration DRAIN = Duration.ofSeconds(90);
    /** How long the slots get to finish their sessions after the run, and again after the client closed. */
    private static final Duration FINISH = Duration.ofSeconds(120);

    private final AtomicLong sessionsDone = new AtomicLong();
    private final AtomicLong streamsDone = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicInteger clientSessionsOpen = new AtomicInteger();
    private final Queue<Long> streamNanos = new ConcurrentLinkedQueue<>();
    private volatile String firstError = "";

    private SeparateServerSoak() {}

    public static void main(String[] args) throws Exception {
        String backend = args.length > 0 ? args[0] : "netty";
        int sessions = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        int streams = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 600;
        int requestBytes = args.length > 4 ? Integer.parseInt(args[4]) : 1 << 20;
        int sampleSeconds = args.length > 5 ? Integer.parseInt(args[5]) : 30;
        int code = new SeparateServerSoak().run(backend, sessions, streams, Duration.ofSeconds(seconds), requestBytes,
                Duration.ofSeconds(sampleSeconds));
        System.exit(code);
    }

    private int run(String backend, int sessions, int streams, Duration length, int requestBytes, Duration sample)
            throws Exception {
        Path logDir = Files.createTempDirectory("kwik-soak-");
        E2eOptions options = new E2eOptions();
        new CommandLine(options).parseArgs("--log-dir=" + logDir);
        options.validate();
        Path credentialsDir = Files.createTempDirectory("kwik-soak-credentials-");
        E2eSupport.Credentials credentials = E2eSupport.generate(options.hosts());
        E2eSupport.write(credentials, credentialsDir);
        ServerJvms jvms = new ServerJvms(options, credentialsDir);
        Runtime.getRuntime().addShutdownHook(new Thread(jvms::stopAll));
        System.out.printf("soak: backend=%s sessions=%d streams/session=%d seconds=%d requestBytes=%d; server log %s%n",
                backend, sessions, streams, length.toSeconds(), requestBytes, logDir);
        ServerJvm server = jvms.start("soak-server", "kwik", backend, 0);
        try {
            ServerJvm.Stats before = server.stats(true);
            System.out.println("      t(s)  sessions  streams  errors  clientOpen | server: threads* heapMiB  fds  sessions  | load");
            System.out.println("  (* all threads, virtual ones included, before and at closed+10s; platform threads only in between)");
            print("before", before);
            ClientConfig config = ClientConfig.builder().transport(backend).trustedCertificates(credentials.chain())
                    .serverName("localhost").build();
            long start = System.nanoTime();
            long until = start + length.toNanos();
            List<Thread> slots = new ArrayList<>();
            List<Integer> threadsDuring = new ArrayList<>();
            List<Long> heapDuring = new ArrayList<>();
            List<Long> fdsDuring = new ArrayList<>();
            try (KwikClient client = Kwik.newClient(config)) {
                for (int s = 0; s < sessions; s++) {
                    slots.add(Thread.ofVirtual().name("soak-slot-" + s)
                            .start(() -> slot(client, server.address(), streams, requestBytes, until)));
                }
                while (System.nanoTime() < until) {
                    Thread.sleep(Math.min(sample.toMillis(), Math.max(1, (until - System.nanoTime()) / 1_000_000)));
                    ServerJvm.Stats during = server.stats(false);
                    threadsDuring.add(during.liveThreads());
                    heapDuring.add(during.heapBytes() >> 20);
                    fdsDuring.add(during.openFiles());
                    print(String.format("%.0f", (System.nanoTime() - start) / 1e9), during);
                }
                // each slot finishes the session it has going, if it can: a session whose streams
                // never end is counted, then closed with the client
                long finishBy = System.nanoTime() + FINISH.toNanos();
                for (Thread slot : slots) slot.join(Duration.ofNanos(Math.max(1, finishBy - System.nanoTime())));
                long stuck = slots.stream().filter(Thread::isAlive).count();
                System.out.printf("soak: %d of %d session slots still had a session going %d s after the end;"
                        + " the client now closes them%n", stuck, sessions, FINISH.toSeconds());
            }
            long closeBy = System.nanoTime() + FINISH.toNanos();
            for (Thread slot : slots) slot.join(Duration.ofNanos(Math.max(1, closeBy - System.nanoTime())));
            System.out.printf("soak: %d session slots still running after the client closed%n",
                    slots.stream().filter(Thread::isAlive).count());
            double seconds = (System.nanoTime() - start) / 1e9;
            long drainStart = System.nanoTime();
            ServerJvm.Stats after = server.stats(false);
            while (after.openSessions() > 0 && System.nanoTime() - drainStart < DRAIN.toNanos()) {
                Thread.sleep(1000);
                after = server.stats(false);
            }
            print(String.format("closed+%.0fs", (System.nanoTime() - drainStart) / 1e9), after);
            Thread.sleep(10_000);
            ServerJvm.Stats settled = server.stats(true);
            print("closed+10s", settled);
            long[] times = streamNanos.stream().mapToLong(Long::longValue).sorted().toArray();
            System.out.printf("soak: %d sessions in %.0f s = %.2f sessions/s; %d streams of %d bytes (%.1f MiB/s echoed each way);"
                            + " %d errors%s%n", sessionsDone.get(), seconds, sessionsDone.get() / seconds, streamsDone.get(),
                    requestBytes, streamsDone.get() * (double) requestBytes / (1 << 20) / seconds, errors.get(),
                    errors.get() == 0 ? "" : "; first: " + firstError);
            System.out.printf("soak: stream time ms: p50 %.0f, p90 %.0f, p99 %.0f, max %.0f%n", percentile(times, 0.50),
                    percentile(times, 0.90), percentile(times, 0.99), times.length == 0 ? 0 : times[times.length - 1] / 1e6);
            System.out.printf("soak: server threads (all) %d before, %d after, platform %d-%d during; heap MiB after GC %d before, %d-%d during, %d after;"
                            + " fds %d before, %d-%d during, %d after; sessions open after %d%n",
                    before.liveThreads(), settled.liveThreads(), min(threadsDuring), max(threadsDuring),
                    before.heapBytes() >> 20, min(heapDuring), max(heapDuring), settled.heapBytes() >> 20,
                    before.openFiles(), min(fdsDuring), max(fdsDuring), settled.openFiles(), settled.openSessions());
            return errors.get() == 0 ? 0 : 1;
        } finally {
            jvms.stop(server);
        }
    }

    private void print(String label, ServerJvm.Stats stats) throws IOException {
        String load = Files.readString(Path.of("/proc/loadavg")).trim();
        System.out.printf("%10s %9d %8d %7d %11d | %15d %8d %4d %9d  | %s%n", label, sessionsDone.get(), streamsDone.get(), errors.get(),
                clientSessionsOpen.get(), stats.liveThreads(), stats.heapBytes() >> 20, stats.openFiles(), stats.openSessions(),
                load.substring(0, load.lastIndexOf(' ', load.lastIndexOf(' ') - 1)));
    }

    /** One session slot: dial, echo on {@code streams} streams at once, close; again until {@code untilNanos}. */
    private void slot(KwikClient client, InetSocketAddress server, int streams, int requestBytes, long untilNanos) {
        while (System.nanoTime() < untilNanos) {
            KwikSession session;
            try {
                session = client.dial(server);
            } catch (IOException | RuntimeException e) {
                error(e);
                continue;
            }
            clientSessionsOpen.incrementAndGet();
            try {
                List<Thread> echoes = new ArrayList<>();
                AtomicInteger failed = new AtomicInteger();
                for (int i = 0; i < streams; i++) {
                    echoes.add(Thread.ofVirtual().start(() -> {
                        try {
                            echo(session, requestBytes);
                        } catch (IOException | RuntimeException e) {
                            failed.incrementAndGet();
                            error(e);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }));
                }
                for (Thread echo : echoes) echo.join();
                if (failed.get() == 0) sessionsDone.incrementAndGet();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                session.close();
                clientSessionsOpen.decrementAndGet();
            }
        }
    }

    /** One stream: writes 'E' and {@code length} random bytes, reads the echo, compares the SHA-256. */
    private void echo(KwikSession session, int length) throws IOException, InterruptedException {
        long started = System.nanoTime();
        KwikStream stream = session.openStreamSync();
        MessageDigest sent = sha256();
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                OutputStream out = stream.outputStream();
                out.write(E2eSupport.OP_ECHO);
                byte[] chunk = new byte[CHUNK];
                for (int at = 0; at < length; at += CHUNK) {
                    int n = Math.min(CHUNK, length - at);
                    ThreadLocalRandom.current().nextBytes(chunk);
                    sent.update(chunk, 0, n);
                    out.write(chunk, 0, n);
                }
                stream.shutdownOutput();
            } catch (IOException e) {
                // the read below fails too and counts it
            }
        });
        MessageDigest received = sha256();
        long total = 0;
        byte[] buffer = new byte[CHUNK];
        InputStream in = stream.inputStream();
        int n;
        while ((n = in.read(buffer)) >= 0) {
            received.update(buffer, 0, n);
            total += n;
        }
        writer.join();
        stream.close();
        if (total != length || !Arrays.equals(sent.digest(), received.digest())) {
            throw new IOException("echo differs: " + total + " of " + length + " bytes");
        }
        streamNanos.add(System.nanoTime() - started);
        streamsDone.incrementAndGet();
    }

    private void error(Exception e) {
        if (errors.incrementAndGet() == 1) firstError = e.toString();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) return 0;
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }

    private static long min(List<? extends Number> values) {
        return values.stream().mapToLong(Number::longValue).min().orElse(-1);
    }

    private static long max(List<? extends Number> values) {
        return values.stream().mapToLong(Number::longValue).max().orElse(-1);
    }
}
