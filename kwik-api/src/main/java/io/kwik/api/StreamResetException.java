package io.kwik.api;

import java.io.IOException;

/**
 * Thrown by a stream's reads and writes after either end reset it with
 * {@link KwikStream#reset(long)}, and by its writes after the peer stopped receiving it
 * ({@link KwikStream#close()} or {@link KwikStream#shutdownInput()} with input unread).
 *
 * @since 0.1.0
 */
public final class StreamResetException extends IOException {
    private static final long serialVersionUID = 1L;
    /** The logical stream id. */
    private final long streamId;
    /** The code given to the reset. */
    private final long applicationErrorCode;
    /** Whether the peer reset the stream or stopped receiving it, rather than this end. */
    private final boolean byPeer;

    /**
     * A reset stream, or one whose peer stopped receiving it.
     *
     * @param streamId             the logical stream id
     * @param applicationErrorCode the application's code for the reset
     * @param byPeer               whether the peer reset the stream (or stopped receiving it)
     */
    public StreamResetException(long streamId, long applicationErrorCode, boolean byPeer) {
        super("stream " + streamId + " was reset " + (byPeer ? "by the peer" : "locally")
                + " with error code " + applicationErrorCode);
        this.streamId = streamId;
        this.applicationErrorCode = applicationErrorCode;
        this.byPeer = byPeer;
    }

    /** The logical stream id. */
    public long streamId() {
        return streamId;
    }

    /** The application's code: the one given to {@link KwikStream#reset(long)}, or 0 for a peer that stopped receiving. */
    public long code() {
        return applicationErrorCode;
    }

    /** The same as {@link #code()}. */
    public long applicationErrorCode() {
        return applicationErrorCode;
    }

    /** Whether the peer ended the stream; false when this end reset it. */
    public boolean byPeer() {
        return byPeer;
    }
}
