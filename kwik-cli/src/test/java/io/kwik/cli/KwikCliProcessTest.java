package io.kwik.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.kwik.api.Kwik;
import io.kwik.api.KwikListener;
import io.kwik.api.KwikSession;
import io.kwik.api.KwikStream;
import io.kwik.api.ServerConfig;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code kwik} command line as separate processes, on the default transport: a primary and
 * two secondaries ({@code kwik serve}), each a JVM of its own, serve one directory, and
 * {@code kwik fetch} downloads a 32 MiB file from all three at once. Bad input must give one
 * line on standard error and a non-zero exit code, never a stack trace.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
final class KwikCliProcessTest {

    /** Generous: build machines are busy, and JVMs start slowly there. */
    private static final Duration START = Duration.ofSeconds(120);
    private static final Duration FETCH = Duration.ofSeconds(300);
    private static final Duration QUICK = Duration.ofSeconds(120);
    private static final String HANDSHAKE = "30";
    private static final int SIZE = 32 << 20;

    private static final Pattern LISTENING = Pattern.compile("listening on (\\S+):(\\d+) as a (primary|secondary), .*");
    /** {@code p1    localhost:4433    11.0 MiB   34.4%   105.3 MiB/s   0.3 ms  ACTIVE} */
    private static final Pattern ROW = Pattern.compile(
            "(p\\d+)\\s+(\\S+)\\s+([\\d.]+ \\S+)\\s+([\\d.]+)%\\s+(\\S+(?: \\S+/s)?)\\s+(\\S+(?: ms)?)\\s+([A-Z]+)");

    @TempDir
    static Path dir;

    private static Path root;
    private static Path certificate;
    private static String digest;
    /** A smaller file for the tests of habits, which need a download but not a long one. */
    private static final int SMALL = 2 << 20;
    private static String smallDigest;
    private static final List<CliProcess> servers = new ArrayList<>();
    private static int primaryPort;
    /** The primary runs with {@code --timeline}: its lines are checked by the timeline's test. */
    private static Path primaryTimeline;

    @BeforeAll
    static void startServers() throws Exception {
        root = Files.createDirectories(dir.resolve("root"));
        byte[] data = new byte[SIZE];
        new SecureRandom().nextBytes(data);
        Files.write(root.resolve("data.bin"), data);
        digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        byte[] small = java.util.Arrays.copyOf(data, SMALL);
        Files.write(root.resolve("small.bin"), small);
        smallDigest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(small));

        SelfSigned made = SelfSigned.generate(Duration.ofDays(1));
        certificate = Files.writeString(dir.resolve("cert.pem"), made.certificatePem());
        Path key = Files.writeString(dir.resolve("key.pem"), made.privateKeyPem());
        byte[] groupKey = new byte[32];
        new SecureRandom().nextBytes(groupKey);
        Path groupKeyFile = Files.write(dir.resolve("group.key"), groupKey);

        List<String> secondaryPorts = new ArrayList<>();
        for (int i = 1; i <= 2; i++) {
            CliProcess secondary = serve("secondary-" + i, "--port", "0", "--root", root.toString(), "--cert", certificate.toString(),
                    "--key", key.toString(), "--group-key", groupKeyFile.toString(), "--handshake-timeout", HANDSHAKE);
            secondaryPorts.add(listening(secondary, "secondary"));
        }
        primaryTimeline = dir.resolve("primary.tl");
        CliProcess primary = serve("primary", "--port", "0", "--root", root.toString(), "--cert", certificate.toString(),
                "--key", key.toString(), "--group-key", groupKeyFile.toString(), "--handshake-timeout", HANDSHAKE,
                "--secondary", "localhost:" + secondaryPorts.get(0), "--secondary", "localhost:" + secondaryPorts.get(1),
                "--timeline", primaryTimeline.toString());
        primaryPort = Integer.parseInt(listening(primary, "primary"));
    }

    private static CliProcess serve(String name, String... arguments) throws IOException {
        String[] all = new String[arguments.length + 1];
        all[0] = "serve";
        System.arraycopy(arguments, 0, all, 1, arguments.length);
        CliProcess server = CliProcess.start(dir, name, all);
        servers.add(server);
        return server;
    }

    private static String listening(CliProcess server, String role) throws InterruptedException {
        Optional<Matcher> line = server.awaitLine(LISTENING, START);
        assertThat(line).as("the server reports its address\n%s", server.report()).isPresent();
        assertThat(line.get().group(3)).isEqualTo(role);
        return line.get().group(2);
    }

    @AfterAll
    static void stopServers() throws Exception {
        for (CliProcess server : servers) {
            server.close();
            System.out.println(server.report());
        }
    }

    // ---------------------------------------------------------------- the download

    @Test
    void fetchesA32MiBFileFromAPrimaryAndTwoSecondaries() throws Exception {
        Path output = dir.resolve("fetched.bin");
        CliProcess fetch = CliProcess.start(dir, "fetch", "fetch", "kwik://localhost:" + primaryPort + "/data.bin",
                "-o", output.toString(), "--trust", certificate.toString(), "--handshake-timeout", HANDSHAKE);
        Optional<Integer> exit = fetch.awaitExit(FETCH);
        String report = fetch.report();
        System.out.println(report);

        assertThat(exit).as("exit code\n%s", report).contains(0);
        assertThat(fetch.out()).as("standard output carries data only, and this download went to a file\n%s", report).isEmpty();
        assertThat(sha256(output)).as("the saved file's SHA-256").isEqualTo(digest);
        assertThat(fetch.err()).as("stderr\n%s", report).contains("sha256 OK  " + digest + " (" + SIZE + " bytes, as the primary announced)");

        List<Matcher> rows = rows(fetch.err());
        assertThat(rows).as("one table row per path, on standard error\n%s", report).extracting(m -> m.group(1))
                .containsExactly("p0", "p1", "p2");
        double shares = 0;
        for (Matcher row : rows) {
            double share = Double.parseDouble(row.group(4));
            assertThat(row.group(7)).as("status of %s\n%s", row.group(1), report).isEqualTo("ACTIVE");
            assertThat(row.group(2)).as("address of %s", row.group(1)).startsWith("localhost:");
            shares += share;
        }
        assertThat(shares).as("the shares add up to 100%%\n%s", report).isBetween(99.5, 100.5);
        // How much each secondary carries is timing, not contract: on a loaded machine both joined
        // after 39 % and 51 % and the primary had already planned the rest (p1 and p2 0 B). That the
        // secondaries carry their share is MultiSourceTransferSuite's job, which controls the timing;
        // here the process must join them, list them and deliver the exact file.
        assertThat(rows.get(0).group(2)).isEqualTo("localhost:" + primaryPort);
        assertThat(fetch.err()).as("the path events, on standard error").anyMatch(l -> l.startsWith("path p1 joined: localhost:"))
                .anyMatch(l -> l.startsWith("path p2 joined: localhost:"));
        assertThat(fetch.err()).as("plain progress lines, on standard error\n%s", report).anyMatch(l -> l.startsWith("progress  "));
    }

    /**
     * {@code --timeline}: the client's file has its reader's progress every 100 ms, the
     * primary's (flushed line by line while it runs) the ranges it planned and their
     * completions, each line stamped in milliseconds of {@code System.nanoTime()}.
     */
    @Test
    void aTimelineRecordsTheDownloadOnTheClientAndThePrimary() throws Exception {
        Path output = dir.resolve("timeline.bin");
        Path clientTimeline = dir.resolve("fetch.tl");
        CliProcess fetch = CliProcess.start(dir, "fetch-timeline", "fetch", "kwik://localhost:" + primaryPort + "/data.bin",
                "-o", output.toString(), "--trust", certificate.toString(), "--handshake-timeout", HANDSHAKE,
                "--timeline", clientTimeline.toString());
        Optional<Integer> exit = fetch.awaitExit(FETCH);
        String report = fetch.report();
        System.out.println(report);
        assertThat(exit).as("exit code\n%s", report).contains(0);
        assertThat(sha256(output)).as("the saved file's SHA-256").isEqualTo(digest);

        List<String> client = Files.readAllLines(clientTimeline);
        assertThat(client).as("the client's timeline").filteredOn(l -> l.contains(" client-tick ")).isNotEmpty()
                .allMatch(l -> l.matches("\\d+\\.\\d{3} client-tick read=\\d+( p\\d+=received:\\d+,rtt-ms:\\d+)+"));
        // the primary answered before the fetch exited, and wrote each line as it went
        List<String> primary = Files.readAllLines(primaryTimeline);
        assertThat(primary).as("the primary's timeline")
                .anyMatch(l -> l.matches("\\d+\\.\\d{3} dispatch path=p0 stream=\\d+ at=\\d+ len=\\d+ refill=false ms=[0-9.]+"))
                .anyMatch(l -> l.matches("\\d+\\.\\d{3} done path=p0 stream=\\d+ at=\\d+ len=\\d+ refill=false ms=[0-9.]+"))
                .anyMatch(l -> l.matches("\\d+\\.\\d{3} tick stream=\\d+ frontier=\\d+ next=\\d+ p0=ranges:\\d+,.*"));
    }

    /**
     * On the kwik transport: the kwik library prints to {@code System.out} on every connection,
     * which must not reach the data (the servers run the default transport; the two interoperate).
     */
    @Test
    void dashOutputWritesTheFileAndNothingElseToStandardOutput() throws Exception {
        CliProcess fetch = CliProcess.startBinary(dir, "fetch-stdout", "fetch", "kwik://localhost:" + primaryPort + "/small.bin",
                "-o", "-", "--cacert", certificate.toString(), "--handshake-timeout", HANDSHAKE, "--progress", "plain",
                "--transport", "kwik");
        Optional<Integer> exit = fetch.awaitExit(FETCH);
        String report = fetch.report();
        System.out.println(report);
        assertThat(exit).as("exit code\n%s", report).contains(0);
        byte[] bytes = fetch.outBytes();
        assertThat(bytes.length).as("bytes on standard output\n%s", report).isEqualTo(SMALL);
        assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)))
                .as("their SHA-256").isEqualTo(smallDigest);
        assertThat(fetch.err()).as("the table and the check, on standard error\n%s", report)
                .anyMatch(l -> l.startsWith("sha256 OK  " + smallDigest)).anyMatch(l -> l.startsWith("saved to standard output"));
        assertThat(rows(fetch.err())).as("the table\n%s", report).isNotEmpty();
    }

    @Test
    void quietPrintsNothingAndAGoodSha256Passes() throws Exception {
        Path output = dir.resolve("quiet.bin");
        CliProcess fetch = CliProcess.start(dir, "fetch-quiet", "fetch", "kwik://localhost:" + primaryPort + "/small.bin",
                "-o", output.toString(), "--trust", certificate.toString(), "--handshake-timeout", HANDSHAKE, "-q",
                "--sha256", smallDigest.toUpperCase(java.util.Locale.ROOT));
        Optional<Integer> exit = fetch.awaitExit(FETCH);
        String report = fetch.report();
        System.out.println(report);
        assertThat(exit).as("exit code\n%s", report).contains(0);
        assertThat(fetch.err()).as("-q: standard error\n%s", report).isEmpty();
        assertThat(fetch.out()).as("-q: standard output\n%s", report).isEmpty();
        assertThat(sha256(output)).isEqualTo(smallDigest);
    }

    @Test
    void anExistingFileIsKeptUnlessForce() throws Exception {
        Path output = Files.writeString(dir.resolve("existing.bin"), "keep me");
        CliProcess refused = CliProcess.start(dir, "fetch-clobber", "fetch", "kwik://localhost:" + primaryPort + "/small.bin",
                "-o", output.toString(), "--trust", certificate.toString(), "--handshake-timeout", HANDSHAKE);
        assertOneLineFailure(refused, 2, output + " already exists; pass --force to overwrite it");
        assertThat(output).hasContent("keep me");

        CliProcess forced = CliProcess.start(dir, "fetch-force", "fetch", "kwik://localhost:" + primaryPort + "/small.bin",
                "-o", output.toString(), "--trust", certificate.toString(), "--handshake-timeout", HANDSHAKE, "--force", "-q");
        Optional<Integer> exit = forced.awaitExit(FETCH);
        assertThat(exit).as("exit code\n%s", forced.report()).contains(0);
        assertThat(sha256(output)).isEqualTo(smallDigest);
    }

    @Test
    void aSha256ThatDiffersFromTheFilesIsExitCode9AndSavesNothing() throws Exception {
        Path output = dir.resolve("other-digest.bin");
        String other = "ab".repeat(32);
        CliProcess fetch = CliProcess.start(dir, "fetch-digest", "fetch", "kwik://localhost:" + primaryPort + "/small.bin",
                "-o", output.toString(), "--trust", certificate.toString(), "--handshake-timeout", HANDSHAKE, "-q",
                "--sha256", other);
        String line = assertOneLineFailure(fetch, 9, "SHA-256 mismatch");
        assertThat(line).contains(smallDigest).contains(other).contains("--sha256");
        assertThat(output).doesNotExist();
        assertThat(dir.resolve("other-digest.bin.kwik-part")).doesNotExist();
    }

    @Test
    void anOutputThatCannotBeCreatedIsALocalIoErrorExitCode8() throws Exception {
        Path notADirectory = Files.writeString(dir.resolve("plain-file"), "x");
        CliProcess fetch = CliProcess.start(dir, "fetch-local-io", "fetch", "kwik://localhost:" + primaryPort + "/data.bin",
                "-o", notADirectory.resolve("out.bin").toString(), "--trust", certificate.toString(), "--handshake-timeout", HANDSHAKE);
        assertOneLineFailure(fetch, 8, "cannot write " + notADirectory.resolve("out.bin"));
    }

    /**
     * A server that answers with escape sequences in its error message (set the window title,
     * clear the screen, ring the bell, reverse the text): the client must show them escaped.
     */
    @Test
    void aServersMessageReachesTheTerminalWithoutControlCharacters() throws Exception {
        SelfSigned made = SelfSigned.generate(Duration.ofDays(1));
        Path evilCertificate = Files.writeString(dir.resolve("evil.pem"), made.certificatePem());
        ServerConfig config = ServerConfig.builder().certificateChain(List.of(made.certificate())).privateKey(made.privateKey())
                .handshakeTimeout(Duration.ofSeconds(30)).build();
        String evil = "\u001b]0;pwned\u0007\u001b[2J\u009b31m gone \u202eabc";
        try (KwikListener listener = Kwik.listen(new InetSocketAddress("127.0.0.1", 0), config)) {
            Thread server = Thread.ofVirtual().start(() -> {
                try {
                    KwikSession session = listener.accept();
                    KwikStream stream = session.acceptStream();
                    AppProtocol.readLine(stream.inputStream());
                    stream.write(ByteBuffer.wrap(AppProtocol.line(AppProtocol.ERR + " " + AppProtocol.NOT_FOUND + " " + evil)));
                    stream.shutdownOutput();
                    session.closed().toCompletableFuture().get(300, TimeUnit.SECONDS);
                } catch (Exception e) {
                    // ends with the listener
                }
            });
            CliProcess fetch = CliProcess.start(dir, "fetch-evil", "fetch", "kwik://localhost:" + listener.localAddress().getPort()
                    + "/x.bin", "-o", dir.resolve("evil.bin").toString(), "--trust", evilCertificate.toString(),
                    "--handshake-timeout", HANDSHAKE, "-q");
            String line = assertOneLineFailure(fetch, 4, "file not found on the server: /x.bin");
            assertThat(line).as("the message, escaped").contains("\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m gone \\u202eabc");
            assertThat(line.chars().filter(c -> Character.isISOControl(c) || Character.getType(c) == Character.FORMAT))
                    .as("control and format characters in %s", line).isEmpty();
            server.interrupt();
        }
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    /** The rows of the per-path table. */
    static List<Matcher> rows(List<String> lines) {
        List<Matcher> rows = new ArrayList<>();
        for (String line : lines) {
            Matcher row = ROW.matcher(line.strip());
            if (row.matches()) rows.add(row);
        }
        return rows;
    }

    // ---------------------------------------------------------------- bad input

    @Test
    void aMissingFileIsOneLineAndExitCode4() throws Exception {
        CliProcess fetch = CliProcess.start(dir, "fetch-missing", "fetch", "kwik://localhost:" + primaryPort + "/no/such.bin",
                "-o", dir.resolve("missing.bin").toString(), "--trust", certificate.toString(), "--handshake-timeout", HANDSHAKE, "-q");
        assertOneLineFailure(fetch, 4, "file not found on the server: /no/such.bin");
        assertThat(dir.resolve("missing.bin")).doesNotExist();
        assertThat(dir.resolve("missing.bin.kwik-part")).doesNotExist();
    }

    @Test
    void anUntrustedCertificateSaysHowToTrustIt() throws Exception {
        Path stranger = Files.writeString(dir.resolve("stranger.pem"), SelfSigned.generate(Duration.ofDays(1)).certificatePem());
        CliProcess fetch = CliProcess.start(dir, "fetch-untrusted", "fetch", "kwik://localhost:" + primaryPort + "/data.bin",
                "-o", dir.resolve("untrusted.bin").toString(), "--trust", stranger.toString(), "--handshake-timeout", HANDSHAKE, "-q");
        String line = assertOneLineFailure(fetch, 6, "is not trusted");
        assertThat(line).contains("--trust CERT").contains("--insecure");
    }

    @Test
    void nothingListeningIsATimeoutExitCode7WithinTheHandshakeTimeout() throws Exception {
        int port;
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        long started = System.nanoTime();
        CliProcess fetch = CliProcess.start(dir, "fetch-nowhere", "fetch", "kwik://localhost:" + port + "/data.bin",
                "-o", dir.resolve("nowhere.bin").toString(), "--trust", certificate.toString(), "--handshake-timeout", "2");
        String line = assertOneLineFailure(fetch, 7, "cannot reach the primary at localhost:" + port);
        assertThat(line).contains("within the handshake timeout (2 s)");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("how long it took, JVM start included")
                .isLessThan(Duration.ofSeconds(60));
    }

    /** Exits with {@code code}; standard error is one line, {@code kwik: ...}, containing {@code text}. */
    static String assertOneLineFailure(CliProcess process, int code, String text) throws InterruptedException {
        Optional<Integer> exit = process.awaitExit(QUICK);
        String report = process.report();
        System.out.println(report);
        assertThat(exit).as("exit code\n%s", report).contains(code);
        assertThat(process.err()).as("standard error is one line\n%s", report).hasSize(1);
        String line = process.err().get(0);
        assertThat(line).as("the error line\n%s", report).startsWith("kwik: ").contains(text);
        assertThat(process.out()).as("nothing on standard output\n%s", report).isEmpty();
        return line;
    }
}
