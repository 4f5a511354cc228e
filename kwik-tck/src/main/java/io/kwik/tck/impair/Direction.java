package io.kwik.tck.impair;

/**
 * Which way a datagram crosses an {@link ImpairmentProxy}.
 *
 * @since 0.1.0
 */
public enum Direction {
    /** From a client, through the proxy, to the server. */
    TO_SERVER,
    /** From the server, through the proxy, back to the client that sent to it. */
    TO_CLIENT
}
