package io.kwik.interop;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.HostileServerSuite;

/** The hostile-server suite with the client on the {@code netty} backend and every server on {@code kwik}. */
class NettyClientKwikServerHostileServerTest extends HostileServerSuite {
    @Override
    protected QuicTransportProvider provider() {
        return InteropBackends.named("kwik");
    }

    @Override
    protected QuicTransportProvider clientProvider() {
        return InteropBackends.named("netty");
    }
}
