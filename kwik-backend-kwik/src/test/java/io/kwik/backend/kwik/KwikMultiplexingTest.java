package io.kwik.backend.kwik;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.MultiplexingSuite;

class KwikMultiplexingTest extends MultiplexingSuite {
    @Override
    protected QuicTransportProvider provider() {
        return new KwikTransportProvider();
    }
}
