package io.kwik.engine.packet;

import java.io.IOException;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;

import io.kwik.proto.DataFrame;
import io.kwik.proto.DataPacket;

/**
 * A {@code DataFrame} already encoded as field {@code frames} of a {@code DataPacket} (tag,
 * length, body), so a sender can batch frames of several streams into one packet by
 * concatenation. Encoding is the one copy of the data on the way out.
 *
 * @param bytes      the encoded field
 * @param streamId   the logical stream
 * @param offset     the KWIK offset of the first data byte
 * @param dataLength how many data bytes it carries
 * @param fin        whether it ends the stream
 */
public record EncodedFrame(byte[] bytes, long streamId, long offset, int dataLength, boolean fin) {

    /** Encodes {@code frame}; its data may alias a caller's array, which is not retained. */
    public static EncodedFrame of(DataFrame frame) {
        int body = frame.getSerializedSize();
        byte[] out = new byte[1 + CodedOutputStream.computeUInt32SizeNoTag(body) + body];
        CodedOutputStream coded = CodedOutputStream.newInstance(out);
        try {
            coded.writeTag(DataPacket.FRAMES_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            coded.writeUInt32NoTag(body);
            frame.writeTo(coded);
            coded.checkNoSpaceLeft();
        } catch (IOException e) {
            throw new IllegalStateException("encoding into an exactly-sized array cannot fail", e);
        }
        return new EncodedFrame(out, frame.getLogicalStreamId(), frame.getOffset(), frame.getData().size(), frame.getFin());
    }

    /** The bytes the frame takes in a packet. */
    public int size() {
        return bytes.length;
    }
}
