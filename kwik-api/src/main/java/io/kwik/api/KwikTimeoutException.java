package io.kwik.api;

import java.time.Duration;
import java.util.Objects;

/**
 * An operation waited longer than one of its timeouts; {@link #kind()} says which, and
 * {@link #timeout()} how long it was. Applications tell a timeout from other failures by this
 * type, not by a message.
 *
 * <p>Its {@link #code()} is the {@link ErrorCode} of what the timeout ended:
 * {@link ErrorCode#TIMEOUT} for a {@link Kind#READ read} or a {@link Kind#HANDSHAKE dial or
 * join}, which end nothing on the wire; {@link ErrorCode#PATH_DEAD} for a {@link Kind#PATH path}
 * or {@link Kind#IDLE idle} timeout, which end a path (and, on the primary path, the session)
 * with that code, as the peer sees it.
 *
 * <p>A {@link Kind#READ} timeout leaves the stream and the session as they were: the bytes
 * not read yet stay buffered and a later read waits again.
 *
 * @since 0.1.0
 */
public final class KwikTimeoutException extends KwikException {
    private static final long serialVersionUID = 1L;
    /** Which timeout expired. */
    private final Kind kind;
    /** How long that timeout was. */
    private final Duration timeout;

    /**
     * @param kind    which timeout expired
     * @param timeout how long it was
     * @param message what timed out
     */
    public KwikTimeoutException(Kind kind, Duration timeout, String message) {
        this(kind, timeout, ErrorCode.TIMEOUT, message, null);
    }

    /**
     * A timeout that ended something with {@code code}.
     *
     * @param kind    which timeout expired
     * @param timeout how long it was
     * @param code    what the timeout ended: {@link ErrorCode#TIMEOUT} when it ended nothing
     *                but the wait, {@link ErrorCode#PATH_DEAD} when it ended a path
     * @param message what timed out
     * @param cause   what the wait saw last, or null
     */
    public KwikTimeoutException(Kind kind, Duration timeout, ErrorCode code, String message, Throwable cause) {
        super(Objects.requireNonNull(code, "code"), message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /** Which timeout expired. */
    public Kind kind() {
        return kind;
    }

    /** The timeout that expired. */
    public Duration timeout() {
        return timeout;
    }

    /** The timeouts of KWIK, and where each one is reported. */
    public enum Kind {
        /**
         * A stream read waited longer than {@link KwikStream#readTimeout(Duration)}: thrown by
         * the read.
         */
        READ,
        /**
         * Dialing plus authentication took longer than {@link KwikConfig#handshakeTimeout()}:
         * thrown by {@link Kwik#dial}; for a secondary the client joins, the cause of its
         * {@link PathEvent.Failed}.
         */
        HANDSHAKE,
        /**
         * A connection heard nothing for {@link KwikConfig#idleTimeout()} and QUIC closed it:
         * the cause of the path's {@link PathEvent.Dead} and, for the primary path, of the
         * session's {@link SessionClose}; thrown by {@link Kwik#dial} (code
         * {@link ErrorCode#TIMEOUT}) when it happened while authenticating.
         */
        IDLE,
        /**
         * A secondary path answered nothing for {@link ClientConfig#pathTimeout()}: the cause of
         * its {@link PathEvent.Dead} at the client.
         */
        PATH
    }
}
