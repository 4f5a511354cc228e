package io.kwik.spi;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509TrustManager;

/**
 * How to dial.
 *
 * <p>Trust: with {@code trustAll} any server certificate is accepted; otherwise a
 * {@code trustManager}, when given, decides whether the server's chain is trusted (its
 * two-argument {@code checkServerTrusted}), else a PKIX check whose only anchors are
 * {@code trustedCertificates}. Whatever decides the chain, the backend also checks the server's
 * identity against {@code serverName} itself (RFC 6125 / RFC 9110 section 4.3.5), as the JDK's
 * {@code SSLEngine} does for a plain {@code X509TrustManager}.
 *
 * <p>A handshake that fails because of TLS (the server's chain is not trusted or not issued for
 * {@code serverName}, the server refused this client's certificate or wanted one) fails the
 * connect future with a {@link javax.net.ssl.SSLHandshakeException}; a refusal the server sends
 * only after the client finished its side of the handshake (TLS 1.3 client authentication) ends
 * the connection instead, with {@link ConnectionClose.Origin#TRANSPORT_ERROR} and a crypto error
 * code ({@link ConnectionClose#isTlsAlert()}).
 *
 * @param alpn                the application protocol to offer (KWIK uses {@code "kwik/1"})
 * @param serverName          the host name to send as SNI and to verify the certificate against
 * @param trustedCertificates trust anchors; ignored when {@code trustAll} or a {@code trustManager} is given
 * @param trustAll            accept any server certificate (tests and demos only)
 * @param limits              connection settings
 * @param trustManager        decides whether the server's chain is trusted, or null to use {@code trustedCertificates}
 * @param keyManager          this client's certificate and key for servers that ask for one (mutual TLS),
 *                            or null to present none
 *
 * @since 0.1.0
 */
public record ClientTransportConfig(String alpn, String serverName, List<X509Certificate> trustedCertificates,
                                    boolean trustAll, TransportLimits limits, X509TrustManager trustManager,
                                    X509ExtendedKeyManager keyManager) {
    /**
     * Checks the components.
     *
     * @throws NullPointerException     when {@code alpn}, {@code serverName}, a certificate or {@code limits} is null
     * @throws IllegalArgumentException when there is no trust at all: not {@code trustAll}, no
     *                                  {@code trustManager} and no {@code trustedCertificates}
     */
    public ClientTransportConfig {
        Objects.requireNonNull(alpn, "alpn");
        Objects.requireNonNull(serverName, "serverName");
        trustedCertificates = List.copyOf(trustedCertificates);
        Objects.requireNonNull(limits, "limits");
        if (!trustAll && trustManager == null && trustedCertificates.isEmpty())
            throw new IllegalArgumentException("no trusted certificates, no trust manager and trustAll is false");
    }

    /** Trust from certificates (or all), and no client certificate. */
    public ClientTransportConfig(String alpn, String serverName, List<X509Certificate> trustedCertificates,
                                 boolean trustAll, TransportLimits limits) {
        this(alpn, serverName, trustedCertificates, trustAll, limits, null, null);
    }
}
