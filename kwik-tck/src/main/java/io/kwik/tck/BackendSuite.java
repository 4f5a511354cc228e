package io.kwik.tck;

import io.kwik.spi.QuicTransportProvider;

/**
 * The root of every suite of the kit. A backend overrides the one factory method, the way a
 * transport overrides one method in Netty's testsuite.
 */
public abstract class BackendSuite {

    /** The provider under test; called once per test, so it may return a fresh instance. */
    protected abstract QuicTransportProvider provider();

    /**
     * The provider clients run on. By default the one under test; an interop run overrides it
     * so that the client and the servers run on different backends.
     */
    protected QuicTransportProvider clientProvider() {
        return provider();
    }

    /**
     * The provider secondary servers run on, in suites with several servers per session. By
     * default the one under test; a mixed-session interop run overrides it so that the primary
     * ({@link #provider()}) and the secondaries run on different backends.
     */
    protected QuicTransportProvider secondaryProvider() {
        return provider();
    }
}
