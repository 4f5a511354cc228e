package io.kwik.api;

/**
 * The life of a path.
 *
 * @since 0.1.0
 */
public enum PathStatus {
    /** Dialing or authenticating. */
    CONNECTING,
    /** Usable. */
    ACTIVE,
    /** Usable, but much slower than its baseline. */
    DEGRADED,
    /** Lost: its connection failed or it stopped answering. */
    DEAD,
    /** Removed on purpose, or ended with its session. */
    CLOSED
}
