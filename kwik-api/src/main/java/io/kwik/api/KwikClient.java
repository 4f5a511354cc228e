package io.kwik.api;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/**
 * A client that owns one transport and dials every session through it: on the Netty backend
 * one event-loop group, its timers and its threads, whatever the number of sessions. Made by
 * {@link Kwik#newClient(ClientConfig)}; like {@code java.net.http.HttpClient}, make one and
 * reuse it.
 *
 * <p>Every session this client dials uses the same transport for its primary connection and for
 * every secondary path it joins. The client's {@link #config()} applies to every dial: there is
 * no per-dial override (make another client for other settings).
 *
 * <p>Lifecycle:
 * <ul>
 *   <li>closing a session never closes the client;</li>
 *   <li>{@link #close()} closes every session this client dialed that is still open, each with
 *       {@link ErrorCode#NONE} and the reason {@value #CLOSE_REASON} (the peer's
 *       {@link KwikSession#closed()} reports both), then the transport; idempotent;</li>
 *   <li>{@link #dial} after {@link #close()} fails with an {@link IllegalStateException}, and a
 *       dial that is still under way when the client closes fails with an {@link IOException}
 *       (its session, if it was just made, is closed).</li>
 * </ul>
 *
 * <p>A client is thread-safe: any number of threads may dial at once.
 *
 * @since 0.1
 */
public interface KwikClient extends AutoCloseable {

    /** The reason {@link #close()} gives every session it closes. */
    String CLOSE_REASON = "client closed";

    /**
     * Dials {@code primary} through this client's transport, authenticates, and returns the
     * session.
     *
     * @throws AuthenticationException when the server refuses the session
     * @throws KwikException           for any other protocol-level failure
     * @throws IOException             when the server cannot be reached, the handshake fails, or
     *                                 this client closes while dialing
     * @throws IllegalStateException   when this client is closed
     */
    KwikSession dial(InetSocketAddress primary) throws IOException;

    /**
     * {@link #dial(InetSocketAddress)} on a thread of the client; the future completes with the
     * session or with what {@code dial} throws. Cancelling the future does not stop the
     * handshake; a session that arrives after the cancellation is closed.
     *
     * @throws IllegalStateException when this client is closed
     */
    CompletableFuture<KwikSession> dialAsync(InetSocketAddress primary);

    /** The configuration every dial of this client uses. */
    ClientConfig config();

    /**
     * Closes every session this client dialed that is still open, with {@link ErrorCode#NONE}
     * and {@value #CLOSE_REASON}, then the transport. Idempotent.
     */
    @Override
    void close();
}
