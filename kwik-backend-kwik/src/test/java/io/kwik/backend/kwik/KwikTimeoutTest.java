package io.kwik.backend.kwik;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.TimeoutSuite;

/** The typed-timeout suite of the compatibility kit, every party on the {@code kwik} backend. */
class KwikTimeoutTest extends TimeoutSuite {

    @Override
    protected QuicTransportProvider provider() {
        return new KwikTransportProvider();
    }
}
