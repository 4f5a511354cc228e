package io.kwik.interop;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.TimeoutSuite;

/** The typed-timeout suite with the client on the {@code netty} backend and every server on {@code kwik}. */
class NettyClientKwikServerTimeoutTest extends TimeoutSuite {
    @Override
    protected QuicTransportProvider provider() {
        return InteropBackends.named("kwik");
    }

    @Override
    protected QuicTransportProvider clientProvider() {
        return InteropBackends.named("netty");
    }
}
