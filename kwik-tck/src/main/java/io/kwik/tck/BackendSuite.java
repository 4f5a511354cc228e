package io.kwik.tck;

import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.extension.ExtendWith;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.spi.TransportLimits;
import io.kwik.tck.tools.Harness;
import io.kwik.tck.tools.ScaledTimeoutExtension;
import io.kwik.tck.tools.SessionCluster;
import io.kwik.tck.transport.TransportCapability;

/**
 * The root of every suite of the kit. A backend overrides the one factory method, the way a
 * transport overrides one method in Netty's testsuite, and may declare here, once for every
 * suite, what its library lacks ({@link #unsupportedCapabilities()}), the transport limits
 * it needs ({@link #limits()}) and the tests it does not run, each with its reason
 * ({@link #skippedTests()}).
 *
 * <p>Every suite's {@code @Timeout} is multiplied by the system property
 * {@code kwik.tck.timeoutScale} (see {@link io.kwik.tck.tools.TimeoutScale}).
 *
 * @since 0.1.0
 */
@ExtendWith({ScaledTimeoutExtension.class, DeclaredSkips.class})
public abstract class BackendSuite {

    /** Subclasses only. */
    protected BackendSuite() {
    }

    /**
     * The provider under test; called once per test, so it may return a fresh instance.
     *
     * @return the backend's provider
     */
    protected abstract QuicTransportProvider provider();

    /**
     * The provider clients run on. By default the one under test; an interop run overrides it
     * so that the client and the servers run on different backends.
     *
     * @return the clients' provider
     */
    protected QuicTransportProvider clientProvider() {
        return provider();
    }

    /**
     * The provider secondary servers run on, in suites with several servers per session. By
     * default the one under test; a mixed-session interop run overrides it so that the primary
     * ({@link #provider()}) and the secondaries run on different backends.
     *
     * @return the secondaries' provider
     */
    protected QuicTransportProvider secondaryProvider() {
        return provider();
    }

    /**
     * A session cluster on this suite's providers: the primary on {@link #provider()}, the
     * secondaries on {@link #secondaryProvider()}, the clients on {@link #clientProvider()}, with
     * the kit's shared certificate. The suite adds the rest and closes what it starts.
     *
     * @return a builder to finish and {@link SessionCluster.Builder#start() start}
     * @since 0.1.0
     */
    protected final SessionCluster.Builder sessionCluster() {
        return SessionCluster.builder()
                .primaryTransport(provider().name())
                .secondaryTransport(secondaryProvider().name())
                .clientTransport(clientProvider().name())
                .certificate(Harness.sharedCertificate());
    }

    /**
     * The optional behaviours the backend's library lacks; none by default. Every check that
     * needs one calls {@link #assume(TransportCapability)} and is skipped with the reason. Say
     * why in the overriding class's javadoc. A required behaviour cannot be declared missing.
     *
     * @return the capabilities the backend lacks
     * @since 0.1.0
     */
    protected Set<TransportCapability> unsupportedCapabilities() {
        return Set.of();
    }

    /**
     * The transport limits both ends use in the suites that drive the SPI directly
     * ({@link TransportConformanceSuite}; {@link ImpairedTransportSuite} starts from its own,
     * with a longer idle timeout and no keep-alive). {@link TransportLimits#DEFAULTS} by
     * default; a backend that needs other settings to run the checks overrides it and says
     * why. The engine suites configure the transport through the engine's own
     * {@code ClientConfig} and {@code ServerConfig}.
     *
     * @return the limits for both ends
     * @since 0.1.0
     */
    protected TransportLimits limits() {
        return TransportLimits.DEFAULTS;
    }

    /**
     * Tests of this suite the backend does not run, by test method name, each with the reason
     * (like the Reactive Streams TCK's skipped tests): none by default. A named test is
     * reported as skipped with "{@code <class> skips <test>: <reason>}", before any of its
     * set-up runs. A name that is no test of the class, or a blank reason, fails every test of
     * the class. The suites' test methods are package-private, so a backend in another
     * package cannot override one; this is how it leaves one out.
     *
     * <p>Skipping a test whose name starts with {@code required_} means the backend does not
     * meet that requirement: it is then not compatible, whatever else passes. Prefer
     * {@link #unsupportedCapabilities()} for optional behaviour the kit knows about.
     *
     * @return test method name to reason
     * @since 0.1.0
     */
    protected Map<String, String> skippedTests() {
        return Map.of();
    }

    /**
     * Skips the calling check, with the reason, when the backend declares that it lacks
     * {@code capability}.
     *
     * @param capability what the check needs
     * @since 0.1.0
     */
    protected final void assume(TransportCapability capability) {
        assumeFalse(unsupportedCapabilities().contains(capability),
                () -> provider().name() + " declares it lacks " + capability);
    }
}
