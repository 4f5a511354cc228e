package io.kwik.spi;

import java.util.Objects;

/**
 * Why a connection ended.
 *
 * @param origin    who or what ended it
 * @param errorCode the QUIC application error code when {@code origin} is {@link Origin#LOCAL}
 *                  or {@link Origin#PEER}; the transport error code for
 *                  {@link Origin#TRANSPORT_ERROR}; 0 otherwise
 * @param reason    the reason phrase, possibly empty
 *
 * @since 0.1.0
 */
public record ConnectionClose(Origin origin, long errorCode, String reason) {
    /** Takes a null {@code reason} as empty. */
    public ConnectionClose {
        Objects.requireNonNull(origin, "origin");
        reason = reason == null ? "" : reason;
    }

    /**
     * Whether the connection ended with a QUIC crypto error (RFC 9001 section 4.8): a transport
     * error code from 0x100 to 0x1ff, 0x100 plus the TLS alert, for example 0x12a (bad_certificate)
     * or 0x174 (certificate_required) when a server refused the client's certificate.
     */
    public boolean isTlsAlert() {
        return origin == Origin.TRANSPORT_ERROR && errorCode >= 0x100 && errorCode <= 0x1ff;
    }

    /** Who ended a connection. */
    public enum Origin {
        /** This side called {@link QuicConnection#close(long, String)}. */
        LOCAL,
        /** The peer closed it with an application error code. */
        PEER,
        /** Nothing was received for the idle timeout. */
        IDLE_TIMEOUT,
        /** A transport-level error (protocol violation, handshake failure, internal error). */
        TRANSPORT_ERROR
    }
}
