package io.kwik.cli;

/**
 * A failure the command line reports as one line, {@code kwik: <message>}, and exits with
 * {@link #exitCode()}. Never printed with a stack trace.
 */
final class CliException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Exit code: the transfer or the session failed. */
    static final int FAILED = 1;
    /** Exit code: bad arguments, a malformed URL, an unreadable root or certificate file. */
    static final int USAGE = 2;
    /** Exit code: the bytes received do not match the size or SHA-256 the primary announced. */
    static final int MISMATCH = 3;
    /** Exit code: the server refused the request (file not found, outside the root, bad request). */
    static final int REFUSED = 4;
    /** Exit code: the primary could not be reached, or the handshake failed. */
    static final int UNREACHABLE = 5;
    /** Exit code: the server's certificate is not trusted. */
    static final int UNTRUSTED = 6;

    private final int exitCode;

    CliException(int exitCode, String message) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
