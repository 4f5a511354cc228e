package io.kwik.engine.wire;

import java.io.IOException;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.UnsafeByteOperations;

import io.kwik.api.ErrorCode;
import io.kwik.api.KwikException;
import io.kwik.proto.ControlFrame;
import io.kwik.proto.DataFrame;
import io.kwik.proto.DataPacket;
import io.kwik.proto.RawPacket;
import io.kwik.proto.StreamHeader;

/** Encoding and decoding of the protocol's messages. */
public final class Messages {
    private Messages() {}

    /** {@code message} with its varint length in front, in one exactly-sized array. */
    public static byte[] delimited(MessageLite message) {
        int size = message.getSerializedSize();
        byte[] out = new byte[CodedOutputStream.computeUInt32SizeNoTag(size) + size];
        CodedOutputStream coded = CodedOutputStream.newInstance(out);
        try {
            coded.writeUInt32NoTag(size);
            message.writeTo(coded);
            coded.checkNoSpaceLeft();
        } catch (IOException e) {
            throw new IllegalStateException("encoding into an exactly-sized array cannot fail", e);
        }
        return out;
    }

    /** Parses a control frame; a frame of a type this version does not know is an error too. */
    public static ControlFrame controlFrame(byte[] bytes) throws KwikException {
        ControlFrame frame;
        try {
            frame = ControlFrame.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new KwikException(ErrorCode.INVALID_FRAME, "control frame does not parse: " + e.getMessage(), e);
        }
        if (frame.getFrameCase() == ControlFrame.FrameCase.FRAME_NOT_SET) {
            throw new KwikException(ErrorCode.INVALID_FRAME, "control frame of unknown type");
        }
        return frame;
    }

    /**
     * Parses a data packet. A frame's data aliases {@code bytes} instead of copying them when it
     * takes at least half of the message, so {@code bytes} must not be modified afterwards. A
     * smaller frame's data is copied out: a reassembly buffer keeps the data of a frame until it
     * is read, and an alias would keep the whole message alive with it (a peer padding 1-byte
     * frames into 1 MiB messages would pin a MiB per byte of window).
     */
    public static DataPacket dataPacket(byte[] bytes) throws KwikException {
        DataPacket packet;
        try {
            // protobuf aliases bytes fields only from an immutable buffer: wrapping marks it so
            CodedInputStream in = UnsafeByteOperations.unsafeWrap(bytes).newCodedInput();
            in.enableAliasing(true);
            packet = DataPacket.parseFrom(in);
        } catch (IOException e) {
            throw new KwikException(ErrorCode.INVALID_FRAME, "data packet does not parse: " + e.getMessage(), e);
        }
        DataPacket.Builder copied = null;
        for (int i = 0; i < packet.getFramesCount(); i++) {
            DataFrame frame = packet.getFrames(i);
            ByteString data = frame.getData();
            if (data.isEmpty() || 2L * data.size() >= bytes.length) continue;
            if (copied == null) copied = packet.toBuilder();
            copied.setFrames(i, frame.toBuilder().setData(UnsafeByteOperations.unsafeWrap(data.toByteArray())));
        }
        return copied == null ? packet : copied.build();
    }

    /**
     * Parses a data packet from a view of a reused buffer ({@link MessageReader#nextTransient()}):
     * every frame's data aliases it, so the packet is valid only until the buffer is reused,
     * and whoever keeps a frame's bytes must copy them (a reassembly buffer does).
     */
    public static DataPacket dataPacketView(ByteString bytes) throws KwikException {
        try {
            CodedInputStream in = bytes.newCodedInput();
            in.enableAliasing(true);
            return DataPacket.parseFrom(in);
        } catch (IOException e) {
            throw new KwikException(ErrorCode.INVALID_FRAME, "data packet does not parse: " + e.getMessage(), e);
        }
    }

    /** Parses a raw packet; its data aliases {@code bytes}, which must not be modified afterwards. */
    public static RawPacket rawPacket(byte[] bytes) throws KwikException {
        try {
            CodedInputStream in = UnsafeByteOperations.unsafeWrap(bytes).newCodedInput();
            in.enableAliasing(true);
            return RawPacket.parseFrom(in);
        } catch (IOException e) {
            throw new KwikException(ErrorCode.INVALID_FRAME, "raw packet does not parse: " + e.getMessage(), e);
        }
    }

    /** Parses a stream header; an unknown kind is an error. */
    public static StreamHeader.Kind streamKind(byte[] bytes) throws KwikException {
        StreamHeader header;
        try {
            header = StreamHeader.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new KwikException(ErrorCode.INVALID_FRAME, "stream header does not parse: " + e.getMessage(), e);
        }
        StreamHeader.Kind kind = header.getKind();
        if (kind != StreamHeader.Kind.KIND_DATA && kind != StreamHeader.Kind.KIND_RAW) {
            throw new KwikException(ErrorCode.INVALID_FRAME, "unknown stream kind " + header.getKindValue());
        }
        return kind;
    }
}
