package io.kwik.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution as a user gets it: {@code target/kwik-VERSION.tar.gz} unpacked into a
 * directory of its own, far from the build, and run through its {@code bin/kwik} script with
 * only {@code JAVA_HOME} set. It runs in the integration-test phase, after the package phase
 * has built the archive.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
final class DistributionTest {

    private static final Duration START = Duration.ofSeconds(120);
    private static final Duration RUN = Duration.ofSeconds(300);
    private static final Pattern LISTENING = Pattern.compile("listening on (\\S+):(\\d+) as a (primary|secondary), .*");
    private static final int SIZE = 8 << 20;

    @TempDir
    static Path dir;

    private static Path home;
    private static final List<CliProcess> servers = new ArrayList<>();

    @BeforeAll
    static void unpack() throws Exception {
        // -Dtest=DistributionTest also selects it in the test phase, before the archive exists
        Assumptions.assumeTrue(System.getProperty("kwik.cli.distribution") != null,
                "runs in the integration-test phase (surefire execution 'distribution')");
        Path archive = Path.of(CliJvm.property("kwik.cli.distribution"));
        assertThat(archive).as("built by the package phase").isRegularFile();
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Process tar = new ProcessBuilder("tar", "-xzf", archive.toString(), "-C", elsewhere.toString())
                .redirectErrorStream(true).start();
        String output = new String(tar.getInputStream().readAllBytes());
        assertThat(tar.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(tar.exitValue()).as("tar: %s", output).isZero();
        home = elsewhere.resolve("kwik-" + CliJvm.property("kwik.cli.version"));
    }

    @AfterAll
    static void stopServers() throws Exception {
        for (CliProcess server : servers) {
            server.close();
            System.out.println(server.report());
        }
    }

    @Test
    void theArchiveHoldsTheScriptTheModulePathTheCompletionAndTheReadme() throws IOException {
        assertThat(home.resolve("bin/kwik")).isExecutable();
        assertThat(home.resolve("bin/kwik_completion")).isRegularFile();
        assertThat(Files.readString(home.resolve("bin/kwik_completion"))).contains("complete").contains("fetch").contains("serve");
        assertThat(home.resolve("README.md")).isRegularFile();
        assertThat(home.resolve("LICENSE")).isRegularFile();
        try (var jars = Files.list(home.resolve("lib"))) {
            assertThat(jars.map(p -> p.getFileName().toString()).toList())
                    .anyMatch(name -> name.startsWith("kwik-cli-")).anyMatch(name -> name.startsWith("kwik-engine-"))
                    .anyMatch(name -> name.startsWith("picocli-")).allMatch(name -> name.endsWith(".jar"));
        }
    }

    @Test
    void versionIsTheBuildsFromTheJarManifest() throws Exception {
        CliProcess version = kwik("version", "--version");
        assertThat(version.awaitExit(RUN)).as(version.report()).contains(0);
        assertThat(version.out()).as(version.report()).first().isEqualTo("kwik " + CliJvm.property("kwik.cli.version")
                + " (KWIK for Java)");
    }

    @Test
    void aJavaOlderThan21IsAClearError() throws Exception {
        Path fake = Files.createDirectories(dir.resolve("old-java"));
        Path java = fake.resolve("java");
        Files.writeString(java, "#!/bin/sh\necho '    java.specification.version = 17' >&2\necho 'openjdk version \"17.0.9\"' >&2\n");
        assertThat(java.toFile().setExecutable(true)).isTrue();
        Map<String, String> environment = new HashMap<>();
        environment.put("JAVA_HOME", null);
        environment.put("PATH", fake + ":/usr/bin:/bin");
        CliProcess old = CliProcess.run(dir, "old-java", List.of(home.resolve("bin/kwik").toString(), "--version"), environment);
        assertThat(old.awaitExit(RUN)).as(old.report()).contains(2);
        assertThat(old.err()).as(old.report()).singleElement().asString()
                .startsWith("kwik: needs Java 21 or newer").contains(java + " (Java 17)").contains("JAVA_HOME");
        assertThat(old.out()).as(old.report()).isEmpty();
    }

    @Test
    void theUnpackedCopyFetchesFromItsOwnServers() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        byte[] data = new byte[SIZE];
        new SecureRandom().nextBytes(data);
        Files.write(root.resolve("data.bin"), data);
        String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        SelfSigned made = SelfSigned.generate(Duration.ofDays(1));
        Path certificate = Files.writeString(dir.resolve("cert.pem"), made.certificatePem());
        Path key = Files.writeString(dir.resolve("key.pem"), made.privateKeyPem());
        byte[] groupKey = new byte[32];
        new SecureRandom().nextBytes(groupKey);
        Path groupKeyFile = Files.write(dir.resolve("group.key"), groupKey);
        List<String> common = List.of("--port", "0", "--root", root.toString(), "--cert", certificate.toString(),
                "--key", key.toString(), "--group-key", groupKeyFile.toString(), "--handshake-timeout", "30");

        CliProcess secondary = serve("secondary", common, List.of());
        String secondaryPort = listening(secondary, "secondary");
        CliProcess primary = serve("primary", common, List.of("--secondary", "localhost:" + secondaryPort));
        String primaryPort = listening(primary, "primary");

        Path output = dir.resolve("fetched.bin");
        CliProcess fetch = kwik("fetch", "fetch", "kwik://localhost:" + primaryPort + "/data.bin", "-o", output.toString(),
                "--trust", certificate.toString(), "--handshake-timeout", "30", "--progress", "none");
        Optional<Integer> exit = fetch.awaitExit(RUN);
        System.out.println(fetch.report());
        assertThat(exit).as(fetch.report()).contains(0);
        assertThat(fetch.out()).as("standard output carries data only\n%s", fetch.report()).isEmpty();
        assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(output))))
                .as("the saved file's SHA-256").isEqualTo(digest);
        // the secondary may join after an 8 MiB download ended on a loaded machine: only the primary's row is sure
        assertThat(KwikCliProcessTest.rows(fetch.err())).as("the table\n%s", fetch.report())
                .extracting(m -> m.group(1)).startsWith("p0");
        assertThat(fetch.err()).as(fetch.report()).contains("sha256 OK  " + digest + " (" + SIZE + " bytes, as the primary announced)");
    }

    private static CliProcess serve(String name, List<String> common, List<String> more) throws IOException {
        List<String> arguments = new ArrayList<>(List.of("serve"));
        arguments.addAll(common);
        arguments.addAll(more);
        CliProcess server = kwik(name, arguments.toArray(String[]::new));
        servers.add(server);
        return server;
    }

    private static String listening(CliProcess server, String role) throws InterruptedException {
        Optional<Matcher> line = server.awaitLine(LISTENING, START);
        assertThat(line).as("the server reports its address\n%s", server.report()).isPresent();
        assertThat(line.get().group(3)).isEqualTo(role);
        return line.get().group(2);
    }

    /** {@code bin/kwik ARGUMENTS} of the unpacked copy, with this test's JDK as JAVA_HOME. */
    private static CliProcess kwik(String name, String... arguments) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(home.resolve("bin/kwik").toString());
        command.addAll(List.of(arguments));
        return CliProcess.run(dir, name, command, Map.of("JAVA_HOME", System.getProperty("java.home")));
    }
}
