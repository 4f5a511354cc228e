package io.kwik.tck.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * {@link ScaledTimeoutExtension} and {@link TimeoutScale}: runs small test classes through the
 * JUnit launcher with and without a factor, and checks which of them JUnit reports failed.
 */
class ScaledTimeoutExtensionTest {

    /** Set only while this test launches the classes below, so no other run picks them up. */
    private static final String INNER = "kwik.tck.selfTest";

    @Test
    void aFactorLetsATestOutliveItsWrittenTimeout() {
        assertThat(run(OutlivesItsClassTimeout.class, null).getTotalFailureCount())
                .as("a 2 s test under @Timeout(1 s), no factor: JUnit's own timeout").isEqualTo(1);
        TestExecutionSummary scaled = run(OutlivesItsClassTimeout.class, "30");
        assertThat(scaled.getTestsSucceededCount()).as("the same test with a factor of 30: %s", failures(scaled))
                .isEqualTo(1);
    }

    @Test
    void aMethodTimeoutIsScaledToo() {
        TestExecutionSummary scaled = run(OutlivesItsMethodTimeout.class, "30");
        assertThat(scaled.getTestsSucceededCount()).as("a method @Timeout(1 s) with a factor of 30: %s", failures(scaled))
                .isEqualTo(1);
    }

    @Test
    void theScaledTimeoutStillEndsATestThatHangs() {
        TestExecutionSummary summary = run(Hangs.class, "2");
        assertThat(summary.getTotalFailureCount()).as("a test that never returns").isEqualTo(1);
        assertThat(summary.getFailures().get(0).getException()).hasMessageContaining("timed out after PT0.4S")
                .hasMessageContaining("@Timeout PT0.2S × kwik.tck.timeoutScale 2.0");
    }

    @Test
    void scalesDurationsAndRejectsNonsense() {
        String before = System.getProperty(TimeoutScale.PROPERTY);
        try {
            System.setProperty(TimeoutScale.PROPERTY, "2.5");
            assertThat(TimeoutScale.scaled(Duration.ofSeconds(30))).isEqualTo(Duration.ofSeconds(75));
            assertThat(TimeoutScale.scaled(Duration.ZERO)).isEqualTo(Duration.ZERO);
            for (String bad : new String[] {"0", "-1", "fast", "NaN", "Infinity"}) {
                System.setProperty(TimeoutScale.PROPERTY, bad);
                assertThatThrownBy(TimeoutScale::factor).as(bad).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining(TimeoutScale.PROPERTY).hasMessageContaining(bad);
            }
        } finally {
            restore(TimeoutScale.PROPERTY, before);
        }
    }

    private static TestExecutionSummary run(Class<?> type, String factor) {
        String before = System.getProperty(TimeoutScale.PROPERTY);
        try {
            System.setProperty(INNER, "true");
            restore(TimeoutScale.PROPERTY, factor);
            LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request().selectors(selectClass(type)).build();
            SummaryGeneratingListener listener = new SummaryGeneratingListener();
            LauncherFactory.create().execute(request, listener);
            TestExecutionSummary summary = listener.getSummary();
            assertThat(summary.getTestsFoundCount()).as("tests found in %s", type.getSimpleName()).isEqualTo(1);
            return summary;
        } finally {
            System.clearProperty(INNER);
            restore(TimeoutScale.PROPERTY, before);
        }
    }

    private static void restore(String property, String value) {
        if (value == null) {
            System.clearProperty(property);
        } else {
            System.setProperty(property, value);
        }
    }

    private static String failures(TestExecutionSummary summary) {
        return summary.getFailures().stream().map(f -> String.valueOf(f.getException())).toList().toString();
    }

    @EnabledIfSystemProperty(named = INNER, matches = "true")
    @ExtendWith(ScaledTimeoutExtension.class)
    @Timeout(value = 1, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    static class OutlivesItsClassTimeout {
        @Test
        void takesTwoSeconds() throws InterruptedException {
            Thread.sleep(2_000);
        }
    }

    @EnabledIfSystemProperty(named = INNER, matches = "true")
    @ExtendWith(ScaledTimeoutExtension.class)
    @Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    static class OutlivesItsMethodTimeout {
        @Test
        @Timeout(value = 1, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
        void takesTwoSeconds() throws InterruptedException {
            Thread.sleep(2_000);
        }
    }

    @EnabledIfSystemProperty(named = INNER, matches = "true")
    @ExtendWith(ScaledTimeoutExtension.class)
    @Timeout(value = 200, unit = TimeUnit.MILLISECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    static class Hangs {
        @Test
        void neverReturns() throws InterruptedException {
            new CountDownLatch(1).await();
        }
    }
}
