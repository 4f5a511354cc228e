package io.kwik.backend.netty;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.MultiPathSuite;

/** The multi-path suite of the compatibility kit, every party (client, primary, secondaries) on the {@code netty} backend. */
class NettyMultiPathTest extends MultiPathSuite {
    @Override
    protected QuicTransportProvider provider() {
        return new NettyTransportProvider();
    }
}
