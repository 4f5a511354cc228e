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

import io.kwik.tck.TransportConformanceSuite;

/**
 * The kit is itself tested, as the Reactive Streams TCK is: run against a backend that drops
 * the last byte of every stream, the transport suite must fail exactly the tests that move
 * bytes to a FIN, and pass the ones that do not.
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
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(Arrays.stream(TransportConformanceSuite.class.getDeclaredMethods())
                        .filter(method -> SELECTED.contains(method.getName()))
                        .map(method -> selectMethod(TruncatingBackendConformance.class, method)).toList())
                .build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        launcher.execute(request, listener);
        TestExecutionSummary summary = listener.getSummary();

        List<String> failed = summary.getFailures().stream()
                .map(failure -> failure.getTestIdentifier().getDisplayName()).toList();
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
}
