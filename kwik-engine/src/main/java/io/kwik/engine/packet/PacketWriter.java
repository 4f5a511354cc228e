package io.kwik.engine.packet;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;

import io.kwik.proto.DataPacket;

/** Writes one length-delimited {@code DataPacket} made of frames ({@link EncodedFrame}). */
public final class PacketWriter {
    private PacketWriter() {}

    /**
     * Writes {@code frames} as one packet numbered {@code packetNumber} into {@code coded}, which
     * may keep the bytes in its buffer until the caller flushes it. A direct frame's data is
     * copied into that buffer, or written through to the stream under it, before this returns,
     * so its array is free again then.
     *
     * @return the bytes written, length prefix included
     */
    public static int write(CodedOutputStream coded, long packetNumber, List<EncodedFrame> frames) throws IOException {
        int framesSize = 0;
        for (EncodedFrame frame : frames) framesSize += frame.size();
        int body = PacketSizeCalculator.packetBodySize(packetNumber, framesSize);
        coded.writeUInt32NoTag(body);
        if (packetNumber != 0) {
            coded.writeTag(DataPacket.PACKET_NUMBER_FIELD_NUMBER, WireFormat.WIRETYPE_VARINT);
            coded.writeUInt64NoTag(packetNumber);
        }
        for (EncodedFrame frame : frames) frame.writeTo(coded);
        return CodedOutputStream.computeUInt32SizeNoTag(body) + body;
    }

    /** Writes {@code frames} as one packet to {@code out} in one write, without flushing {@code out}. */
    public static int write(OutputStream out, long packetNumber, List<EncodedFrame> frames) throws IOException {
        int framesSize = 0;
        for (EncodedFrame frame : frames) framesSize += frame.size();
        int body = PacketSizeCalculator.packetBodySize(packetNumber, framesSize);
        int total = CodedOutputStream.computeUInt32SizeNoTag(body) + body;
        byte[] packet = new byte[total];
        CodedOutputStream coded = CodedOutputStream.newInstance(packet);
        int written = write(coded, packetNumber, frames);
        coded.checkNoSpaceLeft();
        out.write(packet);
        return written;
    }
}
