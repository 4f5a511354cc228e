package io.kwik.backend.kwik;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.SessionChurnSuite;

/** The session churn suite of the compatibility kit, every party on the {@code kwik} backend. */
class KwikSessionChurnTest extends SessionChurnSuite {
    @Override
    protected QuicTransportProvider provider() {
        return new KwikTransportProvider();
    }
}
