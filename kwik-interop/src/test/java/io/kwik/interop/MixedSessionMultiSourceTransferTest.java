package io.kwik.interop;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.MultiSourceTransferSuite;

/**
 * The multi-source transfer suite across backends: the primary on {@code netty}, the
 * secondaries and the client on {@code kwik}.
 */
class MixedSessionMultiSourceTransferTest extends MultiSourceTransferSuite {
    @Override
    protected QuicTransportProvider provider() {
        return InteropBackends.named("netty");
    }

    @Override
    protected QuicTransportProvider secondaryProvider() {
        return InteropBackends.named("kwik");
    }

    @Override
    protected QuicTransportProvider clientProvider() {
        return InteropBackends.named("kwik");
    }
}
