package io.kwik.backend.kwik;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.SharedClientSuite;

/** The shared-client suite of the compatibility kit, every party on the {@code kwik} backend. */
class KwikSharedClientTest extends SharedClientSuite {

    @Override
    protected QuicTransportProvider provider() {
        return new KwikTransportProvider();
    }
}
