package io.kwik.spi;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/**
 * One QUIC connection.
 *
 * <p>Peer-initiated streams are taken with the blocking {@link #acceptStream()} rather than a
 * callback: the engine runs one virtual thread per connection for it, and an implementation
 * buffers at most {@code maxIncomingStreams} not-yet-accepted streams (the peer cannot open
 * more than that anyway).
 *
 * @since 0.1.0
 */
public interface QuicConnection extends AutoCloseable {

    /** Opens a bidirectional stream; fails when the connection is closed. May wait for stream credit. */
    CompletableFuture<QuicStream> openBidirectionalStream();

    /**
     * Waits for the next bidirectional stream the peer opens.
     *
     * @throws ConnectionClosedException when the connection is closed, also while waiting
     */
    QuicStream acceptStream() throws IOException, InterruptedException;

    /** {@return this end's UDP address} */
    InetSocketAddress localAddress();

    /** {@return the peer's UDP address} */
    InetSocketAddress remoteAddress();

    /**
     * The largest number of stream-data bytes one QUIC packet of this connection can carry in
     * one STREAM frame. The engine sizes its packets from this.
     */
    int maxStreamFramePayload();

    /** A snapshot of what the library exposes about the connection. */
    TransportStats stats();

    /**
     * Closes the connection with an application error code, which the peer sees in
     * {@link #closed()}. Idempotent: only the first call's code is sent.
     */
    void close(long applicationErrorCode, String reason);

    /** Closes with application error code 0 (no error). */
    @Override
    default void close() {
        close(0, "");
    }

    /**
     * Completes, normally, once the connection is gone, with why. Never completes
     * exceptionally.
     */
    CompletableFuture<ConnectionClose> closed();
}
