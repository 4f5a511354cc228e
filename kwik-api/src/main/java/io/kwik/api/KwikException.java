package io.kwik.api;

import java.io.IOException;
import java.util.Objects;

/** A KWIK protocol failure. {@link #code()} says which. */
public class KwikException extends IOException {
    private static final long serialVersionUID = 1L;
    private final ErrorCode code;

    public KwikException(ErrorCode code, String message) {
        super(code + ": " + message);
        this.code = Objects.requireNonNull(code, "code");
    }

    public KwikException(ErrorCode code, String message, Throwable cause) {
        super(code + ": " + message, cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    /** What went wrong. */
    public ErrorCode code() {
        return code;
    }
}
