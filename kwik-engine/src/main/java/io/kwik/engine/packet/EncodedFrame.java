package io.kwik.engine.packet;

import java.io.IOException;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;

import io.kwik.proto.DataFrame;
import io.kwik.proto.DataPacket;

/**
 * A {@code DataFrame} as field {@code frames} of a {@code DataPacket} (tag, length, body), so a
 * sender can batch frames of several streams into one packet by concatenation. Either already
 * encoded ({@link #of}: the one copy of the data, for a frame that waits in a queue while its
 * caller's array may change), or still the frame itself ({@link #direct}: written straight
 * from the caller's array, for a caller that waits until it is written).
 *
 * @param bytes      the encoded field, or null for a direct frame
 * @param frame      the frame, or null once encoded
 * @param streamId   the logical stream
 * @param offset     the KWIK offset of the first data byte
 * @param dataLength how many data bytes it carries
 * @param fin        whether it ends the stream
 * @param size       the bytes it takes in a packet
 */
public record EncodedFrame(byte[] bytes, DataFrame frame, long streamId, long offset, int dataLength, boolean fin, int size) {

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
        return new EncodedFrame(out, null, frame.getLogicalStreamId(), frame.getOffset(), frame.getData().size(), frame.getFin(),
                out.length);
    }

    /** {@code frame} as it is, to be encoded when it is written: its data must not change until then. */
    public static EncodedFrame direct(DataFrame frame) {
        int body = frame.getSerializedSize();
        return new EncodedFrame(null, frame, frame.getLogicalStreamId(), frame.getOffset(), frame.getData().size(), frame.getFin(),
                1 + CodedOutputStream.computeUInt32SizeNoTag(body) + body);
    }

    /** Writes the field: the encoded bytes, or the frame's tag, length and body. */
    void writeTo(CodedOutputStream coded) throws IOException {
        if (bytes != null) {
            coded.writeRawBytes(bytes);
        } else {
            coded.writeTag(DataPacket.FRAMES_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            coded.writeUInt32NoTag(frame.getSerializedSize());
            frame.writeTo(coded);
        }
    }
}
