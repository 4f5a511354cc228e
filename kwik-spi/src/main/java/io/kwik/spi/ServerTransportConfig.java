package io.kwik.spi;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

import javax.net.ssl.X509TrustManager;

/**
 * How to serve.
 *
 * @param alpn             the one application protocol accepted (KWIK uses {@code "kwik/1"})
 * @param certificateChain the server's chain, leaf first
 * @param privateKey       the leaf's private key
 * @param limits            connection settings
 * @param addressValidation whether a client must prove its address with a QUIC Retry token
 *                          before the server keeps any state for it (RFC 9000 8.1): one more
 *                          round trip per handshake, in exchange for floods of spoofed
 *                          Initials costing the server no connection state
 * @param maxConnections    how many connections, handshaking or established, the server keeps
 *                          at once; the handshakes past it are refused
 * @param clientTrust       when not null, every client must present a certificate chain that
 *                          this trust manager accepts (its two-argument {@code checkClientTrusted}),
 *                          or its handshake fails (mutual TLS); null asks clients for nothing. A
 *                          backend that cannot ask for client certificates fails {@code bind}
 *                          with an {@link java.io.IOException} rather than serve without them
 *
 * @since 0.1.0
 */
public record ServerTransportConfig(String alpn, List<X509Certificate> certificateChain, PrivateKey privateKey,
                                    TransportLimits limits, boolean addressValidation, int maxConnections,
                                    X509TrustManager clientTrust) {

    /** The default {@link #maxConnections()}: 10,000. */
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;

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
        if (maxConnections < 1) throw new IllegalArgumentException("maxConnections must be >= 1: " + maxConnections);
    }

    /** Without client certificates. */
    public ServerTransportConfig(String alpn, List<X509Certificate> certificateChain, PrivateKey privateKey,
                                 TransportLimits limits, boolean addressValidation, int maxConnections) {
        this(alpn, certificateChain, privateKey, limits, addressValidation, maxConnections, null);
    }

    /** Without address validation, client certificates, and at most {@link #DEFAULT_MAX_CONNECTIONS} connections. */
    public ServerTransportConfig(String alpn, List<X509Certificate> certificateChain, PrivateKey privateKey,
                                 TransportLimits limits) {
        this(alpn, certificateChain, privateKey, limits, false, DEFAULT_MAX_CONNECTIONS, null);
    }

    /** This configuration with {@link #clientTrust()} set: clients must present a certificate it accepts. */
    public ServerTransportConfig withClientTrust(X509TrustManager trust) {
        return new ServerTransportConfig(alpn, certificateChain, privateKey, limits, addressValidation, maxConnections,
                Objects.requireNonNull(trust, "trust"));
    }
}
