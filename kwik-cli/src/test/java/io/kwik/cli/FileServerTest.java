package io.kwik.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
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

import javax.crypto.spec.SecretKeySpec;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.kwik.api.ClientConfig;
import io.kwik.api.Kwik;
import io.kwik.api.KwikListener;
import io.kwik.api.KwikSession;
import io.kwik.api.KwikStream;
import io.kwik.api.PathStatus;
import io.kwik.api.ServerConfig;

/**
 * The servers and the client of the command line in this JVM, on the default transport: a
 * secondary whose copy of the file differs is left out by the primary's check, and the
 * download still completes from the others.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
final class FileServerTest {

    @TempDir
    Path dir;

    private final List<FileServer> servers = new ArrayList<>();

    @AfterEach
    void stop() {
        servers.forEach(FileServer::close);
    }

    @Test
    void aSecondaryWithAnotherCopyOfTheFileIsLeftOut() throws Exception {
        Path good = Files.createDirectories(dir.resolve("good"));
        Path bad = Files.createDirectories(dir.resolve("bad"));
        int size = 48 << 20;   // three client windows: most of it is left when the secondaries have answered
        DemoCommand.generate(good.resolve("f.bin"), size);
        DemoCommand.generate(bad.resolve("f.bin"), size);   // same size, other bytes
        SelfSigned certificate = SelfSigned.generate(Duration.ofDays(1));
        ServerConfig config = ServerConfig.builder().certificateChain(List.of(certificate.certificate()))
                .privateKey(certificate.privateKey()).handshakeTimeout(Duration.ofSeconds(30))
                .pathTokenKey(new SecretKeySpec(new SecureRandom().generateSeed(32), "HmacSHA256"))
                .streamReceiveWindow(16 << 20).build();
        List<String> log = new CopyOnWriteArrayList<>();

        FileServer same = start(good, List.of(), config, log::add);
        FileServer other = start(bad, List.of(), config, log::add);
        FileServer primary = start(good, List.of(localhost(same), localhost(other)), config, log::add);

        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        Path output = dir.resolve("out.bin");
        // the primary starts alone and adds each secondary once it has answered its check: the
        // client holds its reads until both answers are in, so that p1 still finds bytes to carry
        CountDownLatch answered = new CountDownLatch(1);
        Thread.ofVirtual().start(() -> {
            while (!(log.stream().anyMatch(l -> l.contains("secondary p1 (localhost:") && l.contains("has /f.bin"))
                    && log.stream().anyMatch(l -> l.contains("secondary p2 (localhost:") && l.contains("left out")))) {
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
            answered.countDown();
        });
        Fetcher.Result result = new Fetcher(new Fetcher.Target("localhost", primary.localAddress().getPort(), "/f.bin"), new Fetcher.ToFile(output, false, false),
                ClientConfig.builder().trustedCertificates(List.of(certificate.certificate()))
                        .handshakeTimeout(Duration.ofSeconds(30)).pathTimeout(Duration.ofSeconds(5))
                        .streamReceiveWindow(16 << 20).build(),
                Progress.Mode.NONE, new PrintStream(printed, true, StandardCharsets.UTF_8), bytes -> {
                    try {
                        if (!answered.await(60, TimeUnit.SECONDS)) throw new AssertionError("no answers from the secondaries: " + log);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, Fetcher.DEFAULT_STALL_TIMEOUT, null, 0).fetch();

        String report = "log:\n" + String.join("\n", log) + "\nprinted:\n" + printed.toString(StandardCharsets.UTF_8);
        assertThat(sha256(output)).as(report).isEqualTo(sha256(good.resolve("f.bin")));
        assertThat(log).as(report).anyMatch(line -> line.matches(".*secondary p2 \\(localhost:\\d+\\) left out: its /f.bin has "
                + size + " bytes, sha256 [0-9a-f]{64}; expected " + size + " bytes, sha256 [0-9a-f]{64}"));
        assertThat(log).as(report).anyMatch(line -> line.matches(".*sent /f.bin: p0 [^,]+, p1 [^,]+"));
        List<PathTable.Row> rows = result.table().rows();
        assertThat(rows).extracting(PathTable.Row::id).as(report).containsExactly("p0", "p1", "p2");
        assertThat(rows.get(2).bytes()).as("bytes on the left-out path\n%s", report).isZero();
        assertThat(rows.get(2).status()).as("the left-out path is removed\n%s", report).isEqualTo(PathStatus.CLOSED);
        assertThat(rows.get(1).bytes()).as("bytes on p1\n%s", report).isPositive();
    }

    @Test
    void anEmptyFileAndASmallOneDownloadFromAPrimaryAlone() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.write(root.resolve("empty"), new byte[0]);
        Files.writeString(root.resolve("small.txt"), "hello, kwik\n");
        SelfSigned certificate = SelfSigned.generate(Duration.ofDays(1));
        ServerConfig config = ServerConfig.builder().certificateChain(List.of(certificate.certificate()))
                .privateKey(certificate.privateKey()).handshakeTimeout(Duration.ofSeconds(30)).build();
        FileServer primary = start(root, List.of(), config, line -> {});
        ClientConfig client = ClientConfig.builder().trustedCertificates(List.of(certificate.certificate()))
                .handshakeTimeout(Duration.ofSeconds(30)).build();
        for (String name : List.of("empty", "small.txt")) {
            Path output = dir.resolve(name + ".out");
            Fetcher.Result result = new Fetcher(new Fetcher.Target("localhost", primary.localAddress().getPort(), "/" + name),
                    new Fetcher.ToFile(output, false, false), client, Progress.Mode.NONE, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                    bytes -> {}, Fetcher.DEFAULT_STALL_TIMEOUT, null, 0).fetch();
            assertThat(Files.readAllBytes(output)).as(name).isEqualTo(Files.readAllBytes(root.resolve(name)));
            assertThat(result.size()).isEqualTo(Files.size(root.resolve(name)));
            assertThat(result.table().rows()).extracting(PathTable.Row::id).containsExactly("p0");
        }
    }

    /**
     * A primary that announces a file, sends 64 KiB of it and then nothing, over a healthy
     * session: the heartbeats keep that session open, so the client's stall timeout must end
     * the download, with a one-line reason, instead of waiting forever.
     */
    @Test
    void aDownloadThatStopsMovingIsGivenUpAfterTheStallTimeout() throws Exception {
        SelfSigned certificate = SelfSigned.generate(Duration.ofDays(1));
        ServerConfig config = ServerConfig.builder().certificateChain(List.of(certificate.certificate()))
                .privateKey(certificate.privateKey()).handshakeTimeout(Duration.ofSeconds(30)).build();
        byte[] sent = new byte[64 * 1024];
        try (KwikListener listener = Kwik.listen(new InetSocketAddress("127.0.0.1", 0), config)) {
            Thread server = Thread.ofVirtual().start(() -> {
                try {
                    KwikSession session = listener.accept();
                    KwikStream stream = session.acceptStream();
                    AppProtocol.readLine(stream.inputStream());
                    stream.write(ByteBuffer.wrap(AppProtocol.line(AppProtocol.OK + " " + (1 << 20) + " " + "0".repeat(64))));
                    stream.write(ByteBuffer.wrap(sent));
                    Thread.sleep(Long.MAX_VALUE);   // holds the stream open, sending nothing more
                } catch (Exception e) {
                    // ends with the listener
                }
            });
            Path output = dir.resolve("stalled.bin");
            ClientConfig client = ClientConfig.builder().trustedCertificates(List.of(certificate.certificate()))
                    .serverName("localhost").handshakeTimeout(Duration.ofSeconds(30)).build();
            long start = System.nanoTime();
            assertThatThrownBy(() -> new Fetcher(new Fetcher.Target("127.0.0.1", listener.localAddress().getPort(), "/f"),
                    new Fetcher.ToFile(output, false, false), client, Progress.Mode.NONE, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                    bytes -> {}, Duration.ofSeconds(2), null, 0).fetch())
                    .isInstanceOfSatisfying(CliException.class, e -> {
                        assertThat(e.exitCode()).isEqualTo(CliException.TIMEOUT);
                        assertThat(e.getMessage()).startsWith("the download stalled: nothing arrived for 2 s")
                                .contains(sent.length + " of " + (1 << 20) + " bytes").doesNotContain("\n")
                                .endsWith("(" + sent.length + " bytes kept in " + output.resolveSibling("stalled.bin.kwik-part")
                                        + "; -c continues them)");
                    });
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("how long the fetch took").isLessThan(Duration.ofSeconds(60));
            assertThat(output.resolveSibling("stalled.bin.kwik-part")).as("the partial file, kept for -c").hasSize(sent.length);
            server.interrupt();
        }
    }

    @Test
    void aFileOutsideTheRootIsRefused() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.writeString(dir.resolve("secret.txt"), "no");
        Files.createSymbolicLink(root.resolve("link.txt"), dir.resolve("secret.txt"));
        FileCatalog catalog = new FileCatalog(root);
        for (String path : List.of("/../secret.txt", "/%2e%2e/secret.txt", "/link.txt")) {
            assertThatThrownBy(() -> catalog.resolve(path)).as(path).isInstanceOfSatisfying(FileCatalog.Refusal.class,
                    e -> assertThat(e.code()).isEqualTo(AppProtocol.FORBIDDEN));
        }
        for (String path : List.of("/nothing", "/")) {
            assertThatThrownBy(() -> catalog.resolve(path)).as(path).isInstanceOf(FileCatalog.Refusal.class);
        }
        assertThatThrownBy(() -> catalog.resolve("http://x/y")).isInstanceOfSatisfying(FileCatalog.Refusal.class,
                e -> assertThat(e.code()).isEqualTo(AppProtocol.BAD_REQUEST));
    }

    private FileServer start(Path root, List<InetSocketAddress> secondaries, ServerConfig config,
                             java.util.function.Consumer<String> log) throws Exception {
        FileServer server = FileServer.start(new FileServer.Settings(new InetSocketAddress("127.0.0.1", 0), new FileCatalog(root),
                secondaries, config, Duration.ofSeconds(60), log));
        servers.add(server);
        return server;
    }

    private static InetSocketAddress localhost(FileServer server) {
        return new InetSocketAddress("localhost", server.localAddress().getPort());
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
