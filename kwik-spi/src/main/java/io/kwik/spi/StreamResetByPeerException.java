package io.kwik.spi;

import java.io.IOException;

/**
 * Thrown by a stream's input when the peer reset the stream, or by its output after STOP_SENDING.
 *
 * @since 0.1.0
 */
public final class StreamResetByPeerException extends IOException {
    private static final long serialVersionUID = 1L;
    /** The peer's application error code. */
    private final long errorCode;

    /**
     * A stream the peer reset or asked to stop.
     *
     * @param errorCode the peer's application error code
     */
    public StreamResetByPeerException(long errorCode) {
        super("stream reset by peer with error code " + errorCode);
        this.errorCode = errorCode;
    }

    /** The application error code the peer gave. */
    public long errorCode() {
        return errorCode;
    }
}
