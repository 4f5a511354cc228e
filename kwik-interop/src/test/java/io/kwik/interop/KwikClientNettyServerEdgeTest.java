package io.kwik.interop;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.EdgeSuite;

/** The edge suite with the client on the {@code kwik} backend and the server on {@code netty}. */
class KwikClientNettyServerEdgeTest extends EdgeSuite {
    @Override
    protected QuicTransportProvider provider() {
        return InteropBackends.named("netty");
    }

    @Override
    protected QuicTransportProvider clientProvider() {
        return InteropBackends.named("kwik");
    }

    /** A kwik client misses a Netty secondary's close after a burst: see the suite's javadoc. */
    @Override
    protected boolean clientReadsACloseAfterABurst() {
        return false;
    }
}
