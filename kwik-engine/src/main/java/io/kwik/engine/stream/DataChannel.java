package io.kwik.engine.stream;

import java.io.IOException;

import io.kwik.proto.DataFrame;

/** Where a logical stream's outgoing frames go: a real QUIC data stream of its path. */
public interface DataChannel {

    /**
     * Sends {@code frame} in a numbered DataPacket, waiting while the real stream is busy and
     * its queue full, and pushes it to the transport.
     * The frame's data may alias the caller's array: it is written or copied before this returns.
     */
    default void send(DataFrame frame) throws IOException {
        send(frame, true);
    }

    /**
     * As {@link #send(DataFrame)}; with {@code flush} false the bytes may stay in the real
     * stream's buffer, for a caller that sends its next frame at once (without waiting for
     * anything, such as flow-control credit) and flushes with its last one.
     */
    void send(DataFrame frame, boolean flush) throws IOException;

    /** The logical stream is done sending on this channel. */
    void release();
}
