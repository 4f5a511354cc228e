package io.kwik.api;

/**
 * Why KWIK failed an operation or closed a connection. The {@link #code()} also travels as
 * the QUIC application error code when a connection or stream is closed because of it.
 *
 * @since 0.1.0
 */
public enum ErrorCode {
    /** No error: a graceful close. */
    NONE(0),
    /** A bug or an unexpected failure inside KWIK. */
    INTERNAL(1),
    /** The named path does not exist in this session. */
    PATH_NOT_FOUND(2),
    /** The path is dead. */
    PATH_DEAD(3),
    /** A frame did not parse, had an unknown type, or broke the protocol's rules. */
    INVALID_FRAME(4),
    /** Authentication was refused: unknown session, bad or expired token, wrong version. */
    AUTH_FAILED(5),
    /** A stream could not be created. */
    STREAM_CREATE_FAILED(6),
    /** A message was larger than the configured limit. */
    PACKET_TOO_LARGE(7),
    /** Offsets disagreed, for example two different final sizes for one stream. */
    OFFSET_MISMATCH(8),
    /** A peer sent past a stream's window. */
    FLOW_CONTROL(9),
    /** Too many concurrent streams. */
    STREAM_LIMIT(10),
    /** The session is closed. */
    SESSION_CLOSED(11),
    /**
     * An operation waited longer than its timeout ({@link KwikTimeoutException} says which).
     * Reported locally; this end does not close a connection with it.
     */
    TIMEOUT(12),
    /** A session already has the most paths it may have ({@code addPath} past the limit). */
    TOO_MANY_PATHS(13),
    /**
     * The named path is being removed, or was removed: {@code removePath} on a path whose
     * removal is under way, or an operation aimed at a path that was removed.
     */
    PATH_REMOVED(14),
    /**
     * The TLS handshake failed: the server's certificate is not trusted or not issued for the
     * name dialed, or the server refused this client's certificate (or wanted one). Reported
     * locally as a {@link KwikTlsException}, whose cause is the backend's
     * {@link javax.net.ssl.SSLHandshakeException} when it gave one; never sent, because TLS ends
     * the connection with its own alert before KWIK speaks.
     */
    TLS(15),
    /**
     * A number this version does not know, received from a newer peer. Never sent: the number
     * itself is kept in {@link KwikException#wireCode()}.
     */
    UNKNOWN(-1);

    private final int code;

    ErrorCode(int code) {
        this.code = code;
    }

    /** The number on the wire and in QUIC close frames; -1 for {@link #UNKNOWN}, which is never sent. */
    public int code() {
        return code;
    }

    /**
     * The error code for a wire number; {@link #UNKNOWN} for a number this version does not
     * know (build the exception with {@link KwikException#KwikException(long, String, Throwable)}
     * to keep the number).
     */
    public static ErrorCode fromCode(long code) {
        for (ErrorCode value : values()) {
            if (value != UNKNOWN && value.code == code) return value;
        }
        return UNKNOWN;
    }
}
