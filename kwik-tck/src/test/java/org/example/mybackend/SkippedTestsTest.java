package org.example.mybackend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.TransportConformanceSuite;

/**
 * A backend outside the kit's package leaves one test out with a reason
 * ({@code BackendSuite.skippedTests()}), as a backend author would: the test is reported
 * skipped with that reason before any of its set-up runs, the backend's other tests still run,
 * and a name that is no test fails loudly instead of skipping nothing.
 */
class SkippedTestsTest {

    /** Set only while this test launches the suites below, so no other run picks them up. */
    private static final String INNER = "kwik.tck.selfTest";
    private static final String SKIPPED = "required_SPI_3_7_idleTimeoutClosesConnection";
    private static final String RUN = "required_SPI_1_1_providerDescribesItself";

    @Test
    void theNamedTestIsSkippedWithItsReasonAndTheOthersRun() {
        Map<String, String> outcomes = run(SkipsOneTest.class);
        assertThat(outcomes).containsEntry(SKIPPED,
                "skipped: SkipsOneTest skips " + SKIPPED + ": this library's idle timer cannot be shortened below 5 s");
        assertThat(outcomes.get(RUN)).as("a test the backend did not skip runs, and reaches provider()")
                .startsWith("FAILED").contains("no QUIC library in this test");
    }

    @Test
    void aNameThatIsNoTestFailsInsteadOfSkippingNothing() {
        Map<String, String> outcomes = run(SkipsATypo.class);
        assertThat(outcomes.get(RUN)).startsWith("FAILED").contains("skippedTests() names [idleTimeoutClosesConection]")
                .contains("which are no tests of it");
    }

    private static Map<String, String> run(Class<?> type) {
        Map<String, String> outcomes = new ConcurrentHashMap<>();
        TestExecutionListener listener = new TestExecutionListener() {
            @Override
            public void executionSkipped(TestIdentifier test, String reason) {
                if (test.isTest()) outcomes.put(name(test), "skipped: " + reason);
            }

            @Override
            public void executionFinished(TestIdentifier test, TestExecutionResult result) {
                if (test.isTest()) {
                    outcomes.put(name(test), result.getStatus() + " " + result.getThrowable().map(String::valueOf).orElse(""));
                }
            }
        };
        try {
            System.setProperty(INNER, "true");
            LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request()
                    .selectors(selectMethod(type, SKIPPED), selectMethod(type, RUN)).build(), listener);
        } finally {
            System.clearProperty(INNER);
        }
        assertThat(outcomes).as("outcomes of %s", type.getSimpleName()).containsKeys(SKIPPED, RUN);
        return outcomes;
    }

    private static String name(TestIdentifier test) {
        String display = test.getDisplayName();
        return display.endsWith("()") ? display.substring(0, display.length() - 2) : display.replaceAll("\\(.*\\)$", "");
    }

    /** A backend whose library has no QUIC here: every test that runs fails in provider(). */
    abstract static class NoLibrary extends TransportConformanceSuite {
        @Override
        protected QuicTransportProvider provider() {
            throw new UnsupportedOperationException("no QUIC library in this test");
        }
    }

    @EnabledIfSystemProperty(named = INNER, matches = "true")
    static class SkipsOneTest extends NoLibrary {
        @Override
        protected Map<String, String> skippedTests() {
            return Map.of(SKIPPED, "this library's idle timer cannot be shortened below 5 s");
        }
    }

    @EnabledIfSystemProperty(named = INNER, matches = "true")
    static class SkipsATypo extends NoLibrary {
        @Override
        protected Map<String, String> skippedTests() {
            return Map.of("idleTimeoutClosesConection", "a typo");
        }
    }
}
