package io.kwik.api;

/**
 * What one end of a session is.
 *
 * @since 0.1.0
 */
public enum Role {
    /** The application that dialed; it reads from every path and writes to the primary only. */
    CLIENT,
    /** The server the client dialed; it controls the session's paths. */
    PRIMARY_SERVER,
    /** A server the client joined at the primary's request. */
    SECONDARY_SERVER
}
