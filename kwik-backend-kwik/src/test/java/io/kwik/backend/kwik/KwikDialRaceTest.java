package io.kwik.backend.kwik;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.DialRaceSuite;

/** The dial-race suite of the compatibility kit, every party on the {@code kwik} backend. */
class KwikDialRaceTest extends DialRaceSuite {

    @Override
    protected QuicTransportProvider provider() {
        return new KwikTransportProvider();
    }
}
