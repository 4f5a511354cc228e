package io.kwik.backend.kwik;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicReference;

import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.X509TrustManager;

/**
 * Remembers why the client's trust manager refused the server, for one dial. kwik 0.10.8 turns
 * that refusal into a {@code ConnectException} whose only trace of it is its message ("Handshake
 * error: ... BadCertificateAlert: ..."), with no cause; the SPI wants an
 * {@link SSLHandshakeException}. Knowing that our own trust manager refused is a fact, not a
 * guess from the text.
 */
final class TrustRefusal {

    private final AtomicReference<CertificateException> refused = new AtomicReference<>();

    /** {@code trust}, recording the first {@link CertificateException} its server check throws. */
    X509TrustManager watching(X509TrustManager trust) {
        return new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                trust.checkClientTrusted(chain, authType);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                try {
                    trust.checkServerTrusted(chain, authType);
                } catch (CertificateException e) {
                    refused.compareAndSet(null, e);
                    throw e;
                }
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return trust.getAcceptedIssuers();
            }
        };
    }

    /**
     * An {@link SSLHandshakeException} for the dial that failed with {@code failure}, caused by the
     * recorded refusal, or null when the trust manager refused nothing.
     */
    SSLHandshakeException asHandshakeFailure(Throwable failure) {
        CertificateException cause = refused.get();
        if (cause == null) return null;
        SSLHandshakeException tls = new SSLHandshakeException("server certificate refused: " + cause.getMessage()
                + " (kwik: " + failure.getMessage() + ")");
        tls.initCause(cause);
        return tls;
    }
}
