package io.kwik.interop;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.SharedClientSuite;

/** The shared-client suite with the client on the {@code kwik} backend and every server on {@code netty}. */
class KwikClientNettyServerSharedClientTest extends SharedClientSuite {
    @Override
    protected QuicTransportProvider provider() {
        return InteropBackends.named("netty");
    }

    @Override
    protected QuicTransportProvider clientProvider() {
        return InteropBackends.named("kwik");
    }
}
