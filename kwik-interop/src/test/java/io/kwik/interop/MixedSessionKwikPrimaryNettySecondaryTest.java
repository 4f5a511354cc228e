package io.kwik.interop;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.MultiPathSuite;

/**
 * The multi-path suite with a mixed server group: the primary (and the client) on the
 * {@code kwik} backend, every secondary on {@code netty}.
 */
class MixedSessionKwikPrimaryNettySecondaryTest extends MultiPathSuite {
    @Override
    protected QuicTransportProvider provider() {
        return InteropBackends.named("kwik");
    }

    @Override
    protected QuicTransportProvider secondaryProvider() {
        return InteropBackends.named("netty");
    }
}
