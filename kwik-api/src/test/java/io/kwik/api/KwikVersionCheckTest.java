package io.kwik.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;

import org.junit.jupiter.api.Test;

import io.kwik.api.spi.KwikProvider;

class KwikVersionCheckTest {

    /** An engine that reports {@code version}, or, for null, one built before the check existed. */
    private static KwikProvider engine(Integer version) {
        return new KwikProvider() {
            @Override
            public int apiVersion() {
                if (version == null) throw new AbstractMethodError("apiVersion");
                return version;
            }

            @Override
            public String name() {
                return "test";
            }

            @Override
            public KwikSession dial(InetSocketAddress primary, ClientConfig config) {
                throw new UnsupportedOperationException();
            }

            @Override
            public KwikClient newClient(ClientConfig config) {
                throw new UnsupportedOperationException();
            }

            @Override
            public KwikListener listen(InetSocketAddress bind, ServerConfig config) {
                throw new UnsupportedOperationException();
            }
        };
    }

    @Test
    void anEngineOfThisVersionIsUsed() {
        KwikProvider engine = engine(KwikProvider.API_VERSION);
        assertThat(Kwik.checked(engine)).isSameAs(engine);
    }

    @Test
    void anEngineOfAnotherVersionIsAClearError() {
        assertThatThrownBy(() -> Kwik.checked(engine(KwikProvider.API_VERSION + 1)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("built for io.kwik.api version " + (KwikProvider.API_VERSION + 1))
                .hasMessageContaining("this io.kwik.api is version " + KwikProvider.API_VERSION);
    }

    @Test
    void anEngineOlderThanTheCheckIsAClearError() {
        assertThatThrownBy(() -> Kwik.checked(engine(null)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("older than version " + KwikProvider.API_VERSION);
    }
}
