package io.kwik.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.kwik.api.Kwik;
import io.kwik.api.KwikListener;
import io.kwik.api.KwikSession;
import io.kwik.api.KwikStream;
import io.kwik.api.ServerConfig;

/**
 * {@code kwik fetch -c} and {@code --retry} as processes. A server in this JVM sends the first
 * half of a file and then nothing, so that a client has exactly half of it at a point the test
 * can wait for (the partial file's size), without timing: the client is killed there and
 * resumed against a {@code kwik serve} primary, or its stall timeout makes it retry against the
 * same server, which then sends the rest. Each time the saved file's SHA-256 must be the whole
 * file's, and the request must have asked for the missing bytes only.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
final class ResumeProcessTest {

    private static final Duration RUN = Duration.ofSeconds(300);
    private static final int SIZE = 8 << 20;
    private static final int HALF = SIZE / 2;
    private static final Pattern LISTENING = Pattern.compile("listening on (\\S+):(\\d+) as a (primary|secondary), .*");

    @TempDir
    static Path dir;

    private static byte[] data;
    private static String digest;
    private static SelfSigned certificate;
    private static Path certificateFile;
    private static CliProcess primary;
    private static int primaryPort;

    @BeforeAll
    static void startPrimary() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        data = new byte[SIZE];
        new SecureRandom().nextBytes(data);
        Files.write(root.resolve("data.bin"), data);
        digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        certificate = SelfSigned.generate(Duration.ofDays(1));
        certificateFile = Files.writeString(dir.resolve("cert.pem"), certificate.certificatePem());
        Path key = Files.writeString(dir.resolve("key.pem"), certificate.privateKeyPem());
        primary = CliProcess.start(dir, "primary", "serve", "--port", "0", "--root", root.toString(), "--cert",
                certificateFile.toString(), "--key", key.toString(), "--handshake-timeout", "30");
        var line = primary.awaitLine(LISTENING, RUN);
        assertThat(line).as(primary.report()).isPresent();
        primaryPort = Integer.parseInt(line.get().group(2));
    }

    @AfterAll
    static void stopPrimary() throws Exception {
        primary.close();
        System.out.println(primary.report());
    }

    @Test
    void aClientKilledHalfwayContinuesWithDashCAndAsksForTheRestOnly() throws Exception {
        Path output = dir.resolve("resumed.bin");
        Path partial = dir.resolve("resumed.bin.kwik-part");
        try (HalfServer half = new HalfServer(false)) {
            CliProcess first = CliProcess.start(dir, "fetch-killed", "fetch", "kwik://localhost:" + half.port() + "/data.bin",
                    "-o", output.toString(), "--trust", certificateFile.toString(), "--handshake-timeout", "30", "-q");
            awaitSize(partial, HALF, first);
            first.kill();
            System.out.println(first.report());
        }
        assertThat(partial).as("what the killed client left").hasSize(HALF);
        assertThat(output).doesNotExist();

        CliProcess resume = CliProcess.start(dir, "fetch-resume", "fetch", "kwik://localhost:" + primaryPort + "/data.bin",
                "-o", output.toString(), "-c", "--trust", certificateFile.toString(), "--handshake-timeout", "30",
                "--progress", "none");
        Optional<Integer> exit = resume.awaitExit(RUN);
        System.out.println(resume.report());
        assertThat(exit).as(resume.report()).contains(0);
        assertThat(sha256(output)).as("the whole file's SHA-256").isEqualTo(digest);
        assertThat(partial).doesNotExist();
        assertThat(resume.err()).as(resume.report()).contains("resuming " + partial + " from byte " + HALF)
                .contains("sha256 OK  " + digest + " (" + SIZE + " bytes, as the primary announced)");
        assertThat(primary.awaitLine(Pattern.compile(".*request /data\\.bin \\(.*\\), bytes " + HALF + "-" + SIZE), RUN))
                .as("the primary was asked for the second half only\n%s", primary.report()).isPresent();
    }

    @Test
    void retryDialsAgainAndContinuesFromWhatArrived() throws Exception {
        Path output = dir.resolve("retried.bin");
        try (HalfServer flaky = new HalfServer(true)) {
            CliProcess fetch = CliProcess.start(dir, "fetch-retry", "fetch", "kwik://localhost:" + flaky.port() + "/data.bin",
                    "-o", output.toString(), "--trust", certificateFile.toString(), "--handshake-timeout", "30",
                    "--stall-timeout", "3", "--retry", "2", "--progress", "none");
            Optional<Integer> exit = fetch.awaitExit(RUN);
            System.out.println(fetch.report());
            assertThat(exit).as(fetch.report()).contains(0);
            assertThat(sha256(output)).as("the whole file's SHA-256").isEqualTo(digest);
            assertThat(fetch.err()).as(fetch.report())
                    .anyMatch(l -> l.startsWith("attempt 1 failed: the download stalled") && l.contains("; retrying from byte "));
            assertThat(flaky.starts()).as("the first byte each request asked for").hasSize(2);
            assertThat(flaky.starts().get(0)).isZero();
            assertThat(flaky.starts().get(1)).as("the retry continues from what arrived").isPositive().isLessThanOrEqualTo(HALF);
        }
    }

    @Test
    void dashCWithDashOIsRefused() throws Exception {
        CliProcess fetch = CliProcess.start(dir, "fetch-c-stdout", "fetch", "kwik://localhost:1/data.bin", "-o", "-", "-c", "-k");
        KwikCliProcessTest.assertOneLineFailure(fetch, 2, "-c continues a file");
    }

    private static void awaitSize(Path file, long size, CliProcess process) throws Exception {
        long deadline = System.nanoTime() + RUN.toNanos();
        while (!(Files.exists(file) && Files.size(file) >= size)) {
            assertThat(process.isAlive()).as("the client runs until half the file is there\n%s", process.report()).isTrue();
            assertThat(System.nanoTime()).as("%s reaches %d bytes\n%s", file, size, process.report()).isLessThan(deadline);
            Thread.sleep(50);   // polls the file the client writes: an event no stream announces
        }
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    /**
     * Speaks the primary's side of the protocol: the first session gets the bytes from the
     * requested start to the half of the file and then nothing (the stream stays open); with
     * {@code finishLater}, a later session gets the rest of what it asks for.
     */
    private static final class HalfServer implements AutoCloseable {
        private final KwikListener listener;
        private final List<Long> starts = new CopyOnWriteArrayList<>();
        private final Thread thread;

        HalfServer(boolean finishLater) throws IOException {
            ServerConfig config = ServerConfig.builder().certificateChain(List.of(certificate.certificate()))
                    .privateKey(certificate.privateKey()).handshakeTimeout(Duration.ofSeconds(30)).build();
            listener = Kwik.listen(new InetSocketAddress("127.0.0.1", 0), config);
            thread = Thread.ofVirtual().start(() -> {
                try {
                    for (int session = 0; ; session++) {
                        KwikSession accepted = listener.accept();
                        boolean whole = finishLater && session > 0;
                        Thread.ofVirtual().start(() -> serve(accepted, whole));
                    }
                } catch (Exception e) {
                    // ends with the listener
                }
            });
        }

        private void serve(KwikSession session, boolean whole) {
            try {
                KwikStream stream = session.acceptStream();
                String[] request = AppProtocol.readLine(stream.inputStream()).split(" ");
                assertThat(request[0]).isEqualTo(AppProtocol.GET2);
                long start = AppProtocol.parseRanges(request[3]).get(0).start();
                starts.add(start);
                stream.write(ByteBuffer.wrap(AppProtocol.line(new AppProtocol.Header(SIZE, digest).line())));
                int end = whole ? SIZE : HALF;
                if (start < end) stream.write(ByteBuffer.wrap(data, (int) start, end - (int) start));
                if (whole) stream.shutdownOutput();
                session.closed().toCompletableFuture().get(RUN.toSeconds(), TimeUnit.SECONDS);
            } catch (Exception e) {
                // the session ended
            }
        }

        int port() {
            return listener.localAddress().getPort();
        }

        List<Long> starts() {
            return starts;
        }

        @Override
        public void close() {
            listener.close();
            thread.interrupt();
        }
    }
}
