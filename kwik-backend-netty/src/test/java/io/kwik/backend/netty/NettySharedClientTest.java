package io.kwik.backend.netty;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.SharedClientSuite;

/** The shared-client suite of the compatibility kit, every party on the {@code netty} backend. */
class NettySharedClientTest extends SharedClientSuite {

    @Override
    protected QuicTransportProvider provider() {
        return new NettyTransportProvider();
    }
}
