package io.kwik.spi;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * How to dial.
 *
 * @param alpn                the application protocol to offer (KWIK uses {@code "kwik/1"})
 * @param serverName          the host name to send as SNI and to verify the certificate against
 * @param trustedCertificates trust anchors; ignored when {@code trustAll}
 * @param trustAll            accept any server certificate (tests and demos only)
 * @param limits              connection settings
 */
public record ClientTransportConfig(String alpn, String serverName, List<X509Certificate> trustedCertificates,
                                    boolean trustAll, TransportLimits limits) {
    /**
     * Checks the components.
     *
     * @throws NullPointerException when {@code alpn}, {@code serverName}, a certificate or {@code limits} is null
     */
    public ClientTransportConfig {
        Objects.requireNonNull(alpn, "alpn");
        Objects.requireNonNull(serverName, "serverName");
        trustedCertificates = List.copyOf(trustedCertificates);
        Objects.requireNonNull(limits, "limits");
        if (!trustAll && trustedCertificates.isEmpty())
            throw new IllegalArgumentException("no trusted certificates and trustAll is false");
    }
}
