package io.kwik.engine.packet;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;

import io.kwik.proto.DataPacket;

/** Writes one length-delimited {@code DataPacket} made of already-encoded frames. */
public final class PacketWriter {
    private PacketWriter() {}

    /**
     * Writes {@code frames} as one packet numbered {@code packetNumber}.
     *
     * @return the bytes written, length prefix included
     */
    public static int write(OutputStream out, long packetNumber, List<EncodedFrame> frames) throws IOException {
        int framesSize = 0;
        for (EncodedFrame frame : frames) framesSize += frame.size();
        int body = PacketSizeCalculator.packetBodySize(packetNumber, framesSize);
        int headerSize = CodedOutputStream.computeUInt32SizeNoTag(body) + (body - framesSize);
        // one frame: header and frame as two writes, no copy; several small ones: one array
        byte[] packet = new byte[frames.size() == 1 ? headerSize : headerSize + framesSize];
        CodedOutputStream coded = CodedOutputStream.newInstance(packet);
        coded.writeUInt32NoTag(body);
        if (packetNumber != 0) {
            coded.writeTag(DataPacket.PACKET_NUMBER_FIELD_NUMBER, WireFormat.WIRETYPE_VARINT);
            coded.writeUInt64NoTag(packetNumber);
        }
        if (frames.size() == 1) {
            coded.checkNoSpaceLeft();
            out.write(packet);
            out.write(frames.get(0).bytes());
        } else {
            for (EncodedFrame frame : frames) coded.writeRawBytes(frame.bytes());
            coded.checkNoSpaceLeft();
            out.write(packet);
        }
        return headerSize + framesSize;
    }
}
