package io.kwik.spi;

import java.io.InputStream;
import java.io.OutputStream;

/**
 * A bidirectional QUIC stream with blocking {@code java.io} semantics.
 *
 * <ul>
 *   <li>{@link #input()} returns -1 at the peer's FIN and throws {@link StreamResetByPeerException}
 *       after the peer's RESET_STREAM.</li>
 *   <li>{@link #output()}'s {@code write} blocks while flow control or the library's
 *       buffer is full (bounded back-pressure); its {@code close()} sends FIN after every
 *       byte written before it, and {@code flush()} hands buffered bytes to the library.</li>
 *   <li>Both throw {@link ConnectionClosedException} once the connection is gone.</li>
 * </ul>
 *
 * @since 0.1.0
 */
public interface QuicStream {

    /** The QUIC stream id. */
    long id();

    /** {@return the receiving direction; ends at the peer's FIN} */
    InputStream input();

    /** {@return the sending direction; {@code close()} sends the FIN after every byte written} */
    OutputStream output();

    /** Abruptly ends the sending direction (RESET_STREAM) with {@code applicationErrorCode}. */
    void reset(long applicationErrorCode);

    /** Asks the peer to stop sending (STOP_SENDING) with {@code applicationErrorCode}. */
    void stopSending(long applicationErrorCode);
}
