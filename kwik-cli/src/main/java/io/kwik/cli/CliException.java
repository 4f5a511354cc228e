package io.kwik.cli;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

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
    /** Exit code: a timeout: the handshake did not finish, or the download stalled. */
    static final int TIMEOUT = 7;
    /** Exit code: a local I/O error: the output cannot be created or written (no such directory, disk full). */
    static final int LOCAL_IO = 8;
    /** Exit code: the file does not have the SHA-256 given with {@code --sha256}. */
    static final int DIGEST = 9;

    /** Every exit code with what it means, for {@code --help}; {@code kwik-cli/README.md} lists the same. */
    static final Map<String, String> CODES = codes();

    private static Map<String, String> codes() {
        Map<String, String> codes = new LinkedHashMap<>();
        codes.put("0", "success");
        codes.put(String.valueOf(FAILED), "the download or the session failed");
        codes.put(String.valueOf(USAGE), "bad arguments: options, URL, root directory, certificate files; the output exists (no --force)");
        codes.put(String.valueOf(MISMATCH), "the bytes received do not match the size or SHA-256 the primary announced");
        codes.put(String.valueOf(REFUSED), "the server refused the request: file not found, outside the root");
        codes.put(String.valueOf(UNREACHABLE), "the primary cannot be reached, or refused the session");
        codes.put(String.valueOf(UNTRUSTED), "the server's certificate is not trusted (pass --trust CERT or --insecure)");
        codes.put(String.valueOf(TIMEOUT), "a timeout: the handshake (--handshake-timeout) or a stalled download (--stall-timeout)");
        codes.put(String.valueOf(LOCAL_IO), "a local I/O error: the output cannot be created or written");
        codes.put(String.valueOf(DIGEST), "the file does not have the SHA-256 given with --sha256");
        return Collections.unmodifiableMap(codes);
    }

    private final int exitCode;

    CliException(int exitCode, String message) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
