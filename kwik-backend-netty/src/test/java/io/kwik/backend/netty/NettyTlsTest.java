package io.kwik.backend.netty;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.TlsSuite;

/** The TLS suite on the Netty backend, client and server. */
class NettyTlsTest extends TlsSuite {
    @Override
    protected QuicTransportProvider provider() {
        return new NettyTransportProvider();
    }
}
