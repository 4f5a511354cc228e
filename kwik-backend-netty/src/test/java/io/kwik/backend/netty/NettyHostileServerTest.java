package io.kwik.backend.netty;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.HostileServerSuite;

/** The hostile-server suite of the compatibility kit, every party on the {@code netty} backend. */
class NettyHostileServerTest extends HostileServerSuite {
    @Override
    protected QuicTransportProvider provider() {
        return new NettyTransportProvider();
    }
}
