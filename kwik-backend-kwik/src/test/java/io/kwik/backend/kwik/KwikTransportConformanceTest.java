package io.kwik.backend.kwik;

import java.util.Map;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.TransportConformanceSuite;

/** The transport conformance suite on the kwik backend. */
final class KwikTransportConformanceTest extends TransportConformanceSuite {

    @Override
    protected QuicTransportProvider provider() {
        return new KwikTransportProvider();
    }

    /**
     * See README.md, "Known upstream defects": two idle kwik 0.10.8 endpoints can keep
     * exchanging packets, so neither idles out; measured in a clean-clone CI run.
     */
    @Override
    protected Map<String, String> skippedTests() {
        return Map.of("required_SPI_3_7_idleTimeoutClosesConnection",
                "kwik 0.10.8: two idle kwik endpoints sometimes keep exchanging packets (770 each way in 30 s,"
                        + " RTT 18 ms, in a clean-clone CI run), so neither idles out; cause not found (README.md)");
    }
}
