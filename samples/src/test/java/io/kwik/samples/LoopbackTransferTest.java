package io.kwik.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.kwik.tck.tools.SelfSignedCertificate;

/**
 * Runs {@link LoopbackTransfer} the way a user runs a modular application, in a JVM of its own
 * with the sample and its run-time dependencies on the module path and nothing on the class
 * path, and checks the bytes that came back by size and SHA-256.
 */
class LoopbackTransferTest {

    private static final int SIZE = 4 << 20;

    @Test
    void theBytesComeBackOverKwikOnThePureModulePath(@TempDir Path dir) throws Exception {
        SelfSignedCertificate certificate = SelfSignedCertificate.generate();
        Path certificatePem = Files.writeString(dir.resolve("certificate.pem"), certificate.certificatePem());
        Path keyPem = Files.writeString(dir.resolve("private-key.pem"), certificate.privateKeyPem());
        Path output = dir.resolve("output.txt");

        Process process = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--module-path", modulePath(),
                "-m", "io.kwik.samples/io.kwik.samples.LoopbackTransfer",
                certificatePem.toString(), keyPem.toString(), Integer.toString(SIZE))
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        boolean exited = process.waitFor(180, TimeUnit.SECONDS);
        if (!exited) process.destroyForcibly();
        List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8);
        assertTrue(exited, () -> "the sample did not finish in 180 s: " + lines);
        assertEquals(0, process.exitValue(), () -> "the sample's exit code: " + lines);

        String expected = LoopbackTransfer.sha256(LoopbackTransfer.payload(SIZE));
        assertTrue(lines.contains("engine module: io.kwik.engine"), () -> "the engine ran as a named module: " + lines);
        assertTrue(lines.contains("sent " + SIZE + " bytes, sha256 " + expected), () -> "what was sent: " + lines);
        assertTrue(lines.contains("received " + SIZE + " bytes, sha256 " + expected), () -> "what came back: " + lines);
        assertTrue(lines.contains("OK"), () -> lines.toString());
        assertFalse(lines.contains("MISMATCH"), () -> lines.toString());
    }

    /** The sample's classes and its run-time dependencies, as pom.xml lists them for this test. */
    private static String modulePath() throws Exception {
        String file = System.getProperty("samples.runtimePathFile");
        assertTrue(file != null && Files.exists(Path.of(file)), "written by dependency:build-classpath; run the test through Maven");
        String dependencies = Files.readString(Path.of(file), StandardCharsets.UTF_8).trim();
        return System.getProperty("samples.classes") + File.pathSeparator + dependencies;
    }
}
