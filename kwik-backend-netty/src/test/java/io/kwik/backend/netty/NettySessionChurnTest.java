package io.kwik.backend.netty;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.SessionChurnSuite;

/** The session churn suite of the compatibility kit, every party on the {@code netty} backend. */
class NettySessionChurnTest extends SessionChurnSuite {
    @Override
    protected QuicTransportProvider provider() {
        return new NettyTransportProvider();
    }
}
