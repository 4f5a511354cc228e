package io.kwik.backend.netty;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.MultiplexingSuite;

/** The multiplexing suite of the compatibility kit, every party on the {@code netty} backend. */
class NettyMultiplexingTest extends MultiplexingSuite {
    @Override
    protected QuicTransportProvider provider() {
        return new NettyTransportProvider();
    }
}
