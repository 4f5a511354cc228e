package io.kwik.api;

import java.io.IOException;
import java.util.Objects;

/**
 * A KWIK protocol failure. {@link #code()} says which; {@link #wireCode()} is its number.
 *
 * @since 0.1.0
 */
public class KwikException extends IOException {
    private static final long serialVersionUID = 1L;
    /** What went wrong. */
    private final ErrorCode code;
    /** The number on the wire: {@code code.code()}, or the unknown number a peer sent. */
    private final long wireCode;

    /**
     * A failure with its code.
     *
     * @param code    what went wrong; also the QUIC application error code sent to the peer
     * @param message details, after the code in {@link #getMessage()}
     * @throws IllegalArgumentException for {@link ErrorCode#UNKNOWN}, which only a received
     *                                  number can give (use {@link #KwikException(long, String, Throwable)})
     */
    public KwikException(ErrorCode code, String message) {
        this(code, message, null);
    }

    /**
     * A failure with its code and its cause.
     *
     * @param code    what went wrong; also the QUIC application error code sent to the peer
     * @param message details, after the code in {@link #getMessage()}
     * @param cause   the failure underneath, for example the transport's
     * @throws IllegalArgumentException for {@link ErrorCode#UNKNOWN}
     */
    public KwikException(ErrorCode code, String message, Throwable cause) {
        super(code + ": " + message, cause);
        this.code = Objects.requireNonNull(code, "code");
        if (code == ErrorCode.UNKNOWN) {
            throw new IllegalArgumentException("UNKNOWN needs the number that was received");
        }
        this.wireCode = code.code();
    }

    /**
     * A failure whose number came from the peer. A number this version does not know gives
     * {@link ErrorCode#UNKNOWN}, and {@link #wireCode()} keeps it.
     *
     * @param wireCode the number received, for example a QUIC application error code
     * @param message  details, after the code in {@link #getMessage()}
     * @param cause    the failure underneath, or null
     */
    public KwikException(long wireCode, String message, Throwable cause) {
        super(describe(wireCode) + ": " + message, cause);
        this.code = ErrorCode.fromCode(wireCode);
        this.wireCode = wireCode;
    }

    private static String describe(long wireCode) {
        ErrorCode code = ErrorCode.fromCode(wireCode);
        return code == ErrorCode.UNKNOWN ? "UNKNOWN(" + wireCode + ")" : code.toString();
    }

    /** What went wrong. */
    public ErrorCode code() {
        return code;
    }

    /**
     * The number on the wire: {@link ErrorCode#code()} of {@link #code()}, or, for
     * {@link ErrorCode#UNKNOWN}, the number the peer sent.
     */
    public long wireCode() {
        return wireCode;
    }
}
