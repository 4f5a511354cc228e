package io.kwik.engine.wire;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;

import io.kwik.api.ErrorCode;
import io.kwik.api.KwikException;

/**
 * Reads length-delimited messages (a varint length, then that many bytes) from a QUIC
 * stream. It never assumes one read returns one message, it never allocates from a length it
 * has not checked against the limit, and it never allocates much more than the bytes that have
 * actually arrived: a peer that sends only a large length prefix costs at most
 * {@link #FIRST_CHUNK} bytes, not the length it announced.
 *
 * <p>It reads ahead into a small buffer of its own ({@link #READ_AHEAD} bytes, allocated on
 * first use and kept): a length prefix and a small message cost one read of the stream
 * instead of one per byte (a transport's single-byte read takes its lock, and may allocate),
 * and a large message is copied from the read-ahead only for the bytes that came with its
 * length prefix; the rest is read straight into the message's array. So the stream must be
 * read through this reader only, from its first byte on. {@link #nextTransient()} reads its
 * messages into the read-ahead itself, grown to the size of the messages (at most
 * {@link #FIRST_CHUNK}), and returns views of it.
 */
public final class MessageReader {
    /**
     * The most allocated for a message before its bytes arrive; above it the buffer doubles as
     * they do. Default-sized data packets (8 QUIC packets' payload, about 9 to 11 KB) fit in it,
     * so they are read straight into one exactly-sized array with no copy.
     */
    public static final int FIRST_CHUNK = 64 * 1024;

    /**
     * Bytes read ahead at most. Small: every reader keeps it (one per QUIC stream), and a
     * message larger than it is read mostly into its own array anyway.
     */
    public static final int READ_AHEAD = 8 * 1024;

    private final InputStream in;
    private final int maxMessageSize;
    private byte[] ahead;
    private int aheadPos;
    private int aheadLimit;
    /** Bytes allocated for the message being read, 0 between messages (read by other threads for accounting). */
    private volatile int held;

    /** Runs before a read of the stream that may wait (nothing is available), or null. */
    private final Runnable beforeWaiting;

    public MessageReader(InputStream in, int maxMessageSize) {
        this(in, maxMessageSize, null);
    }

    /**
     * @param beforeWaiting run before every read of the stream that may wait for bytes to arrive
     *                      (its {@code available()} is 0), so that a caller can hand on what the
     *                      messages read so far gave it once per batch instead of once per
     *                      message (see {@code ReaderWakeups})
     */
    public MessageReader(InputStream in, int maxMessageSize, Runnable beforeWaiting) {
        this.in = in;
        this.maxMessageSize = maxMessageSize;
        this.beforeWaiting = beforeWaiting;
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
        return readBody(length, null);
    }

    /**
     * The next message's bytes, as a view of a buffer this reader reuses: valid only until the
     * next call, so the caller must copy what it keeps (a reassembly buffer does). A message
     * larger than {@link #FIRST_CHUNK} is read into its own array as by {@link #next()}; the
     * reused buffer grows only to the size of the messages read, never beyond
     * {@link #FIRST_CHUNK}, so the memory bounds of {@link #next()} hold.
     *
     * @return null when the stream ended cleanly between messages
     * @throws KwikException as {@link #next()}
     */
    public ByteString nextTransient() throws IOException {
        long length = readLength();
        if (length < 0) return null;
        if (length > maxMessageSize) {
            throw new KwikException(ErrorCode.PACKET_TOO_LARGE,
                    "message of " + length + " bytes exceeds the limit of " + maxMessageSize);
        }
        if (length > FIRST_CHUNK) return UnsafeByteOperations.unsafeWrap(readBody(length, null));
        int size = (int) length;
        if (aheadLimit - aheadPos < size) fillAhead(size);
        // the message lies whole in the read-ahead: the view aliases it, with no copy
        ByteString view = UnsafeByteOperations.unsafeWrap(ahead, aheadPos, size);
        aheadPos += size;
        return view;
    }

    /**
     * Makes the read-ahead hold the next {@code size} bytes (at most {@link #FIRST_CHUNK}) from
     * {@link #aheadPos} on: moves what it holds to its start, grows it to {@link #FIRST_CHUNK}
     * when it is smaller than {@code size}, and reads as much as the transport has into the
     * rest. So a data stream whose packets arrive together costs one read of the transport per
     * 64 KiB, not two per packet (8 KiB of read-ahead, then the rest of the body), and no copy
     * from the read-ahead into a message buffer. A length prefix alone still costs at most
     * {@link #FIRST_CHUNK}, the bound {@link #next()} keeps; a stream of messages that all fit
     * in {@link #READ_AHEAD} never grows it.
     */
    private void fillAhead(int size) throws IOException {
        int kept = aheadLimit - aheadPos;
        byte[] into = ahead;
        if (into == null || into.length < size) into = new byte[FIRST_CHUNK];
        if (kept > 0) System.arraycopy(ahead, aheadPos, into, 0, kept);
        ahead = into;
        aheadPos = 0;
        aheadLimit = kept;
        held = into.length;
        while (aheadLimit < size) {
            maybeWaiting();
            int n = in.read(into, aheadLimit, into.length - aheadLimit);
            if (n < 0) {
                held = 0;
                throw new KwikException(ErrorCode.INVALID_FRAME,
                        "stream ended inside a message: " + aheadLimit + " of " + size + " bytes");
            }
            aheadLimit += n;
        }
        held = 0;
    }

    /**
     * Reads a body of {@code length} bytes: into {@code into} (large enough) when given, else
     * into a new array sized as the bytes arrive; returns the array read into.
     */
    private byte[] readBody(long length, byte[] into) throws IOException {
        byte[] message = into != null ? into : new byte[(int) Math.min(length, FIRST_CHUNK)];
        held = message.length;
        int filled = (int) Math.min(Math.min(message.length, length), aheadLimit - aheadPos);
        if (filled > 0) {
            System.arraycopy(ahead, aheadPos, message, 0, filled);
            aheadPos += filled;
        }
        while (filled < length) {
            if (filled == message.length) {
                message = Arrays.copyOf(message, (int) Math.min(length, 2L * message.length));
                held = message.length;
            }
            maybeWaiting();
            int n = in.read(message, filled, (int) Math.min(length, message.length) - filled);
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

    private void maybeWaiting() throws IOException {
        if (beforeWaiting != null && in.available() == 0) beforeWaiting.run();
    }

    /** The next byte, from the read-ahead, refilled with one read of the stream when empty; -1 at its end. */
    private int readByte() throws IOException {
        if (aheadPos == aheadLimit) {
            if (ahead == null) ahead = new byte[READ_AHEAD];
            maybeWaiting();
            int n = in.read(ahead, 0, ahead.length);
            if (n <= 0) {
                // read(byte[]) may return 0 only for an empty array, but a stream that does so anyway must not spin here
                if (n == 0) return in.read();
                return -1;
            }
            aheadPos = 0;
            aheadLimit = n;
        }
        return ahead[aheadPos++] & 0xFF;
    }

    private long readLength() throws IOException {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = readByte();
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
