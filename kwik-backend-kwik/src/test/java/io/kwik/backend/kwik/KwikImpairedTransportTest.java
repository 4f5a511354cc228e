package io.kwik.backend.kwik;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.ImpairedTransportSuite;

/** The impaired-link suite (loss and blackhole through the kit's proxy) on the kwik backend. */
final class KwikImpairedTransportTest extends ImpairedTransportSuite {

    @Override
    protected QuicTransportProvider provider() {
        return new KwikTransportProvider();
    }
}
