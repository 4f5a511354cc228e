package io.kwik.backend.netty;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.HostileInputSuite;

/** The hostile-input suite of the compatibility kit, every party on the {@code netty} backend. */
class NettyHostileInputTest extends HostileInputSuite {
    @Override
    protected QuicTransportProvider provider() {
        return new NettyTransportProvider();
    }
}
