package io.kwik.interop;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.SessionChurnSuite;

/** The session-churn suite with the client on the {@code netty} backend and the server on {@code kwik}. */
class NettyClientKwikServerSessionChurnTest extends SessionChurnSuite {
    @Override
    protected QuicTransportProvider provider() {
        return InteropBackends.named("kwik");
    }

    @Override
    protected QuicTransportProvider clientProvider() {
        return InteropBackends.named("netty");
    }
}
