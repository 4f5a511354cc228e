package io.kwik.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * A logical stream: an ordered byte stream in each direction, with {@code java.io} semantics.
 *
 * <p>Reads block until bytes arrive and return -1 once the peer has finished its direction
 * and every byte was read. Writes block while the peer's window for this stream is full;
 * this back-pressure is per stream, so a stream whose reader stalls never blocks another.
 * After a reset, reads and writes throw {@link StreamResetException}.
 */
public interface KwikStream extends AutoCloseable {

    /** The logical stream id, unique in the session. */
    long id();

    /** The path this end writes on. */
    String pathId();

    /** A view of the receiving direction; the same object on every call. */
    InputStream inputStream();

    /** A view of the sending direction; the same object on every call. Its {@code close()} is {@link #close()}. */
    OutputStream outputStream();

    /**
     * Reads into {@code dst}, waiting for at least one byte.
     *
     * @return the number of bytes read, or -1 at the end of the stream
     */
    int read(ByteBuffer dst) throws IOException;

    /**
     * Writes all of {@code src}, waiting for window as needed.
     *
     * @return the number of bytes written, always {@code src}'s remaining bytes on entry
     */
    int write(ByteBuffer src) throws IOException;

    /** Finishes the sending direction (FIN) after every byte written so far. Idempotent. */
    @Override
    void close() throws IOException;

    /** Ends both directions at once; the peer's reads and writes fail with {@code applicationErrorCode}. */
    void reset(long applicationErrorCode);

    /**
     * Primary only: moves this stream's write cursor past {@code length} bytes that other
     * servers will write with {@link #writeAt}. The final size sent by {@link #close()} is at
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
}
