package io.kwik.backend.kwik;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.ProtocolSuite;

/** The KWIK protocol suite of the compatibility kit, every party on the {@code kwik} backend. */
class KwikProtocolTest extends ProtocolSuite {

    @Override
    protected QuicTransportProvider provider() {
        return new KwikTransportProvider();
    }
}
