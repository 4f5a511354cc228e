package io.kwik.backend.kwik;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.HostileInputSuite;

/** The hostile-input suite of the compatibility kit against a server on the {@code kwik} backend. */
class KwikHostileInputTest extends HostileInputSuite {

    @Override
    protected QuicTransportProvider provider() {
        return new KwikTransportProvider();
    }
}
