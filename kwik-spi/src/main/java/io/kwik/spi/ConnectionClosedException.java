package io.kwik.spi;

import java.io.IOException;

/**
 * Thrown by blocking calls on a connection that has closed.
 *
 * @since 0.1.0
 */
public final class ConnectionClosedException extends IOException {
    private static final long serialVersionUID = 1L;
    private final transient ConnectionClose close;

    /**
     * A call on a closed connection.
     *
     * @param close why the connection ended
     */
    public ConnectionClosedException(ConnectionClose close) {
        super("connection closed (" + close.origin() + ", code " + close.errorCode()
                + (close.reason().isEmpty() ? "" : ", " + close.reason()) + ")");
        this.close = close;
    }

    /** Why the connection closed. */
    public ConnectionClose close() {
        return close;
    }
}
