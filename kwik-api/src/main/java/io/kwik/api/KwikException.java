package io.kwik.api;

import java.io.IOException;
import java.util.Objects;

/** A KWIK protocol failure. {@link #code()} says which. */
public class KwikException extends IOException {
    private static final long serialVersionUID = 1L;
    /** What went wrong. */
    private final ErrorCode code;

    /**
     * A failure with its code.
     *
     * @param code    what went wrong; also the QUIC application error code sent to the peer
     * @param message details, after the code in {@link #getMessage()}
     */
    public KwikException(ErrorCode code, String message) {
        super(code + ": " + message);
        this.code = Objects.requireNonNull(code, "code");
    }

    /**
     * A failure with its code and its cause.
     *
     * @param code    what went wrong; also the QUIC application error code sent to the peer
     * @param message details, after the code in {@link #getMessage()}
     * @param cause   the failure underneath, for example the transport's
     */
    public KwikException(ErrorCode code, String message, Throwable cause) {
        super(code + ": " + message, cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    /** What went wrong. */
    public ErrorCode code() {
        return code;
    }
}
