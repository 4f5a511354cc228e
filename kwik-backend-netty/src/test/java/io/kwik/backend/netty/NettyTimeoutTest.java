package io.kwik.backend.netty;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.TimeoutSuite;

/** The typed-timeout suite of the compatibility kit, every party on the {@code netty} backend. */
class NettyTimeoutTest extends TimeoutSuite {

    @Override
    protected QuicTransportProvider provider() {
        return new NettyTransportProvider();
    }
}
