package io.kwik.api;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * One KWIK session, seen from one end: the client, the primary server or a secondary server.
 *
 * <p>Streams are QUIC-like: either end opens them, each is a pair of ordered byte streams, and
 * each has its own flow-control window. Every method is thread-safe. Once the session has
 * failed or closed, blocked and later calls throw a {@link KwikException} that says why.
 *
 * @since 0.1.0
 */
public interface KwikSession extends AutoCloseable {

    /** The session id: 128 random bits in hex, the same on every path of the session. */
    String id();

    /** Which end this is. */
    Role role();

    /** This server's path; on the client, the primary's ({@code "p0"}). */
    String pathId();

    /**
     * Opens a stream, waiting while the peer's stream limit is reached.
     *
     * @throws KwikException with {@link ErrorCode#SESSION_CLOSED} when the session ends while waiting
     */
    KwikStream openStreamSync() throws IOException, InterruptedException;

    /**
     * Opens a stream, or fails at once.
     *
     * @throws KwikException with {@link ErrorCode#STREAM_LIMIT} when the peer's stream limit is reached
     */
    KwikStream openStream() throws IOException;

    /** Waits for the next stream the peer opens. */
    KwikStream acceptStream() throws IOException, InterruptedException;

    /**
     * Waits up to {@code timeout} for the next stream the peer opens.
     *
     * @return the stream, or {@code null} when none arrived in time
     */
    KwikStream acceptStream(Duration timeout) throws IOException, InterruptedException;

    /**
     * Primary only: asks the client to join the server at {@code secondary} as a new path of
     * this session (docs/PROTOCOL.md 4.2). The primary picks the path id and signs a join token with
     * {@link ServerConfig#pathTokenKey()}.
     *
     * @return completes with the new path, or fails with a {@link KwikException} that says why:
     *         {@link AuthenticationException} when the secondary refused the token, a
     *         {@link ErrorCode#PATH_DEAD} code when the client could not connect, or
     *         {@link ErrorCode#SESSION_CLOSED} when the session ends first, or
     *         {@link ErrorCode#TOO_MANY_PATHS} past the session's path limit. Cancelling it
     *         cancels the join: should the client still join, the path is removed again and
     *         never appears in this end's path lists
     * @throws UnsupportedOperationException on the client and on secondaries
     */
    CompletableFuture<PathInfo> addPath(InetSocketAddress secondary);

    /**
     * Primary only: asks the client to close a secondary path once it has delivered what it
     * holds, and waits for its answer (up to the handshake timeout). The path's status
     * becomes {@link PathStatus#CLOSED}.
     *
     * @throws KwikException {@link ErrorCode#PATH_NOT_FOUND} for an unknown path or the primary's own,
     *                       {@link PathDeadException} for a dead one
     * @throws UnsupportedOperationException on the client and on secondaries
     */
    void removePath(String pathId) throws IOException;

    /**
     * Servers only: a handle on logical stream {@code logicalStreamId} of this session, for
     * {@link KwikStream#writeAt} over this server's own path. On the primary it is the stream
     * itself; on a secondary it is a write-only handle, which never finishes the stream.
     *
     * @throws IllegalArgumentException on the primary, for an id that is not an open stream
     * @throws UnsupportedOperationException on the client
     */
    KwikStream stream(long logicalStreamId);

    /**
     * Servers only: sends {@code data} to the server on {@code targetPathId}, through the
     * client, unchanged (R9). Waits while too many relays to that path are in flight.
     *
     * @throws KwikException {@link ErrorCode#PATH_NOT_FOUND} for a path this server does not
     *                       know, {@link PathDeadException} for a dead one,
     *                       {@link ErrorCode#PACKET_TOO_LARGE} when {@code data} is larger than
     *                       the client accepts in one message
     * @throws UnsupportedOperationException on the client
     */
    void sendRawData(String targetPathId, ByteBuffer data) throws IOException;

    /**
     * Servers only: waits for the next bytes another server sent to this one.
     *
     * @throws KwikException with {@link ErrorCode#SESSION_CLOSED} once the session has ended
     * @throws UnsupportedOperationException on the client
     */
    RawData receiveRawData() throws IOException, InterruptedException;

    /** Paths that are usable now. */
    List<PathInfo> activePaths();

    /** Paths that died. */
    List<PathInfo> deadPaths();

    /** Every path since the session began, whatever its status. */
    List<PathInfo> allPaths();

    /**
     * Registers a listener for path events; called on an engine thread, it must not block.
     *
     * @return the registration: closing it removes the listener
     */
    KwikSubscription addPathListener(Consumer<PathEvent> listener);

    /** A snapshot of the session's figures. */
    SessionStats stats();

    /**
     * Primary only: what the client last reported receiving on each of its active paths, by
     * path id (docs/PROTOCOL.md 4.4, "Receive reports"). The client reports about every 100 ms
     * while servers other than the primary write into its streams, so the map is empty before
     * any secondary wrote; it is empty on the client and on secondaries. The figures are the
     * client's word: a planner may use them to split a download, nothing more.
     */
    default Map<String, PathReceived> clientReceived() {
        return Map.of();
    }

    /**
     * Completes when the session ends, with who ended it, the code and the reason: after
     * {@link #close(ErrorCode, String)} at the peer it reports {@link SessionClose.Origin#PEER}
     * with the peer's code and reason. Never completes exceptionally.
     */
    CompletionStage<SessionClose> closed();

    /**
     * Closes the session with {@code code} and {@code reason}, which reach the peer's
     * {@link #closed()}. The connection to the peer closes with the code as its QUIC
     * application error code; the rest of the session's paths close as with {@link #close()}.
     * Only the first close counts. Blocked and later calls fail with
     * {@link ErrorCode#SESSION_CLOSED}.
     *
     * @param code   {@link ErrorCode#NONE} for a graceful close, or why the application gives up
     * @param reason a short text for the peer, at most {@link #MAX_CLOSE_REASON_BYTES} in UTF-8
     * @throws IllegalArgumentException for {@link ErrorCode#UNKNOWN}, or a reason that is too long
     */
    void close(ErrorCode code, String reason);

    /** The longest reason {@link #close(ErrorCode, String)} takes, in UTF-8 bytes; it must fit a close frame. */
    int MAX_CLOSE_REASON_BYTES = 256;

    /** Closes every path of the session gracefully ({@link ErrorCode#NONE}). Idempotent. */
    @Override
    void close();
}
