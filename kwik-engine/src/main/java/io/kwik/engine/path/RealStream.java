package io.kwik.engine.path;

import java.io.IOException;

import io.kwik.engine.stream.DataChannel;
import io.kwik.engine.wire.MessageSender;
import io.kwik.engine.wire.Messages;
import io.kwik.proto.DataFrame;
import io.kwik.proto.DataPacket;

/** The sending side of one real QUIC data stream of a path. */
public final class RealStream implements DataChannel {
    private final PathConnection path;
    private final MessageSender sender;

    RealStream(PathConnection path, MessageSender sender) {
        this.path = path;
        this.sender = sender;
    }

    @Override
    public void send(DataFrame frame) throws IOException {
        byte[] packet = Messages.delimited(DataPacket.newBuilder()
                .setPacketNumber(path.nextPacketNumber()).addFrames(frame).build());
        path.countSent(packet.length);
        sender.send(packet);
    }

    @Override
    public void release() {
        sender.finish();
    }
}
