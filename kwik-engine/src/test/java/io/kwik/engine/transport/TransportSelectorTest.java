package io.kwik.engine.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TransportSelectorTest {

    @AfterEach
    void clearProperty() {
        System.clearProperty(TransportSelector.PROPERTY);
    }

    @Test
    void withoutANameTheUsableProviderWithTheHighestPriorityWins() {
        assertThat(TransportSelector.select(Optional.empty()).name()).isEqualTo("fake-high");
    }

    @Test
    void aNameInTheConfigurationChoosesThatProvider() {
        System.setProperty(TransportSelector.PROPERTY, "fake-high");
        assertThat(TransportSelector.select(Optional.of("fake-low")).name()).isEqualTo("fake-low");
    }

    @Test
    void theSystemPropertyChoosesWhenTheConfigurationNamesNone() {
        System.setProperty(TransportSelector.PROPERTY, "fake-low");
        assertThat(TransportSelector.select(Optional.empty()).name()).isEqualTo("fake-low");
    }

    @Test
    void anUnavailableProviderIsSkippedAndNamingItSaysWhy() {
        assertThatThrownBy(() -> TransportSelector.select(Optional.of("fake-unavailable")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("fake-unavailable")
                .hasMessageContaining("no libfake in java.library.path");
    }

    @Test
    void aProviderBuiltForAnotherSpiVersionIsNotUsable() {
        assertThatThrownBy(() -> TransportSelector.select(Optional.of("fake-old")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("SPI version 0");
    }

    @Test
    void anUnknownNameListsEveryProviderFoundAndWhyEachIsUnusable() {
        assertThatThrownBy(() -> TransportSelector.select(Optional.of("quiche")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'quiche' was asked for but not found")
                .hasMessageContaining("fake-low (usable)")
                .hasMessageContaining("fake-high (usable)")
                .hasMessageContaining("fake-unavailable (unusable: java.lang.UnsatisfiedLinkError: no libfake")
                .hasMessageContaining("<failed to load>")
                .hasMessageContaining("kwik-backend-quiche");
    }
}
