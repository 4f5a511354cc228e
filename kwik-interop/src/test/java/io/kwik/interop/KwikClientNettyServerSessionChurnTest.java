package io.kwik.interop;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.SessionChurnSuite;

/** The session-churn suite with the client on the {@code kwik} backend and the server on {@code netty}. */
class KwikClientNettyServerSessionChurnTest extends SessionChurnSuite {
    @Override
    protected QuicTransportProvider provider() {
        return InteropBackends.named("netty");
    }

    @Override
    protected QuicTransportProvider clientProvider() {
        return InteropBackends.named("kwik");
    }
}
