package io.kwik.interop.broken;

import io.kwik.interop.InteropBackends;
import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.ImpairedTransportSuite;

/**
 * The impaired-link suite run against the kwik backend with {@link FinAfterFlushLosingOutput},
 * declaring every capability present. Not a test of its own (Surefire does not pick it up by
 * name): {@link TheKitCatchesABrokenBackendTest} runs it and expects failures.
 */
public class FinLosingBackendImpairment extends ImpairedTransportSuite {
    @Override
    protected QuicTransportProvider provider() {
        return new BrokenOutputProvider(InteropBackends.named("kwik"), "fin-after-flush-losing", FinAfterFlushLosingOutput::new);
    }
}
