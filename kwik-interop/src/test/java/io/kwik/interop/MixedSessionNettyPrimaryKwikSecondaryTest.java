package io.kwik.interop;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.MultiPathSuite;

/**
 * The multi-path suite with a mixed server group: the primary (and the client) on the
 * {@code netty} backend, every secondary on {@code kwik}.
 */
class MixedSessionNettyPrimaryKwikSecondaryTest extends MultiPathSuite {
    @Override
    protected QuicTransportProvider provider() {
        return InteropBackends.named("netty");
    }

    @Override
    protected QuicTransportProvider secondaryProvider() {
        return InteropBackends.named("kwik");
    }
}
