package io.kwik.interop;

import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.ProtocolSuite;

/**
 * The protocol suite, client on {@code kwik} and server on {@code netty}, with the handshake logs of
 * both ends printed for each failing test. Skipped unless {@code interop.traced} is set.
 */
@EnabledIfSystemProperty(named = "interop.traced", matches = "true")
@ExtendWith(TracedHandshakeExtension.class)
class KwikClientNettyServerTracedProtocolTest extends ProtocolSuite {
    @Override
    protected QuicTransportProvider provider() {
        return InteropBackends.named("netty");
    }

    @Override
    protected QuicTransportProvider clientProvider() {
        return InteropBackends.named("kwik");
    }
}
