package io.kwik.engine.wire;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

import io.kwik.api.ErrorCode;
import io.kwik.api.KwikException;

/**
 * Reads length-delimited messages (a varint length, then that many bytes) from a QUIC
 * stream. It never assumes one read returns one message, and it never allocates from a
 * length it has not checked against the limit.
 */
public final class MessageReader {
    private final InputStream in;
    private final int maxMessageSize;

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
        // read straight into one exactly-sized array (readNBytes would gather large messages in chunks and copy them again)
        byte[] message = new byte[(int) length];
        int filled = 0;
        while (filled < message.length) {
            int n = in.read(message, filled, message.length - filled);
            if (n < 0) {
                throw new KwikException(ErrorCode.INVALID_FRAME,
                        "stream ended inside a message: " + filled + " of " + length + " bytes");
            }
            filled += n;
        }
        return message;
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
