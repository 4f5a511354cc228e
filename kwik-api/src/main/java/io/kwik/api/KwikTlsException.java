package io.kwik.api;

/**
 * A dial or a path join failed in the TLS handshake; its {@link #code()} is {@link ErrorCode#TLS}.
 * The same type on every backend and for every TLS reason, so that applications need not match
 * message text:
 * <ul>
 *   <li>the server's chain is not trusted by the client's trust (by default the JDK's default
 *       trust store, see {@link ClientConfig#trustManager()});</li>
 *   <li>the server's certificate is not issued for the name dialed ({@link ClientConfig#serverName()});</li>
 *   <li>the server requires a client certificate ({@link ServerConfig#clientTrust()}) and this
 *       client sent none, or one it does not trust.</li>
 * </ul>
 * {@link #getCause()} is the backend's {@link javax.net.ssl.SSLHandshakeException} when the
 * client's own check failed. When the server refused the client's certificate, the client learns
 * it from the QUIC crypto error that ends the connection (TLS 1.3 lets a client finish its side
 * of the handshake first), and the message names that error.
 *
 * @since 0.1.0
 */
public final class KwikTlsException extends KwikException {
    private static final long serialVersionUID = 1L;

    /**
     * A {@link ErrorCode#TLS} failure.
     *
     * @param message what failed
     * @param cause   the backend's failure, usually an {@link javax.net.ssl.SSLHandshakeException}; may be null
     */
    public KwikTlsException(String message, Throwable cause) {
        super(ErrorCode.TLS, message, cause);
    }
}
