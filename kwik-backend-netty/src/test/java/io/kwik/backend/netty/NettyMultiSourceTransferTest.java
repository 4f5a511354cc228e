package io.kwik.backend.netty;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.MultiSourceTransferSuite;

/** The multi-source transfer suite of the compatibility kit, every party on the {@code netty} backend. */
class NettyMultiSourceTransferTest extends MultiSourceTransferSuite {
    @Override
    protected QuicTransportProvider provider() {
        return new NettyTransportProvider();
    }
}
