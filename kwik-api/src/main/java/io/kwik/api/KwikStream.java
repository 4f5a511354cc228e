package io.kwik.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A logical stream: an ordered byte stream in each direction, with {@code java.io} semantics.
 *
 * <p>Reads block until bytes arrive and return -1 once the peer has finished its direction
 * and every byte was read. Writes block while the peer's window for this stream is full;
 * this back-pressure is per stream, so a stream whose reader stalls never blocks another.
 * After a reset, reads and writes throw {@link StreamResetException}.
 *
 * <h2>Closing, as a {@code java.nio.channels.SocketChannel}</h2>
 *
 * <ul>
 *   <li>{@link #shutdownOutput()} is the half-close: it sends the FIN after every byte written,
 *       and the stream stays readable. A client that sends a request and then reads the answer
 *       calls it, not {@link #close()}.</li>
 *   <li>{@link #shutdownInput()} stops receiving: bytes not read yet are dropped, later ones are
 *       discarded, reads return -1, and, unless the peer had already finished its direction, the
 *       peer is told to stop sending: its writes then fail with a {@link StreamResetException}
 *       whose {@link StreamResetException#byPeer()} is true.</li>
 *   <li>{@link #close()} is both: the stream ends at once, even with input unread, and its slot
 *       is given back to the peer's stream limit. So a server that reads only what it needs,
 *       answers, and closes the stream with {@code try (stream)} never runs out of streams.</li>
 * </ul>
 *
 * <p>{@code outputStream().close()} is {@link #shutdownOutput()} and {@code inputStream().close()}
 * is {@link #shutdownInput()}, so {@code try (OutputStream out = stream.outputStream())} remains a
 * half-close.
 *
 * @since 0.1.0
 */
public interface KwikStream extends AutoCloseable {

    /** The logical stream id, unique in the session. */
    long id();

    /** The path this end writes on. */
    String pathId();

    /**
     * The flow-control window the peer announced for what this end writes on the stream: its
     * initial {@code stream_receive_window} (docs/PROTOCOL.md 4.2, 4.3), in bytes. On a primary
     * it is the client's window for the streams every server writes into, which is what a
     * {@link MultiSourceTransfer} plans within. -1 when this end does not know it (a
     * secondary's foreign stream).
     */
    default long peerReceiveWindow() {
        return -1;
    }

    /** A view of the receiving direction; the same object on every call. Its {@code close()} is {@link #shutdownInput()}. */
    InputStream inputStream();

    /** A view of the sending direction; the same object on every call. Its {@code close()} is {@link #shutdownOutput()}. */
    OutputStream outputStream();

    /**
     * Reads into {@code dst}, waiting for at least one byte, at most {@link #readTimeout(Duration)}.
     *
     * @return the number of bytes read, or -1 at the end of the stream or after {@link #shutdownInput()}
     * @throws KwikTimeoutException ({@link KwikTimeoutException.Kind#READ}) when no byte came within the read timeout
     * @throws IOException          "stream N is closed" after {@link #close()}
     */
    int read(ByteBuffer dst) throws IOException;

    /**
     * Sets how long each later read, through {@link #read(ByteBuffer)} or {@link #inputStream()},
     * may wait. The initial value is the config's {@link KwikConfig#readTimeout()}.
     *
     * @param timeout a positive duration, or {@code null} to wait as long as the session lives
     * @throws IllegalArgumentException when {@code timeout} is zero or negative
     */
    void readTimeout(Duration timeout);

    /**
     * Writes all of {@code src}, waiting for window as needed.
     *
     * @return the number of bytes written, always {@code src}'s remaining bytes on entry
     */
    int write(ByteBuffer src) throws IOException;

    /**
     * The half-close: finishes the sending direction (FIN) after every byte written so far;
     * the receiving direction stays open. Later writes throw. Idempotent.
     *
     * @throws IOException when the session has failed, so the FIN cannot be sent
     */
    void shutdownOutput() throws IOException;

    /**
     * Stops receiving, keeping the sending direction open: buffered input is dropped, bytes
     * that arrive later are discarded, reads return -1, and the peer is told to stop sending
     * unless it had finished already. Idempotent.
     */
    void shutdownInput();

    /**
     * The full close: {@link #shutdownOutput()} (FIN after every byte written, if not sent
     * yet) and {@link #shutdownInput()} (stop receiving, if the peer's direction has not
     * ended), after which the stream is released at once, giving its slot back to the peer's
     * stream limit. Reads after it throw an {@link IOException}. Idempotent.
     *
     * <p>Unlike versions before 1.0, this does not leave the stream readable: use
     * {@link #shutdownOutput()} to send a request and read the answer.
     *
     * @throws IOException when the session has failed, so the FIN cannot be sent; the stream is closed all the same
     */
    @Override
    void close() throws IOException;

    /** Ends both directions at once; the peer's reads and writes fail with {@code applicationErrorCode}. */
    void reset(long applicationErrorCode);

    /**
     * Primary only: moves this stream's write cursor past {@code length} bytes that other
     * servers will write with {@link #writeAt}. The final size sent by {@link #shutdownOutput()} is at
     * least the end of every reserved range.
     *
     * @return the first offset of the reserved range
     * @throws IllegalArgumentException when {@code length} is negative
     * @throws UnsupportedOperationException on the client and on secondaries
     */
    long reserve(long length) throws IOException;

    /**
     * Servers only: writes {@code src} at KWIK offset {@code offset} of the server-to-client
     * direction, over this server's own path, waiting for window as needed. Writing bytes the
     * client already holds is harmless: duplicates are dropped. A secondary may write only
     * inside the ranges delegated to it: the client closes the path of a secondary that
     * writes anywhere else with {@link ErrorCode#INVALID_FRAME} (see
     * {@link ClientConfig#maxDelegatedRangesPerPath()}).
     *
     * @throws KwikException {@link ErrorCode#OFFSET_MISMATCH} for bytes at or past the stream's final size
     * @throws UnsupportedOperationException on the client
     */
    void writeAt(long offset, ByteBuffer src) throws IOException;

    /**
     * Primary only: reserves {@code length} bytes and asks the server on {@code pathId} to
     * write them: it receives {@code instruction} from {@link KwikSession#receiveRawData()},
     * with the range in {@link RawData#delegation()}.
     *
     * @return completes once the client has confirmed it holds the whole range; fails with
     *         {@link PathDeadException} (naming the missing bytes) when the path dies first, or
     *         with a {@link KwikException} when the session ends
     * @throws UnsupportedOperationException on the client and on secondaries
     */
    CompletableFuture<Delegation> delegate(String pathId, long length, ByteBuffer instruction);

    /**
     * Primary only: as {@link #delegate(String, long, ByteBuffer)}, with the SHA-256 of the
     * range's bytes, so that the secondary cannot lie inside its range. The client holds the
     * secondary's bytes of the range back from its reader until all of them have arrived and
     * their SHA-256 equals {@code sha256}. On a mismatch it drops them and closes that
     * secondary's path with {@link ErrorCode#INVALID_FRAME}: the returned future then fails
     * with {@link PathDeadException} naming the whole range, and the primary writes it itself
     * (see {@link Refill}); bytes the primary writes are trusted. The client confirms the range
     * only once it is verified.
     *
     * <p>The client must hold the whole range at once before its reader may pass it, so the
     * range may be at most half of the client's stream receive window (the window re-opens
     * once half of it is consumed).
     *
     * @param sha256 the SHA-256 of bytes {@code [offset, offset + length)} the secondary
     *               must write, 32 bytes
     * @throws IllegalArgumentException when {@code sha256} is not 32 bytes, or {@code length}
     *         is below 1 or above half the client's stream receive window
     * @throws UnsupportedOperationException on the client and on secondaries
     */
    default CompletableFuture<Delegation> delegate(String pathId, long length, ByteBuffer instruction, byte[] sha256) {
        throw new UnsupportedOperationException("only the primary delegates ranges");
    }
}
