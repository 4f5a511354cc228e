package io.kwik.backend.netty;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.DialRaceSuite;

/** The dial-race suite of the compatibility kit, every party on the {@code netty} backend. */
class NettyDialRaceTest extends DialRaceSuite {

    @Override
    protected QuicTransportProvider provider() {
        return new NettyTransportProvider();
    }
}
