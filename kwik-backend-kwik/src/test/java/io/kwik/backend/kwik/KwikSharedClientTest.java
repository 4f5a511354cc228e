package io.kwik.backend.kwik;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.SharedClientSuite;

/** The shared-client suite of the compatibility kit, every party on the {@code kwik} backend. */
class KwikSharedClientTest extends SharedClientSuite {

    @Override
    protected QuicTransportProvider provider() {
        return new KwikTransportProvider();
    }

    /** kwik 0.10.8 drops the reason phrase of a close with code 0 (README, "Close causes"). */
    @Override
    protected boolean serversKeepTheReasonOfAGracefulClose() {
        return false;
    }
}
