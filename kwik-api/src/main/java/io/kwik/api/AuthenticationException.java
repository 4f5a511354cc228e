package io.kwik.api;

/**
 * A server refused to authenticate a path ({@link ErrorCode#AUTH_FAILED}).
 *
 * @since 0.1.0
 */
public final class AuthenticationException extends KwikException {
    private static final long serialVersionUID = 1L;

    /**
     * An {@link ErrorCode#AUTH_FAILED} failure.
     *
     * @param message why authentication was refused
     */
    public AuthenticationException(String message) {
        super(ErrorCode.AUTH_FAILED, message);
    }
}
