package io.kwik.spi;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * How to serve.
 *
 * @param alpn             the one application protocol accepted (KWIK uses {@code "kwik/1"})
 * @param certificateChain the server's chain, leaf first
 * @param privateKey       the leaf's private key
 * @param limits           connection settings
 */
public record ServerTransportConfig(String alpn, List<X509Certificate> certificateChain, PrivateKey privateKey,
                                    TransportLimits limits) {
    /**
     * Checks the components.
     *
     * @throws NullPointerException when {@code alpn}, a certificate, {@code privateKey} or {@code limits} is null
     */
    public ServerTransportConfig {
        Objects.requireNonNull(alpn, "alpn");
        certificateChain = List.copyOf(certificateChain);
        if (certificateChain.isEmpty()) throw new IllegalArgumentException("certificateChain is empty");
        Objects.requireNonNull(privateKey, "privateKey");
        Objects.requireNonNull(limits, "limits");
    }
}
