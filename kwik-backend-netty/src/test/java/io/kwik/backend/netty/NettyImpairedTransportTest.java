package io.kwik.backend.netty;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.ImpairedTransportSuite;

/** The impaired-link suite (loss and blackhole through the kit's proxy) on the Netty backend. */
class NettyImpairedTransportTest extends ImpairedTransportSuite {

    @Override
    protected QuicTransportProvider provider() {
        return new NettyTransportProvider();
    }
}
