package io.kwik.api;

import java.time.Duration;
import java.util.Objects;

/**
 * An operation waited longer than one of its timeouts; {@link #kind()} says which. Its
 * {@link #code()} is {@link ErrorCode#TIMEOUT}.
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
        super(ErrorCode.TIMEOUT, message);
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

    /**
     * The timeouts of KWIK. This version throws this exception for {@link #READ} only; the
     * other kinds name the configured timeouts of {@link KwikConfig} and {@link ClientConfig},
     * whose expiry is still reported with the {@link ErrorCode} of what it ended (issue 15 of
     * the project asks for them to move to this exception).
     */
    public enum Kind {
        /** A stream read waited longer than {@link KwikStream#readTimeout(Duration)}. */
        READ,
        /** Dialing plus authentication took longer than {@link KwikConfig#handshakeTimeout()}. */
        HANDSHAKE,
        /** A path was silent longer than {@link KwikConfig#idleTimeout()}. */
        IDLE,
        /** A secondary path was silent longer than {@link ClientConfig#pathTimeout()}. */
        PATH
    }
}
