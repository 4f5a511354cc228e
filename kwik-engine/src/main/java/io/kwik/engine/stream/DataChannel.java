package io.kwik.engine.stream;

import java.io.IOException;

import io.kwik.proto.DataFrame;

/** Where a logical stream's outgoing frames go: a real QUIC data stream of its path. */
public interface DataChannel {

    /**
     * Encodes {@code frame} into a numbered DataPacket and queues it, waiting while the real
     * stream's queue is full. The frame's data may alias the caller's array: it is copied
     * before this returns.
     */
    void send(DataFrame frame) throws IOException;

    /** The logical stream is done sending on this channel. */
    void release();
}
