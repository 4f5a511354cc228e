package io.kwik.interop.broken;

import io.kwik.interop.InteropBackends;
import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.TransportConformanceSuite;

/**
 * The transport suite run against the Netty backend with {@link TruncatingOutput}. Not a
 * test of its own (Surefire does not pick it up by name): {@link TheKitCatchesABrokenBackendTest}
 * runs it and expects failures.
 */
public class TruncatingBackendConformance extends TransportConformanceSuite {
    @Override
    protected QuicTransportProvider provider() {
        return new BrokenOutputProvider(InteropBackends.named("netty"), "truncating", TruncatingOutput::new);
    }
}
