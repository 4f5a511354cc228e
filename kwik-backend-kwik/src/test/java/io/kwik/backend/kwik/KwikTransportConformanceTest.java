package io.kwik.backend.kwik;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.TransportConformanceSuite;

/**
 * The transport conformance suite on the kwik backend, every test included. The idle test
 * ({@code required_SPI_3_7_idleTimeoutClosesConnection}) passes here because of
 * {@link IdleBackstop}: two idle kwik 0.10.8 endpoints can keep exchanging ACK and PING frames
 * (README.md, "Known upstream defects").
 */
final class KwikTransportConformanceTest extends TransportConformanceSuite {

    @Override
    protected QuicTransportProvider provider() {
        return new KwikTransportProvider();
    }
}
