package io.kwik.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kwik demo --kill-one} as a process: three servers in one JVM, a secondary stopped
 * abruptly at 40 % of the download; the download must still complete with the right SHA-256,
 * and the table must show the stopped secondary as DEAD.
 */
@Timeout(value = 400, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
final class KwikDemoProcessTest {

    private static final Pattern KILLED = Pattern.compile("killing secondary (127\\.0\\.0\\.1:\\d+) at .*");

    @TempDir
    Path dir;

    @Test
    void demoKillOneCompletesWithACorrectHash() throws Exception {
        // a 2 MiB window makes the refill's race with the primary's own ranges likely: before the
        // refill got a writer of its own, 4 runs in 16 stalled until the idle timeout this way
        CliProcess demo = CliProcess.start(dir, "demo", "demo", "--size", "32MiB", "--servers", "3", "--kill-one",
                "--window", "2MiB", "--progress", "plain", "--handshake-timeout", "30");
        Optional<Integer> exit = demo.awaitExit(Duration.ofSeconds(300));
        String report = demo.report();
        System.out.println(report);

        assertThat(exit).as("exit code\n%s", report).contains(0);
        assertThat(demo.out()).as("standard output: the demo reports on standard error\n%s", report).isEmpty();
        assertThat(demo.err()).as("the check\n%s", report).anyMatch(line -> line.matches("sha256 OK  [0-9a-f]{64} \\(33554432 bytes, .*"));
        Optional<Matcher> kill = demo.err().stream().map(KILLED::matcher).filter(Matcher::matches).findFirst();
        assertThat(kill).as("the kill\n%s", report).isPresent();
        String victim = kill.get().group(1);
        List<Matcher> rows = KwikCliProcessTest.rows(demo.err());
        assertThat(rows).as("one table row per path\n%s", report).extracting(m -> m.group(1)).containsExactly("p0", "p1", "p2");
        assertThat(rows.get(0).group(7)).as("the primary's status\n%s", report).isEqualTo("ACTIVE");
        assertThat(rows).as("the stopped secondary's row\n%s", report)
                .filteredOn(m -> m.group(2).equals(victim)).singleElement().satisfies(m -> assertThat(m.group(7)).isEqualTo("DEAD"));
        assertThat(demo.err()).as("the client saw it die\n%s", report)
                .anyMatch(line -> line.matches("path p\\d \\(" + Pattern.quote(victim) + "\\) is DEAD: .*"));
    }
}
