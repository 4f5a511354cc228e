package io.kwik.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
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

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
    private static final List<CliProcess> servers = new ArrayList<>();
    private static int primaryPort;

    @BeforeAll
    static void startServers() throws Exception {
        root = Files.createDirectories(dir.resolve("root"));
        byte[] data = new byte[SIZE];
        new SecureRandom().nextBytes(data);
        Files.write(root.resolve("data.bin"), data);
        digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));

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
        CliProcess primary = serve("primary", "--port", "0", "--root", root.toString(), "--cert", certificate.toString(),
                "--key", key.toString(), "--group-key", groupKeyFile.toString(), "--handshake-timeout", HANDSHAKE,
                "--secondary", "localhost:" + secondaryPorts.get(0), "--secondary", "localhost:" + secondaryPorts.get(1));
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
        assertThat(fetch.err()).as("standard error\n%s", report).isEmpty();
        assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(output))))
                .as("the saved file's SHA-256").isEqualTo(digest);
        assertThat(fetch.out()).as("stdout\n%s", report).contains("sha256 OK  " + digest + " (" + SIZE + " bytes, as the primary announced)");

        List<Matcher> rows = rows(fetch.out());
        assertThat(rows).as("one table row per path\n%s", report).extracting(m -> m.group(1)).containsExactly("p0", "p1", "p2");
        double shares = 0;
        for (Matcher row : rows) {
            double share = Double.parseDouble(row.group(4));
            assertThat(share).as("share of %s\n%s", row.group(1), report).isGreaterThan(0);
            assertThat(row.group(7)).as("status of %s\n%s", row.group(1), report).isEqualTo("ACTIVE");
            assertThat(row.group(2)).as("address of %s", row.group(1)).startsWith("localhost:");
            shares += share;
        }
        assertThat(shares).as("the shares add up to 100%%\n%s", report).isBetween(99.5, 100.5);
        assertThat(rows.get(0).group(2)).isEqualTo("localhost:" + primaryPort);
        assertThat(fetch.out()).as("the path events").anyMatch(l -> l.startsWith("path p1 joined: localhost:"))
                .anyMatch(l -> l.startsWith("path p2 joined: localhost:"));
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
                "-o", dir.resolve("missing.bin").toString(), "--trust", certificate.toString(), "--handshake-timeout", HANDSHAKE);
        assertOneLineFailure(fetch, 4, "file not found on the server: /no/such.bin");
        assertThat(dir.resolve("missing.bin")).doesNotExist();
        assertThat(dir.resolve("missing.bin.kwik-part")).doesNotExist();
    }

    @Test
    void anUntrustedCertificateSaysHowToTrustIt() throws Exception {
        Path stranger = Files.writeString(dir.resolve("stranger.pem"), SelfSigned.generate(Duration.ofDays(1)).certificatePem());
        CliProcess fetch = CliProcess.start(dir, "fetch-untrusted", "fetch", "kwik://localhost:" + primaryPort + "/data.bin",
                "-o", dir.resolve("untrusted.bin").toString(), "--trust", stranger.toString(), "--handshake-timeout", HANDSHAKE);
        String line = assertOneLineFailure(fetch, 6, "is not trusted");
        assertThat(line).contains("--trust CERT").contains("--insecure");
    }

    @Test
    void nothingListeningFailsWithinTheHandshakeTimeout() throws Exception {
        int port;
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        long started = System.nanoTime();
        CliProcess fetch = CliProcess.start(dir, "fetch-nowhere", "fetch", "kwik://localhost:" + port + "/data.bin",
                "-o", dir.resolve("nowhere.bin").toString(), "--trust", certificate.toString(), "--handshake-timeout", "2");
        assertOneLineFailure(fetch, 5, "cannot reach the primary at localhost:" + port);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("how long it took, JVM start included")
                .isLessThan(Duration.ofSeconds(60));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"http://localhost:4433/data.bin", "kwik://localhost:4433/", "kwik://:4433/data.bin",
        "kwik://localhost:99999/data.bin", "kwik://local host/x", "data.bin"})
    void aMalformedUrlIsRefused(String url) throws Exception {
        CliProcess fetch = CliProcess.start(dir, "fetch-malformed", "fetch", url, "--insecure");
        assertOneLineFailure(fetch, 2, "malformed URL");
    }

    @Test
    void aRootThatCannotBeReadIsRefused() throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
        CliProcess missing = CliProcess.start(dir, "serve-missing-root", "serve", "--port", "0", "--root",
                dir.resolve("no-such-dir").toString(), "--self-signed");
        assertOneLineFailure(missing, 2, "cannot read the root directory");
        CliProcess notADirectory = CliProcess.start(dir, "serve-file-root", "serve", "--port", "0", "--root",
                file.toString(), "--self-signed");
        assertOneLineFailure(notADirectory, 2, "is not a directory");
    }

    @Test
    void missingOptionsAreOneLine() throws Exception {
        CliProcess serve = CliProcess.start(dir, "serve-no-cert", "serve", "--port", "0", "--root", root.toString());
        assertOneLineFailure(serve, 2, "give --cert and --key, or --self-signed");
        CliProcess fetch = CliProcess.start(dir, "fetch-no-url", "fetch");
        assertOneLineFailure(fetch, 2, "Missing required parameter");
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
        assertThat(String.join("\n", process.out())).as("no stack trace\n%s", report).doesNotContain("\tat ");
        return line;
    }
}
