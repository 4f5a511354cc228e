package io.kwik.interop;

import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.MultiplexingSuite;

/**
 * The multiplexing suite, client on {@code kwik} and server on {@code netty}, with the handshake logs of
 * both ends printed for each failing test. Skipped unless {@code interop.traced} is set.
 */
@EnabledIfSystemProperty(named = "interop.traced", matches = "true")
@ExtendWith(TracedHandshakeExtension.class)
class KwikClientNettyServerTracedMultiplexingTest extends MultiplexingSuite {
    @Override
    protected QuicTransportProvider provider() {
        return InteropBackends.named("netty");
    }

    @Override
    protected QuicTransportProvider clientProvider() {
        return InteropBackends.named("kwik");
    }
}
