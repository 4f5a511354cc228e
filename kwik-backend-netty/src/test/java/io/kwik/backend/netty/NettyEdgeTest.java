package io.kwik.backend.netty;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.EdgeSuite;

/** The edge suite of the compatibility kit, every party on the {@code netty} backend. */
class NettyEdgeTest extends EdgeSuite {
    @Override
    protected QuicTransportProvider provider() {
        return new NettyTransportProvider();
    }
}
