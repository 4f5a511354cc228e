package io.kwik.engine.stream;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

import io.kwik.api.Delegation;
import io.kwik.api.KwikException;
import io.kwik.proto.ControlFrame;

/** What a logical stream needs from the session and path it lives on. */
public interface StreamContext {

    /** The session's id, for diagnostics. */
    String sessionId();

    /** The path this end writes on. */
    String pathId();

    /** The most data bytes one frame of {@code streamId} at {@code offset} may carry on this path. */
    int maxFrameData(long streamId, long offset);

    /** Queues a control frame on the path's control stream. */
    void sendControl(ControlFrame frame) throws IOException;

    /**
     * Sends a window update for a stream this end receives. On the client it goes to every
     * path, because any server may write into the stream (docs/PROTOCOL.md 4.4).
     */
    default void sendWindowUpdate(ControlFrame frame) throws IOException {
        sendControl(frame);
    }

    /** Whether this end owns the server-to-client direction of its streams: the primary. */
    default boolean ownsServerWrites() {
        return false;
    }

    /**
     * Relays a delegation's instruction to the server on {@code pathId} (primary only); the
     * future completes when the client confirms the range.
     *
     * @param sha256 the SHA-256 of the range's bytes, which the client verifies before its
     *               reader sees them; null for none
     */
    default CompletableFuture<Delegation> delegate(Delegation range, ByteBuffer instruction, byte[] sha256) {
        throw new UnsupportedOperationException("only the primary delegates ranges");
    }

    /**
     * Client only: closes the secondary path {@code pathId}, whose delegated range failed its
     * SHA-256 when the owner's bytes completed it, so that its delegations fail and the
     * primary refills them. Called with no lock held.
     */
    default void refuse(String pathId, KwikException failure) {
    }

    /** The channel that carries this stream's outgoing data frames (the multiplexing seam). */
    DataChannel dataChannel(LogicalStream stream) throws IOException;

    /** Called once, when both directions of {@code stream} are finished. */
    void released(LogicalStream stream);

    /** Why the session failed, or null while it is healthy. */
    KwikException failure();
}
