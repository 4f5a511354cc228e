package io.kwik.backend.kwik;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.EdgeSuite;

/** The edge suite of the compatibility kit, every party on the {@code kwik} backend. */
class KwikEdgeTest extends EdgeSuite {
    @Override
    protected QuicTransportProvider provider() {
        return new KwikTransportProvider();
    }
}
