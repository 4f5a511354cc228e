package io.kwik.tck.transport;

/**
 * Optional parts of the SPI contract. A backend's conformance test lists what its library
 * cannot do; the suite skips those checks with the reason instead of passing them silently.
 *
 * @since 0.1.0
 */
public enum TransportCapability {
    /** The peer's RESET_STREAM application error code reaches {@code StreamResetByPeerException.errorCode()}. */
    RESET_ERROR_CODE,
    /** STOP_SENDING from the peer makes the local output fail with {@code StreamResetByPeerException}. */
    STOP_SENDING,
    /** The reason phrase of the peer's CONNECTION_CLOSE reaches {@code ConnectionClose.reason()}. */
    CLOSE_REASON_PHRASE,
    /**
     * A FIN sent on its own (a STREAM frame without data, after every byte was flushed and
     * acknowledged) is retransmitted when it is lost, so the peer still reads the end of the
     * stream.
     */
    LOST_FIN_ONLY_FRAME_RETRANSMITTED,
    /**
     * A server can require client certificates ({@code ServerTransportConfig.clientTrust()},
     * mutual TLS). A backend without it must fail {@code bind} with such a configuration.
     */
    CLIENT_AUTHENTICATION
}
