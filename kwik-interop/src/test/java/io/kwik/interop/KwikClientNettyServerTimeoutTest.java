package io.kwik.interop;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.TimeoutSuite;

/** The typed-timeout suite with the client on the {@code kwik} backend and every server on {@code netty}. */
class KwikClientNettyServerTimeoutTest extends TimeoutSuite {
    @Override
    protected QuicTransportProvider provider() {
        return InteropBackends.named("netty");
    }

    @Override
    protected QuicTransportProvider clientProvider() {
        return InteropBackends.named("kwik");
    }
}
