package io.kwik.interop;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.kwik.spi.QuicTransportProvider;

/** Fails when a backend joins the build without interop classes for its pairs. */
class EveryPairIsCoveredTest {

    @Test
    void theBackendsFoundAreExactlyThePairsThisModuleRuns() {
        assertThat(InteropBackends.all()).extracting(QuicTransportProvider::name)
                .as("backends with interop classes here: add classes for every new pair")
                .containsExactlyInAnyOrder("kwik", "netty");
    }

    @Test
    void everyBackendFoundIsUsableHere() {
        for (QuicTransportProvider provider : InteropBackends.all()) {
            assertThat(provider.isAvailable()).as("%s available (cause: %s)", provider.name(),
                    provider.unavailabilityCause().map(Throwable::toString).orElse("none")).isTrue();
        }
    }
}
