package io.kwik.api;

import java.io.IOException;

/** Thrown by a stream's reads and writes after either end reset it with {@link KwikStream#reset(long)}. */
public final class StreamResetException extends IOException {
    private static final long serialVersionUID = 1L;
    /** The logical stream id. */
    private final long streamId;
    /** The code given to the reset. */
    private final long applicationErrorCode;

    /**
     * A reset stream.
     *
     * @param streamId             the logical stream id
     * @param applicationErrorCode the code given to {@link KwikStream#reset(long)}
     * @param byPeer               whether the peer reset it (rather than this end)
     */
    public StreamResetException(long streamId, long applicationErrorCode, boolean byPeer) {
        super("stream " + streamId + " was reset " + (byPeer ? "by the peer" : "locally")
                + " with error code " + applicationErrorCode);
        this.streamId = streamId;
        this.applicationErrorCode = applicationErrorCode;
    }

    /** The logical stream id. */
    public long streamId() {
        return streamId;
    }

    /** The code given to {@link KwikStream#reset(long)}. */
    public long applicationErrorCode() {
        return applicationErrorCode;
    }
}
