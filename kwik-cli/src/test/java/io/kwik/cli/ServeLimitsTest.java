package io.kwik.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.kwik.api.ClientConfig;
import io.kwik.api.Kwik;
import io.kwik.api.KwikListener;
import io.kwik.api.KwikSession;
import io.kwik.api.KwikStream;
import io.kwik.api.PathStatus;
import io.kwik.api.RawData;
import io.kwik.api.ServerConfig;

/**
 * {@code kwik serve} under a flood, through real QUIC on loopback: a client that sends requests
 * as fast as it can, and a primary that sends a secondary checks and delegations as fast as it
 * can, get clear refusals or lose their session, the server's work stays within
 * {@link ServeLimits}, and an honest client downloads a file byte-exact at the same time.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
final class ServeLimitsTest {

    private static final ServeLimits LIMITS = new ServeLimits(6, 2, 2, 4, 16, 64 << 10);
    private static final Duration WAIT = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    private final List<AutoCloseable> closing = new ArrayList<>();
    private final List<String> log = new CopyOnWriteArrayList<>();
    private Path root;
    private SelfSigned certificate;
    private ServerConfig config;

    @BeforeEach
    void files() throws Exception {
        root = Files.createDirectories(dir.resolve("root"));
        DemoCommand.generate(root.resolve("big.bin"), 64 << 20);
        DemoCommand.generate(root.resolve("f.bin"), 8 << 20);
        certificate = SelfSigned.generate(Duration.ofDays(1));
        config = ServerConfig.builder().certificateChain(List.of(certificate.certificate()))
                .privateKey(certificate.privateKey()).handshakeTimeout(Duration.ofSeconds(30))
                .pathTokenKey(new SecretKeySpec(new SecureRandom().generateSeed(32), "HmacSHA256")).build();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closing.reversed()) c.close();
    }

    /**
     * One session opens stream after stream, each with a request for a 64 MiB file it never
     * reads: it holds its {@link ServeLimits#transfersPerSession()} downloads, every other
     * request is answered {@code ERR busy} at once, and another client's download completes.
     */
    @Test
    void required_serve_limits_a_session_flooding_requests_gets_busy_answers_and_another_downloads_byte_exact() throws Exception {
        FileServer secondary = start(List.of());
        FileServer primary = start(List.of(localhost(secondary)));
        long heapBefore = usedHeapAfterGc();

        KwikSession flooder = Kwik.dial(localhost(primary), client().streamReceiveWindow(1 << 20).build());
        closing.add(flooder);
        int requests = 300;
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger busy = new AtomicInteger();
        List<String> other = new CopyOnWriteArrayList<>();
        CompletableFuture<Path> honest = null;
        for (int i = 0; i < requests; i++) {
            KwikStream stream = flooder.openStreamSync();
            stream.write(ByteBuffer.wrap(AppProtocol.line(AppProtocol.GET + " /big.bin " + (1 << 20))));
            stream.shutdownOutput();
            Thread.ofVirtual().start(() -> {
                try {
                    String line = firstAnswer(stream);
                    if (line.startsWith(AppProtocol.OK + " ")) {
                        ok.incrementAndGet();   // holds the download: reads nothing more
                    } else {
                        if (line.startsWith(AppProtocol.ERR + " " + AppProtocol.BUSY + " ")) busy.incrementAndGet();
                        else other.add(line);
                        stream.close();
                    }
                } catch (IOException e) {
                    other.add(e.toString());
                }
            });
            if (i == requests / 4) honest = fetchInBackground(primary, "f.bin");
        }
        await(() -> ok.get() + busy.get() + other.size() == requests, () -> "answers: ok " + ok + ", busy " + busy + ", other " + other);
        Path fetched = honest.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        long heapDuring = usedHeapAfterGc();

        String report = "ok " + ok + ", busy " + busy + ", other " + other + ", peaks " + primary.peaks() + "\nlog:\n" + String.join("\n", log);
        System.err.println("FLOODSUMMARY requests: ok " + ok + ", busy " + busy + ", peaks " + primary.peaks() + ", heap +" + ((heapDuring - heapBefore) >> 20) + " MiB");
        assertThat(other).as(report).isEmpty();
        assertThat(ok.get()).as("downloads the flooder got\n%s", report).isBetween(1, LIMITS.transfersPerSession());
        assertThat(busy.get()).as(report).isEqualTo(requests - ok.get());
        assertThat(primary.peaks().transfers()).as(report).isBetween(1, LIMITS.transfers());
        assertThat(log).as(report).anyMatch(l -> l.contains("refused a request: this session has 2 downloads running already (busy)"));
        assertThat(Files.size(fetched)).isEqualTo(Files.size(root.resolve("f.bin")));
        assertThat(sha256(fetched)).as(report).isEqualTo(sha256(root.resolve("f.bin")));
        assertThat(heapDuring - heapBefore).as("heap grown during the flood, after GC").isLessThan(256L << 20);
    }

    /**
     * A primary that sends a secondary 300 checks, then delegations, as fast as it can: checks
     * past {@link ServeLimits#checksPerSession()} are answered {@code NONE <id> busy}, at most
     * {@link ServeLimits#checks()} run at once, and once {@link ServeLimits#delegationsQueued()}
     * wait the secondary closes that session (FLOW_CONTROL), while it serves an honest download.
     */
    @Test
    void required_serve_limits_a_primary_flooding_a_secondary_gets_busy_checks_then_loses_the_path() throws Exception {
        FileServer secondary = start(List.of());
        FileServer honestPrimary = start(List.of(localhost(secondary)));

        KwikListener listener = Kwik.listen(new InetSocketAddress("127.0.0.1", 0), config);
        closing.add(listener);
        KwikSession client = Kwik.dial(new InetSocketAddress("localhost", listener.localAddress().getPort()),
                client().streamReceiveWindow(1 << 20).build());
        closing.add(client);
        KwikSession flood = listener.accept();
        closing.add(flood);
        String pathId = flood.addPath(localhost(secondary)).get(WAIT.toSeconds(), TimeUnit.SECONDS).id();
        KwikStream request = client.openStreamSync();
        request.write(ByteBuffer.wrap(AppProtocol.line("FLOOD")));
        request.shutdownOutput();
        KwikStream stream = flood.acceptStream();

        CompletableFuture<Path> honest = fetchInBackground(honestPrimary, "f.bin");

        // checks, for a file the secondary has not hashed yet: the first ones wait for the hash
        int checks = 300;
        ConcurrentHashMap<String, String> answers = new ConcurrentHashMap<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                while (true) {
                    RawData raw = flood.receiveRawData();
                    String[] words = AppProtocol.text(raw.data()).split(" ", 3);
                    answers.put(words[1], words[0] + " " + words[2]);
                }
            } catch (IOException | InterruptedException e) {
                // the session ended
            }
        });
        for (int id = 1; id <= checks; id++) {
            flood.sendRawData(pathId, AppProtocol.message(AppProtocol.CHECK + " " + id + " /big.bin"));
        }
        await(() -> answers.size() == checks, () -> answers.size() + " answers of " + checks);
        long have = answers.values().stream().filter(a -> a.startsWith(AppProtocol.HAVE + " ")).count();
        long busy = answers.values().stream().filter(a -> a.startsWith(AppProtocol.NONE + " " + AppProtocol.BUSY + ":")).count();
        String report = "have " + have + ", busy " + busy + ", peaks " + secondary.peaks() + "\nlog:\n" + String.join("\n", log);
        assertThat(have + busy).as(report).isEqualTo(checks);
        assertThat(have).as(report).isPositive();
        assertThat(busy).as(report).isPositive();
        assertThat(secondary.peaks().checks()).as(report).isBetween(1, LIMITS.checks());

        // delegations the client cannot take (it reads nothing, its window is 1 MiB): the writer
        // stops, the queue fills, and the secondary closes the session
        List<CompletableFuture<?>> delegated = new ArrayList<>();
        for (int i = 0; i < 200 && active(flood, pathId); i++) {
            delegated.add(stream.delegate(pathId, 64 << 10, AppProtocol.message(AppProtocol.RANGE + " " + ((long) i << 16) + " /big.bin")));
        }
        await(() -> !active(flood, pathId), () -> "the flooding path is still active after " + delegated.size() + " delegations\n" + log);
        reader.interrupt();
        Path fetched = honest.get(WAIT.toSeconds(), TimeUnit.SECONDS);

        String after = "delegations " + delegated.size() + ", peaks " + secondary.peaks() + "\nlog:\n" + String.join("\n", log);
        System.err.println("FLOODSUMMARY secondary: have " + have + ", busy " + busy + ", delegations sent " + delegated.size() + ", peaks " + secondary.peaks());
        assertThat(log).as(after).anyMatch(l -> l.contains("closing the session: more than 16 delegations or "));
        assertThat(secondary.peaks().delegationsQueued()).as(after).isBetween(1, LIMITS.delegationsQueued());
        assertThat(delegated).as(after).anyMatch(f -> f.isCompletedExceptionally() || !f.isDone());
        assertThat(Files.size(fetched)).isEqualTo(Files.size(root.resolve("f.bin")));
        assertThat(sha256(fetched)).as(after).isEqualTo(sha256(root.resolve("f.bin")));
    }

    private FileServer start(List<InetSocketAddress> secondaries) throws Exception {
        FileServer server = FileServer.start(new FileServer.Settings(new InetSocketAddress("127.0.0.1", 0), new FileCatalog(root),
                secondaries, config, Duration.ofSeconds(60), log::add, LIMITS));
        closing.add(server);
        return server;
    }

    private ClientConfig.Builder client() {
        return ClientConfig.builder().trustedCertificates(List.of(certificate.certificate()))
                .handshakeTimeout(Duration.ofSeconds(30)).pathTimeout(Duration.ofSeconds(5));
    }

    private CompletableFuture<Path> fetchInBackground(FileServer primary, String name) {
        Path output = dir.resolve(name + ".out");
        CompletableFuture<Path> done = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                new Fetcher(new Fetcher.Target("localhost", primary.localAddress().getPort(), "/" + name),
                        new Fetcher.ToFile(output, false, false), client().streamReceiveWindow(16 << 20).build(), Progress.Mode.NONE,
                        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), bytes -> {},
                        Fetcher.DEFAULT_STALL_TIMEOUT, null, 0).fetch();
                done.complete(output);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    /** The first line that is not {@code WAIT}. */
    private static String firstAnswer(KwikStream stream) throws IOException {
        while (true) {
            String line = AppProtocol.readLine(stream.inputStream());
            if (line == null) return "(end of stream)";
            if (!line.equals(AppProtocol.WAIT)) return line;
        }
    }

    private static boolean active(KwikSession session, String pathId) {
        return session.activePaths().stream().anyMatch(p -> p.id().equals(pathId) && p.status() == PathStatus.ACTIVE);
    }

    private static void await(BooleanSupplier condition, java.util.function.Supplier<String> what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("not within " + WAIT.toSeconds() + " s: " + what.get());
            Thread.sleep(20);
        }
    }

    private static long usedHeapAfterGc() {
        Runtime runtime = Runtime.getRuntime();
        System.gc();
        return runtime.totalMemory() - runtime.freeMemory();
    }

    private static InetSocketAddress localhost(FileServer server) {
        return new InetSocketAddress("localhost", server.localAddress().getPort());
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (var in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) digest.update(buffer, 0, n);
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
