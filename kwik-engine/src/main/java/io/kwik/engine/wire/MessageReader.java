package io.kwik.engine.wire;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

import io.kwik.api.ErrorCode;
import io.kwik.api.KwikException;

/**
 * Reads length-delimited messages (a varint length, then that many bytes) from a QUIC
 * stream. It never assumes one read returns one message, it never allocates from a length it
 * has not checked against the limit, and it never allocates much more than the bytes that have
 * actually arrived: a peer that sends only a large length prefix costs at most
 * {@link #FIRST_CHUNK} bytes, not the length it announced.
 */
public final class MessageReader {
    /**
     * The most allocated for a message before its bytes arrive; above it the buffer doubles as
     * they do. Default-sized data packets (8 QUIC packets' payload, about 9 to 11 KB) fit in it,
     * so they are read straight into one exactly-sized array with no copy.
     */
    public static final int FIRST_CHUNK = 64 * 1024;

    private final InputStream in;
    private final int maxMessageSize;
    /** Bytes allocated for the message being read, 0 between messages (read by other threads for accounting). */
    private volatile int held;

    public MessageReader(InputStream in, int maxMessageSize) {
        this.in = in;
        this.maxMessageSize = maxMessageSize;
    }

    /**
     * The next message's bytes, or null when the stream ended cleanly between messages.
     *
     * @throws KwikException {@link ErrorCode#PACKET_TOO_LARGE} for a length over the limit,
     *                       {@link ErrorCode#INVALID_FRAME} for a malformed varint or a message cut short
     */
    public byte[] next() throws IOException {
        long length = readLength();
        if (length < 0) return null;
        if (length > maxMessageSize) {
            throw new KwikException(ErrorCode.PACKET_TOO_LARGE,
                    "message of " + length + " bytes exceeds the limit of " + maxMessageSize);
        }
        // read straight into the array (readNBytes would gather large messages in chunks and
        // copy them again), but only as large as what has arrived, doubling up to the length
        byte[] message = new byte[(int) Math.min(length, FIRST_CHUNK)];
        held = message.length;
        int filled = 0;
        while (filled < length) {
            if (filled == message.length) {
                message = Arrays.copyOf(message, (int) Math.min(length, 2L * message.length));
                held = message.length;
            }
            int n = in.read(message, filled, message.length - filled);
            if (n < 0) {
                held = 0;
                throw new KwikException(ErrorCode.INVALID_FRAME,
                        "stream ended inside a message: " + filled + " of " + length + " bytes");
            }
            filled += n;
        }
        held = 0;
        return message;
    }

    /**
     * Bytes this reader holds for a message not yet complete: never more than
     * {@link #FIRST_CHUNK} or twice the bytes of it that arrived, whatever its length prefix said.
     */
    public int heldBytes() {
        return held;
    }

    private long readLength() throws IOException {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = in.read();
            if (b < 0) {
                if (shift == 0) return -1;
                throw new KwikException(ErrorCode.INVALID_FRAME, "stream ended inside a length prefix",
                        new EOFException());
            }
            value |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                // a negative value is a varint over 63 bits, far beyond any limit
                return value < 0 ? Long.MAX_VALUE : value;
            }
        }
        throw new KwikException(ErrorCode.INVALID_FRAME, "length prefix longer than 10 bytes");
    }
}
