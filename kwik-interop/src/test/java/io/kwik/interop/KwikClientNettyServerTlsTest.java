package io.kwik.interop;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.TlsSuite;

/** The TLS suite with the client on the {@code kwik} backend and the server on {@code netty}: mutual TLS included. */
class KwikClientNettyServerTlsTest extends TlsSuite {
    @Override
    protected QuicTransportProvider provider() {
        return InteropBackends.named("netty");
    }

    @Override
    protected QuicTransportProvider clientProvider() {
        return InteropBackends.named("kwik");
    }
}
