package io.kwik.backend.kwik;

import java.util.Set;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.TlsSuite;
import io.kwik.tck.transport.TransportCapability;

/**
 * The TLS suite on the kwik backend, client and server. {@link TransportCapability#CLIENT_AUTHENTICATION}
 * is declared missing: agent15 3.1's server engine never sends a CertificateRequest, so a kwik
 * server cannot ask for client certificates (a kwik client can present one: see the interop run).
 */
final class KwikTlsTest extends TlsSuite {
    @Override
    protected QuicTransportProvider provider() {
        return new KwikTransportProvider();
    }

    @Override
    protected Set<TransportCapability> unsupportedCapabilities() {
        return Set.of(TransportCapability.CLIENT_AUTHENTICATION);
    }
}
