package io.kwik.interop;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.SharedClientSuite;

/** The shared-client suite with the client on the {@code netty} backend and every server on {@code kwik}. */
class NettyClientKwikServerSharedClientTest extends SharedClientSuite {
    @Override
    protected QuicTransportProvider provider() {
        return InteropBackends.named("kwik");
    }

    @Override
    protected QuicTransportProvider clientProvider() {
        return InteropBackends.named("netty");
    }

    /** kwik 0.10.8 drops the reason phrase of a close with code 0 (README, "Close causes"). */
    @Override
    protected boolean serversKeepTheReasonOfAGracefulClose() {
        return false;
    }
}
