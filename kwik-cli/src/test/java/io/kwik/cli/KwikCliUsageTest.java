package io.kwik.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The command line's answers that need no network and no process of their own: help texts and
 * refused arguments, run in this JVM through {@link KwikCli#run} with standard output and error
 * captured. What depends on the process (exit status, the streams of a real JVM, downloads)
 * stays in {@link KwikCliProcessTest}, which also checks exit code 2 in a process of its own.
 */
final class KwikCliUsageTest {

    @TempDir
    Path dir;

    /** What one run printed, and its exit code. */
    record Run(int exit, List<String> out, List<String> err) {
        String report() {
            return "exit " + exit + "\nstdout:\n" + String.join("\n", out) + "\nstderr:\n" + String.join("\n", err);
        }
    }

    static Run kwik(String... arguments) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = KwikCli.run(arguments, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, lines(out), lines(err));
    }

    private static List<String> lines(ByteArrayOutputStream bytes) {
        String text = bytes.toString(StandardCharsets.UTF_8);
        return text.isEmpty() ? List.of() : text.lines().toList();
    }

    @Test
    void helpListsExitCodesAndProgressModesAndServeHidesClientOptions() {
        Run fetchHelp = kwik("fetch", "--help");
        assertThat(fetchHelp.exit()).as(fetchHelp.report()).isZero();
        String fetch = String.join("\n", fetchHelp.out());
        assertThat(fetch).as(fetchHelp.report()).contains("Exit codes:").contains("auto, bar, plain, none")
                .contains("-k, --insecure").contains("--cacert").contains("--trust").contains("--sha256=HEX").contains("--force")
                .contains("-q, --quiet").contains("--stall-timeout");
        for (int code = 0; code <= 9; code++) {
            assertThat(fetch).as("exit code %d in fetch --help", code).containsPattern("(?m)^\\s+" + code + "\\s+\\S");
        }
        Run serveHelp = kwik("serve", "--help");
        assertThat(serveHelp.exit()).as(serveHelp.report()).isZero();
        assertThat(String.join("\n", serveHelp.out())).as(serveHelp.report()).contains("--root")
                .contains("--max-transfers=N").contains("--max-transfers-per-session=N").contains("--max-checks=N")
                .doesNotContain("--stall-timeout").doesNotContain("--path-timeout").doesNotContain("--progress")
                .doesNotContain("--sha256").doesNotContain("--insecure");
        assertOneLineFailure(kwik("fetch", "kwik://localhost:1/x", "--progress", "fancy"), 2, "--progress");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"http://localhost:4433/data.bin", "kwik://localhost:4433/", "kwik://:4433/data.bin",
        "kwik://localhost:99999/data.bin", "kwik://local host/x", "data.bin"})
    void aMalformedUrlIsRefused(String url) {
        assertOneLineFailure(kwik("fetch", url, "--insecure"), 2, "malformed URL");
    }

    @Test
    void aRootThatCannotBeReadIsRefused() throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
        assertOneLineFailure(kwik("serve", "--port", "0", "--root", dir.resolve("no-such-dir").toString(), "--self-signed"),
                2, "cannot read the root directory");
        assertOneLineFailure(kwik("serve", "--port", "0", "--root", file.toString(), "--self-signed"), 2, "is not a directory");
    }

    @Test
    void missingOptionsAreOneLine() {
        assertOneLineFailure(kwik("serve", "--port", "0", "--root", dir.toString()), 2, "give --cert and --key, or --self-signed");
        assertOneLineFailure(kwik("fetch"), 2, "Missing required parameter");
    }

    @Test
    void serverLimitsBelowOneAreRefused() {
        assertOneLineFailure(kwik("serve", "--port", "0", "--root", dir.toString(), "--self-signed", "--max-checks", "0"),
                2, "--max-checks must be at least 1");
    }

    /** Exits with {@code code}; standard error is one line, {@code kwik: ...}, containing {@code text}; nothing on standard output. */
    static void assertOneLineFailure(Run run, int code, String text) {
        assertThat(run.exit()).as("exit code\n%s", run.report()).isEqualTo(code);
        assertThat(run.err()).as("standard error is one line\n%s", run.report()).hasSize(1);
        assertThat(run.err().get(0)).as("the error line\n%s", run.report()).startsWith("kwik: ").contains(text);
        assertThat(run.out()).as("nothing on standard output\n%s", run.report()).isEmpty();
    }
}
