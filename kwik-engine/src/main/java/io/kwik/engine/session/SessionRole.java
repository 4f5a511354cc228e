package io.kwik.engine.session;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.kwik.api.Delegation;
import io.kwik.api.KwikException;
import io.kwik.api.KwikStream;
import io.kwik.api.PathInfo;
import io.kwik.api.PathReceived;
import io.kwik.api.RawData;
import io.kwik.engine.multipath.PathDirectory;
import io.kwik.proto.ControlFrame;
import io.kwik.proto.RawPacket;

/**
 * What differs between the client, the primary and a secondary: the control frames only one
 * of them takes, and the path operations of the public API. Defaults refuse, with a message
 * that says which end can do it.
 */
interface SessionRole {

    /** The session's paths as this end knows them. */
    PathDirectory directory();

    /**
     * A control frame the common code does not handle arrived on this end's path to the peer
     * (the primary path, for the client).
     *
     * @return false when this end does not take that frame (a protocol error)
     */
    boolean onControlFrame(ControlFrame frame) throws KwikException, InterruptedException;

    /** A window update for a stream this end does not have (multi-source writers). */
    default void onMaxStreamData(long streamId, long maxOffset) {
    }

    /** Relayed bytes arrived on a raw stream. */
    default void onRawPacket(RawPacket packet) throws KwikException, InterruptedException {
        throw new KwikException(io.kwik.api.ErrorCode.INVALID_FRAME, "raw streams go from the client to servers only");
    }

    /** Sends a window update for a stream this end receives. */
    void sendWindowUpdate(ControlFrame frame) throws IOException;

    /** Whether this end owns the server-to-client direction of the session's streams. */
    default boolean ownsServerWrites() {
        return false;
    }

    /** Client only: see {@link io.kwik.engine.stream.StreamContext#refuse}. */
    default void refuse(String pathId, io.kwik.api.KwikException failure) {
    }

    /** Primary only: see {@link io.kwik.engine.stream.StreamContext#delegate}. */
    default CompletableFuture<Delegation> delegate(Delegation range, ByteBuffer instruction, byte[] sha256) {
        throw new UnsupportedOperationException("only the primary delegates ranges");
    }

    default CompletableFuture<PathInfo> addPath(InetSocketAddress secondary) {
        throw new UnsupportedOperationException("only the primary server adds paths");
    }

    default void removePath(String pathId) throws IOException {
        throw new UnsupportedOperationException("only the primary server removes paths");
    }

    default KwikStream stream(long logicalStreamId) {
        throw new UnsupportedOperationException("stream(id) is for servers; the client has its streams already");
    }

    default void sendRawData(String targetPathId, ByteBuffer data) throws IOException {
        throw new UnsupportedOperationException("raw relays go between servers; the client relays them");
    }

    default RawData receiveRawData() throws IOException, InterruptedException {
        throw new UnsupportedOperationException("raw relays go between servers; the client relays them");
    }

    /** Primary only: see {@link io.kwik.api.KwikSession#clientReceived()}; empty elsewhere. */
    default Map<String, PathReceived> clientReceived() {
        return Map.of();
    }

    /** The session ended, with {@code reason} (a graceful close included). Called once. */
    void ended(KwikException reason);
}
