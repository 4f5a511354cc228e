package io.kwik.engine.wire;

/** Constants of the KWIK wire protocol (docs/PROTOCOL.md section 4). */
public final class Protocol {
    private Protocol() {}

    /** ALPN of every KWIK path. */
    public static final String ALPN = "kwik/1";

    /** The protocol version in AuthenticationRequest and AuthenticationResponse. */
    public static final int VERSION = 1;

    /** Path id of the primary path. */
    public static final String PRIMARY_PATH_ID = "p0";

    /** Length of a session id in bytes (128 bits). */
    public static final int SESSION_ID_BYTES = 16;
}
