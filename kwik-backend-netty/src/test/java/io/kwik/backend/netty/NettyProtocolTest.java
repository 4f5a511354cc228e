package io.kwik.backend.netty;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.ProtocolSuite;

/** The protocol suite of the compatibility kit, every party on the {@code netty} backend. */
class NettyProtocolTest extends ProtocolSuite {
    @Override
    protected QuicTransportProvider provider() {
        return new NettyTransportProvider();
    }
}
