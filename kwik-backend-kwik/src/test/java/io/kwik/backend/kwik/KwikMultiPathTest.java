package io.kwik.backend.kwik;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.MultiPathSuite;

/** The multi-path suite of the compatibility kit, every party (client, primary, secondaries) on the {@code kwik} backend. */
class KwikMultiPathTest extends MultiPathSuite {

    @Override
    protected QuicTransportProvider provider() {
        return new KwikTransportProvider();
    }
}
