package io.kwik.backend.kwik;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.HostileServerSuite;

/** The hostile-server suite of the compatibility kit, every party on the {@code kwik} backend. */
class KwikHostileServerTest extends HostileServerSuite {
    @Override
    protected QuicTransportProvider provider() {
        return new KwikTransportProvider();
    }
}
