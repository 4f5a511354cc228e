package io.kwik.backend.kwik;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.MultiSourceTransferSuite;

/** The multi-source transfer suite of the compatibility kit, every party on the {@code kwik} backend. */
class KwikMultiSourceTransferTest extends MultiSourceTransferSuite {

    @Override
    protected QuicTransportProvider provider() {
        return new KwikTransportProvider();
    }
}
