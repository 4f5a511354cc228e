package io.kwik.api;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * One KWIK session, seen from one end: the client, the primary server or a secondary server.
 *
 * <p>Streams are QUIC-like: either end opens them, each is a pair of ordered byte streams, and
 * each has its own flow-control window. Every method is thread-safe. Once the session has
 * failed or closed, blocked and later calls throw a {@link KwikException} that says why.
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

    /** Paths that are usable now. */
    List<PathInfo> activePaths();

    /** Paths that died. */
    List<PathInfo> deadPaths();

    /** Every path since the session began, whatever its status. */
    List<PathInfo> allPaths();

    /** Registers a listener for path events; called on an engine thread, it must not block. */
    void addPathListener(Consumer<PathEvent> listener);

    /** A snapshot of the session's figures. */
    SessionStats stats();

    /**
     * Completes when the session ends, with {@code null} after a graceful close, or with the
     * {@link KwikException} that ended it. Never completes exceptionally.
     */
    CompletionStage<KwikException> closed();

    /** Closes every path of the session gracefully. Idempotent. */
    @Override
    void close();
}
