package io.kwik.backend.kwik;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.TransportConformanceSuite;

/** The transport conformance suite on the kwik backend. */
final class KwikTransportConformanceTest extends TransportConformanceSuite {

    @Override
    protected QuicTransportProvider provider() {
        return new KwikTransportProvider();
    }
}
