package io.kwik.benchmarks;

import java.util.List;

import io.kwik.api.ClientConfig;
import io.kwik.spi.ClientTransportConfig;
import io.kwik.spi.QuicTransport;

/**
 * What every measurement of one backend shares: the options, the client's credentials, the
 * guard on every step, the raw QUIC client transport and the server JVMs it measures against.
 *
 * @param secondaries the two secondaries of the three-server case; empty without {@code multi}
 */
record BackendRun(String backend, E2eOptions options, E2eSupport.Credentials credentials, CaseGuard guard,
                  QuicTransport rawClient, ServerJvm raw, ServerJvm primary, List<ServerJvm> secondaries) {

    /** A KWIK client configuration on this backend with the stream window {@code window}. */
    ClientConfig clientConfig(long window) {
        // no serverName: the engine verifies the certificate against the address dialed
        return ClientConfig.builder().transport(backend).trustedCertificates(credentials.chain())
                .streamReceiveWindow(window).build();
    }

    /** The raw QUIC client configuration for the raw server. */
    ClientTransportConfig rawConfig() {
        return new ClientTransportConfig(E2eSupport.RAW_ALPN, raw.address().getAddress().getHostAddress(), credentials.chain(),
                false, E2eSupport.RAW_LIMITS);
    }
}
