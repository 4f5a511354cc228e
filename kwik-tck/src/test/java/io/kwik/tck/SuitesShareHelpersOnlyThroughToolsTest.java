package io.kwik.tck;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * A suite takes shared helpers from {@code io.kwik.tck.tools}, never from a sibling suite: a
 * backend author who reads one suite must not need another to understand it, and a helper
 * moved inside one suite must not break another. Reads the kit's sources (the module's
 * {@code src/main/java}, where Surefire runs).
 */
class SuitesShareHelpersOnlyThroughToolsTest {

    /** {@code OtherSuite.member} or {@code import ... io.kwik.tck.OtherSuite...}; extending BackendSuite is fine. */
    private static final Pattern SIBLING = Pattern.compile("\\b(\\w+Suite)\\.\\w|import (?:static )?io\\.kwik\\.tck\\.(\\w+Suite)\\b");

    @Test
    void noSuiteUsesAnotherSuitesMembers() throws IOException {
        Path kit = Path.of("src", "main", "java", "io", "kwik", "tck");
        assertThat(kit).as("the kit's sources, relative to the module").isDirectory();
        List<String> borrowed = new ArrayList<>();
        int suites = 0;
        try (Stream<Path> files = Files.list(kit)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith("Suite.java")).sorted().toList()) {
                suites++;
                String self = file.getFileName().toString().replace(".java", "");
                List<String> lines = Files.readAllLines(file);
                for (int i = 0; i < lines.size(); i++) {
                    Matcher m = SIBLING.matcher(lines.get(i));
                    while (m.find()) {
                        String other = m.group(1) != null ? m.group(1) : m.group(2);
                        if (!other.equals(self) && !other.equals("BackendSuite")) {
                            borrowed.add(self + ":" + (i + 1) + " uses " + other + ": " + lines.get(i).trim());
                        }
                    }
                }
            }
        }
        assertThat(suites).as("suites found").isGreaterThan(10);
        assertThat(borrowed).as("members a suite takes from a sibling suite").isEmpty();
    }
}
