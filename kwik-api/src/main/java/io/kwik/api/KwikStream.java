package io.kwik.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;

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
}
