package io.kwik.examples.jpms;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.kwik.examples.echo.EchoClient;
import io.kwik.examples.echo.EchoServer;
import io.kwik.tck.tools.SelfSignedCertificate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the examples in new JVMs on a pure module path, the way Netty's {@code testsuite-jpms}
 * checks Netty: an empty class path, and on the module path only this module's classes and
 * its run-time dependencies (never a test dependency).
 *
 * <p>{@link ModuleGraphProbe} proves that an application which {@code requires io.kwik.api}
 * alone gets the engine and the kwik backend through {@code ServiceLoader} bindings, that the
 * KWIK modules and the QUIC library resolve as explicit modules, that a real session echoes
 * 1 MiB intact there, and that the only automatic modules in the graph are on
 * {@link #ALLOWED_AUTOMATIC}. A second test runs {@link EchoServer} and {@link EchoClient}
 * as two processes, with the command lines the README shows.
 *
 * <p>Maven passes the inputs as system properties (see this module's {@code pom.xml}):
 * {@code kwik.examples.runtimePathFile}, the file {@code dependency:build-classpath} writes
 * with the run-time dependencies; {@code kwik.examples.classes}, this module's classes; and
 * {@code kwik.examples.jvmArgs}, the reactor's {@code kwik.test.argLine}, which carries
 * {@code -da:tech.kwik...} because kwik 0.10.8 trips its own assertion on loopback.
 */
final class PureModulePathTest {

    /**
     * Every automatic module allowed in the graph, with the reason it has no module descriptor.
     * The kwik library's own dependencies are all explicit modules and so are not listed:
     * {@code tech.kwik.agent15} (module-info), {@code at.favre.lib.hkdf} (module-info in
     * {@code META-INF/versions/9} of a multi-release jar) and {@code io.whitfin.siphash}
     * (the io7m repackaging, which adds a module-info).
     */
    private static final Map<String, String> ALLOWED_AUTOMATIC = Map.of(
            "com.google.protobuf",
            "protobuf-java 4.x ships no module-info.class, only Automatic-Module-Name; io.kwik.proto requires it");

    /** Modules that must resolve, and as explicit modules. */
    private static final List<String> REQUIRED_EXPLICIT = List.of(
            "io.kwik.examples", "io.kwik.api", "io.kwik.engine", "io.kwik.spi", "io.kwik.proto",
            "io.kwik.backend.kwik", "tech.kwik.core", "io.kwik.backend.netty");

    /** Modules that must not resolve: test-only dependencies. */
    private static final List<String> FORBIDDEN = List.of(
            "io.kwik.tck", "org.junit.jupiter.api", "org.assertj.core",
            "org.bouncycastle.provider", "org.bouncycastle.pkix");

    private static final Duration PROCESS_TIMEOUT = ModuleGraphProbe.DEADLINE.plusSeconds(60);
    private static final String HANDSHAKE_TIMEOUT_SECONDS = Long.toString(ModuleGraphProbe.HANDSHAKE_TIMEOUT.toSeconds());
    private static final Pattern LISTENING = Pattern.compile("echo server listening on (\\S+):(\\d+)");

    @TempDir
    Path dir;

    private Path certificateFile;
    private Path keyFile;

    @BeforeEach
    void writeCertificate() throws IOException {
        SelfSignedCertificate certificate = SelfSignedCertificate.generate();
        certificateFile = Files.writeString(dir.resolve("cert.pem"), certificate.certificatePem());
        keyFile = Files.writeString(dir.resolve("key.pem"), certificate.privateKeyPem());
    }

    /**
     * Both backends are on the module path; the probe names one with {@code io.kwik.transport},
     * and the engine refuses to fall back when the named one is unusable, so an {@code OK}
     * means the session ran on it.
     */
    @ParameterizedTest(name = "io.kwik.transport={0}")
    @ValueSource(strings = {"kwik", "netty"})
    void probeEchoesOnAPureModulePathWithExplicitKwikModules(String transport) throws Exception {
        List<String> command = command(ModuleGraphProbe.class, certificateFile.toString(), keyFile.toString());
        command.add(1, "-Dio.kwik.transport=" + transport);
        Run probe = Run.start(dir, "probe-" + transport, command);
        boolean exited = probe.await(PROCESS_TIMEOUT);
        probe.verify(lines -> {
            assertThat(exited).as("the probe exits within %s", PROCESS_TIMEOUT).isTrue();
            assertThat(probe.exitCode()).as("exit code").contains(0);
            assertThat(lines).as("the class path is empty").contains("CLASSPATH []");
            assertThat(lines).as("the probe runs from its named module").contains("SELF io.kwik.examples");
            assertThat(lines).as("the echo's digest").contains("OK " + EchoClient.sha256(ModuleGraphProbe.payload()));

            Map<String, String> modules = new TreeMap<>();
            for (String line : lines) {
                if (line.startsWith("MODULE ")) {
                    String[] fields = line.split(" ");
                    modules.put(fields[1], fields[2]);
                }
            }
            for (String name : REQUIRED_EXPLICIT) {
                assertThat(modules).as("module %s resolves as an explicit module", name).containsEntry(name, "explicit");
            }
            List<String> automatic = modules.entrySet().stream()
                    .filter(module -> module.getValue().equals("automatic"))
                    .map(Map.Entry::getKey)
                    .toList();
            assertThat(ALLOWED_AUTOMATIC.keySet()).as("automatic modules in the graph must be on the allow-list")
                    .containsAll(automatic);
            assertThat(modules).as("test-only and absent modules do not resolve")
                    .doesNotContainKeys(FORBIDDEN.toArray(String[]::new));
        });
    }

    @Test
    void echoServerAndClientRunAsModules() throws Exception {
        Run server = Run.start(dir, "server", command(EchoServer.class,
                "--cert", certificateFile.toString(), "--key", keyFile.toString(), "--port", "0", "--bind", "127.0.0.1",
                "--handshake-timeout", HANDSHAKE_TIMEOUT_SECONDS));
        try {
            Optional<Matcher> listening = server.awaitLine(LISTENING, PROCESS_TIMEOUT);
            server.verify(lines -> assertThat(listening).as("the server reports its address").isPresent());
            String port = listening.orElseThrow().group(2);

            Run sized = Run.start(dir, "client-size", command(EchoClient.class,
                    "localhost", port, "--trust", certificateFile.toString(), "--size", "2000000",
                    "--handshake-timeout", HANDSHAKE_TIMEOUT_SECONDS));
            boolean sizedExited = sized.await(PROCESS_TIMEOUT);
            sized.verify(lines -> {
                assertThat(sizedExited).as("the client exits within %s", PROCESS_TIMEOUT).isTrue();
                assertThat(sized.exitCode()).as("exit code").contains(0);
                assertThat(lines).anyMatch(line -> line.matches("sent +2000000 bytes, sha256 [0-9a-f]{64}"));
                assertThat(lines).anyMatch(line -> line.matches("round trip .* ms, digests match"));
            });

            Run message = Run.start(dir, "client-message", command(EchoClient.class,
                    "localhost", port, "--trust", certificateFile.toString(), "hello, kwik",
                    "--handshake-timeout", HANDSHAKE_TIMEOUT_SECONDS));
            boolean messageExited = message.await(PROCESS_TIMEOUT);
            message.verify(lines -> {
                assertThat(messageExited).as("the client exits within %s", PROCESS_TIMEOUT).isTrue();
                assertThat(message.exitCode()).as("exit code").contains(0);
                assertThat(lines).contains("echo      hello, kwik");
            });
        } finally {
            server.process.destroy();
        }
        boolean serverExited = server.await(Duration.ofSeconds(60));
        server.verify(lines -> assertThat(serverExited).as("the server stops on SIGTERM").isTrue());
    }

    private static List<String> command(Class<?> main, String... arguments) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.add("-ea");
        // Netty loads its QUIC native library through JNI; JDK 22+ asks for the permission
        command.add("--enable-native-access=io.netty.common");
        command.addAll(Arrays.asList(ExampleJvm.property("kwik.examples.jvmArgs").trim().split("\\s+")));
        command.add("--module-path");
        command.add(ExampleJvm.modulePath());
        command.add("-m");
        command.add("io.kwik.examples/" + main.getName());
        command.addAll(Arrays.asList(arguments));
        return command;
    }

    /** Checks on a finished or running process's standard output lines. */
    @FunctionalInterface
    private interface Check {
        void on(List<String> lines) throws Exception;
    }

    /**
     * One child JVM, with an empty class path and its output in files. It is killed when it
     * outlives its timeout, and every failed check carries its command line and output.
     */
    private record Run(String name, List<String> command, Process process, Path stdout, Path stderr) {

        static Run start(Path dir, String name, List<String> command) throws IOException {
            Path stdout = dir.resolve(name + ".out");
            Path stderr = dir.resolve(name + ".err");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectOutput(stdout.toFile())
                    .redirectError(stderr.toFile());
            for (String variable : List.of("CLASSPATH", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS")) {
                builder.environment().remove(variable);
            }
            return new Run(name, command, builder.start(), stdout, stderr);
        }

        /** Waits for the process to exit; kills it and returns false when it outlives {@code timeout}. */
        boolean await(Duration timeout) throws InterruptedException {
            if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) return true;
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            return false;
        }

        Optional<Matcher> awaitLine(Pattern pattern, Duration timeout) throws IOException, InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                for (String line : lines()) {
                    Matcher matcher = pattern.matcher(line);
                    if (matcher.matches()) return Optional.of(matcher);
                }
                if (!process.isAlive()) return Optional.empty();
                Thread.sleep(50);
            }
            return Optional.empty();
        }

        /** The exit code, or empty while the process runs. */
        Optional<Integer> exitCode() {
            return process.isAlive() ? Optional.empty() : Optional.of(process.exitValue());
        }

        List<String> lines() throws IOException {
            return Files.readString(stdout, StandardCharsets.UTF_8).lines().toList();
        }

        void verify(Check check) throws Exception {
            String report = report();
            System.out.println(report);
            try {
                check.on(lines());
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\n" + report, e);
            }
        }

        private String report() throws IOException {
            return "=== " + name + ": " + String.join(" ", command)
                    + "\n--- stdout ---\n" + Files.readString(stdout, StandardCharsets.UTF_8)
                    + "--- stderr ---\n" + Files.readString(stderr, StandardCharsets.UTF_8);
        }
    }
}
