package io.kwik.interop.broken;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import io.kwik.tck.ImpairedTransportSuite;
import io.kwik.tck.TransportConformanceSuite;

/**
 * The kit is itself tested, as the Reactive Streams TCK is: run against a deliberately
 * broken backend, a suite must fail exactly the tests that check what is broken, and pass
 * the ones that do not.
 */
class TheKitCatchesABrokenBackendTest {

    /** Tests that catch the lost byte, and tests that must not care; the rest only cost time here. */
    private static final List<String> SELECTED = List.of(
            "required_SPI_1_1_providerDescribesItself",
            "required_SPI_3_1_connectCompletesHandshake",
            "required_SPI_3_2_bidirectionalStreamEchoes",
            "required_SPI_3_4_hundredConcurrentStreamsAreByteExact",
            "required_SPI_3_10_connectWithoutServerFails");

    @Test
    void theTransportSuiteFailsABackendThatLosesTheLastByteOfEveryStream() {
        TestExecutionSummary summary = run(TransportConformanceSuite.class, TruncatingBackendConformance.class, SELECTED);

        List<String> failed = failedNames(summary);
        assertThat(failed).as("tests that must catch the lost byte")
                .anyMatch(name -> name.startsWith("required_SPI_3_2_bidirectionalStreamEchoes"))
                .anyMatch(name -> name.startsWith("required_SPI_3_4_hundredConcurrentStreamsAreByteExact"));
        assertThat(failed).as("tests that do not depend on stream bytes")
                .noneMatch(name -> name.startsWith("required_SPI_1_1_providerDescribesItself"))
                .noneMatch(name -> name.startsWith("required_SPI_3_1_connectCompletesHandshake"))
                .noneMatch(name -> name.startsWith("required_SPI_3_10_connectWithoutServerFails"));
        assertThat(summary.getTestsFoundCount()).as("selected tests found").isEqualTo(SELECTED.size());
        assertThat(summary.getTestsSucceededCount()).as("tests passed").isEqualTo(3);
    }

    /** The FIN checks, and one test of the same suite that never flushes before a FIN. */
    private static final List<String> FIN_SELECTED = List.of(
            "required_R11_aLostFinRightBehindItsDataIsRetransmitted",
            "required_R11_aLostFinLongAfterItsDataIsRetransmitted",
            "required_R11_blackholeShorterThanIdleTimeoutIsSurvivedByteExact");

    @Test
    void theImpairedLinkSuiteFailsABackendThatNeverSendsAFinAfterAFlush() {
        TestExecutionSummary summary = run(ImpairedTransportSuite.class, FinLosingBackendImpairment.class, FIN_SELECTED);

        List<String> failed = failedNames(summary);
        assertThat(failed).as("tests that must catch the missing FIN")
                .anyMatch(name -> name.startsWith("required_R11_aLostFinRightBehindItsDataIsRetransmitted"))
                .anyMatch(name -> name.startsWith("required_R11_aLostFinLongAfterItsDataIsRetransmitted"));
        assertThat(summary.getFailures()).as("each for the end of the stream it did not see")
                .allSatisfy(failure -> assertThat(failure.getException())
                        .hasMessageContaining("fin-after-flush-losing: transfer failed")
                        .hasStackTraceContaining("the end of the stream after its FIN was lost"));
        assertThat(summary.getTestsFoundCount()).as("selected tests found").isEqualTo(FIN_SELECTED.size());
        assertThat(summary.getTestsSucceededCount()).as("tests passed: the blackhole test").isEqualTo(1);
    }

    private static TestExecutionSummary run(Class<?> suite, Class<?> subclass, List<String> methods) {
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(Arrays.stream(suite.getDeclaredMethods())
                        .filter(method -> methods.contains(method.getName()))
                        .map(method -> selectMethod(subclass, method)).toList())
                .build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        launcher.execute(request, listener);
        return listener.getSummary();
    }

    private static List<String> failedNames(TestExecutionSummary summary) {
        return summary.getFailures().stream().map(failure -> failure.getTestIdentifier().getDisplayName()).toList();
    }
}
