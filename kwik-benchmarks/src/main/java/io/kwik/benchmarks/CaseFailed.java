package io.kwik.benchmarks;

/** A case that failed or stalled; the harness reports it and goes on without it. */
final class CaseFailed extends Exception {
    CaseFailed(String message, Throwable cause) {
        super(message, cause);
    }
}
