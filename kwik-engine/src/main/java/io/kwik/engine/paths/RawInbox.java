package io.kwik.engine.paths;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import io.kwik.api.Delegation;
import io.kwik.api.ErrorCode;
import io.kwik.api.KwikException;
import io.kwik.api.RawData;
import io.kwik.engine.util.BoundedQueue;
import io.kwik.proto.RawPacket;

/**
 * Relayed bytes a server has received and the application has not taken yet (R9). Bounded:
 * when it is full, the raw stream's reader waits, QUIC flow control stops the client, and
 * the client in turn stops reading the sender's control stream.
 */
public final class RawInbox {
    /** Messages held at most. */
    public static final int CAPACITY = 64;

    private final BoundedQueue<RawData> queue = new BoundedQueue<>(CAPACITY);
    private final String pathId;

    /** @param pathId this server's path: the one a delegation it receives asks to write */
    public RawInbox(String pathId) {
        this.pathId = pathId;
    }

    /** Queues a received packet, waiting while the inbox is full. */
    public void deliver(RawPacket packet) throws KwikException, InterruptedException {
        Delegation delegation = null;
        if (packet.hasDelegation()) {
            var range = packet.getDelegation();
            try {
                delegation = new Delegation(pathId, range.getLogicalStreamId(), range.getOffset(), range.getLength());
            } catch (IllegalArgumentException e) {
                throw new KwikException(ErrorCode.INVALID_FRAME, "malformed delegation: " + e.getMessage(), e);
            }
        }
        ByteBuffer data = packet.getData().asReadOnlyByteBuffer();
        queue.put(new RawData(packet.getSourcePathId(), data, delegation));
    }

    /**
     * The next message, waiting for one.
     *
     * @throws KwikException {@link ErrorCode#SESSION_CLOSED} once the session has ended and the inbox is empty
     */
    public RawData take() throws IOException, InterruptedException {
        RawData data = queue.poll(-1, TimeUnit.NANOSECONDS);
        if (data == null) throw new KwikException(ErrorCode.SESSION_CLOSED, "session closed");
        return data;
    }

    /** The session ended: wake the waiters. What is queued can still be taken. */
    public void close() {
        queue.close();
    }
}
