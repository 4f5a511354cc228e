package io.kwik.engine.packet;

import com.google.protobuf.CodedOutputStream;

/**
 * Sizes KWIK data packets (docs/PROTOCOL.md 4.3, R13.1). A packet carries at most
 * {@code quicPacketsPerKwikPacket} QUIC packets' worth of stream data, and its encoding, length
 * prefix included, never exceeds that nor the peer's message limit. The sizes are exact: they
 * follow protobuf's encoding of {@code DataPacket} and {@code DataFrame} field by field, with
 * the packet number counted at its largest (10 bytes), so a frame sized here fits whatever
 * packet number it is sent under.
 */
public final class PacketSizeCalculator {
    /** Tag plus the largest varint of the packet_number field. */
    static final int MAX_PACKET_NUMBER_FIELD = 1 + 10;
    /** The length prefix of a message up to the limits used here (below 2^28 bytes). */
    static final int MAX_LENGTH_PREFIX = 4;

    private final int maxPacketSize;

    /**
     * @param maxStreamFramePayload    what one QUIC packet carries for a stream frame
     * @param quicPacketsPerKwikPacket how many of those one KWIK packet may span
     * @param peerMaxMessageSize       the largest message the peer accepts
     */
    public PacketSizeCalculator(int maxStreamFramePayload, int quicPacketsPerKwikPacket, int peerMaxMessageSize) {
        if (maxStreamFramePayload < 64) throw new IllegalArgumentException("maxStreamFramePayload too small: " + maxStreamFramePayload);
        if (quicPacketsPerKwikPacket < 1) throw new IllegalArgumentException("quicPacketsPerKwikPacket must be >= 1");
        if (peerMaxMessageSize < 1024) throw new IllegalArgumentException("peerMaxMessageSize too small: " + peerMaxMessageSize);
        long byTransport = (long) maxStreamFramePayload * quicPacketsPerKwikPacket;
        this.maxPacketSize = (int) Math.min(byTransport, peerMaxMessageSize);
    }

    /** The most bytes an encoded packet may take, length prefix included. */
    public int maxPacketSize() {
        return maxPacketSize;
    }

    /** The most bytes of the packet's message body (length prefix excluded) the frames may fill. */
    public int maxFramesSize() {
        return maxPacketSize - MAX_LENGTH_PREFIX - MAX_PACKET_NUMBER_FIELD;
    }

    /**
     * The most data bytes one frame of stream {@code streamId} at {@code offset} may carry, so
     * that a packet holding just that frame fits; 0 when not even an empty frame fits.
     */
    public int maxFrameData(long streamId, long offset, boolean fin) {
        int budget = maxFramesSize();
        int fixed = fixedFrameFields(streamId, offset, fin);
        // frame in packet: tag(1) + varint(body) + body; body = fixed + tag(1) + varint(len) + len
        int best = 0;
        int low = 0;
        int high = budget;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            if (encodedFrameSize(fixed, mid) <= budget) {
                best = mid;
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        return encodedFrameSize(fixed, 0) <= budget ? best : 0;
    }

    /** The bytes a frame takes inside a packet: its tag, its length and its body. */
    public static int encodedFrameSize(long streamId, long offset, int dataLength, boolean fin) {
        return encodedFrameSize(fixedFrameFields(streamId, offset, fin), dataLength);
    }

    private static int encodedFrameSize(int fixed, int dataLength) {
        int body = fixed + (dataLength == 0 ? 0 : 1 + CodedOutputStream.computeUInt32SizeNoTag(dataLength) + dataLength);
        return 1 + CodedOutputStream.computeUInt32SizeNoTag(body) + body;
    }

    private static int fixedFrameFields(long streamId, long offset, boolean fin) {
        int size = 0;
        if (streamId != 0) size += 1 + CodedOutputStream.computeUInt64SizeNoTag(streamId);
        if (offset != 0) size += 1 + CodedOutputStream.computeUInt64SizeNoTag(offset);
        if (fin) size += 2;
        return size;
    }

    /** The bytes of a packet's body holding {@code framesSize} bytes of frames under {@code packetNumber}. */
    public static int packetBodySize(long packetNumber, int framesSize) {
        return (packetNumber == 0 ? 0 : 1 + CodedOutputStream.computeUInt64SizeNoTag(packetNumber)) + framesSize;
    }
}
