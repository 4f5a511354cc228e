package io.kwik.engine.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;

import io.kwik.api.ByteRange;
import io.kwik.api.ErrorCode;
import io.kwik.api.KwikException;
import io.kwik.engine.wire.Messages;
import io.kwik.proto.ControlFrame;
import io.kwik.proto.DataFrame;
import io.kwik.proto.DataPacket;

/**
 * Fuzzes a logical stream's receiving half with the frames a session hands it: data frames
 * decoded from the wire by {@link Messages#dataPacket} (from the owner's path or another
 * server's), window updates, resets and stop-sendings, between reads. The property: a frame is
 * taken or refused with a {@link KwikException} carrying a protocol error code (nothing else
 * is thrown); the bytes read are the first copy of each byte that arrived, in order; and the
 * bytes held above the read cursor never exceed the receive window.
 *
 * <p>This is the smallest unit that takes decoded data frames: {@code SessionCore} routes
 * them here by stream id, and needs a live QUIC connection to exist.
 */
class LogicalStreamFuzzTest {
    private static final int WINDOW = 4096;
    private static final int SPAN = 1 << 20;
    private static final Set<ErrorCode> PROTOCOL_ERRORS =
            Set.of(ErrorCode.INVALID_FRAME, ErrorCode.FLOW_CONTROL, ErrorCode.OFFSET_MISMATCH);

    /** A context for a stream that only receives; window updates go nowhere. */
    private static final class ReceiveOnly implements StreamContext {
        @Override public String sessionId() { return "s"; }
        @Override public String pathId() { return "p0"; }
        @Override public int maxFrameData(long streamId, long offset) { return 1000; }
        @Override public void sendControl(ControlFrame frame) { }
        @Override public DataChannel dataChannel(LogicalStream stream) { throw new UnsupportedOperationException(); }
        @Override public void released(LogicalStream stream) { }
        @Override public KwikException failure() { return null; }
    }

    @FuzzTest
    void peerFrames(FuzzedDataProvider data) throws IOException {
        LogicalStream stream = new LogicalStream(0, new ReceiveOnly(), WINDOW, WINDOW, null);
        byte[] model = new byte[SPAN];
        boolean[] known = new boolean[SPAN];
        long consumed = 0;
        try {
            while (data.remainingBytes() > 0) {
                switch (data.consumeInt(0, 9)) {
                    case 0 -> stream.onResetFromPeer(data.consumeLong());
                    case 1 -> stream.onStopSendingFromPeer(data.consumeLong());
                    case 2 -> stream.onMaxStreamDataFromPeer(data.consumeLong());
                    case 3, 4, 5 -> {
                        long readable = readableEnd(stream.receivedRanges());
                        if (readable > consumed) {
                            ByteBuffer target = ByteBuffer.allocate(data.consumeInt(1, WINDOW));
                            int n;
                            try {
                                n = stream.read(target);
                            } catch (IOException e) {
                                // a reset from the peer ends reading with a stream error; nothing else may
                                assertThat(e).isInstanceOf(io.kwik.api.StreamResetException.class);
                                return;
                            }
                            assertThat(n).isPositive();
                            for (int i = 0; i < n; i++) {
                                int at = (int) (consumed + i);
                                assertThat(known[at]).isTrue();
                                assertThat(target.get(i)).as("byte %d", at).isEqualTo(model[at]);
                            }
                            consumed += n;
                        }
                    }
                    default -> {
                        DataPacket.Builder packet = DataPacket.newBuilder();
                        int frames = data.consumeInt(1, 3);
                        for (int i = 0; i < frames; i++) {
                            long offset = data.consumeBoolean() ? data.consumeLong() : consumed + data.consumeInt(-WINDOW, 2 * WINDOW);
                            byte[] bytes = data.consumeBytes(data.consumeInt(0, 2 * WINDOW));
                            packet.addFrames(DataFrame.newBuilder().setLogicalStreamId(0).setOffset(offset)
                                    .setData(ByteString.copyFrom(bytes)).setFin(data.consumeBoolean()));
                        }
                        boolean fromOwner = data.consumeBoolean();
                        for (DataFrame frame : Messages.dataPacket(packet.build().toByteArray()).getFramesList()) {
                            stream.onFrameFromPeer(frame, fromOwner);
                            remember(frame, consumed, model, known);
                        }
                    }
                }
                assertThat(heldAbove(stream.receivedRanges(), consumed)).isLessThanOrEqualTo(WINDOW);
                if (consumed > SPAN - 4 * WINDOW) return;
            }
        } catch (KwikException e) {
            assertThat(e.code()).as("error code of %s", e).isIn(PROTOCOL_ERRORS);
        }
    }

    /** Bytes of an accepted frame not known yet and not read yet: the first copy wins. */
    private static void remember(DataFrame frame, long consumed, byte[] model, boolean[] known) {
        ByteString bytes = frame.getData();
        for (int i = 0; i < bytes.size(); i++) {
            long at = frame.getOffset() + i;
            if (at < consumed || at >= SPAN || known[(int) at]) continue;
            known[(int) at] = true;
            model[(int) at] = bytes.byteAt(i);
        }
    }

    private static long readableEnd(List<ByteRange> ranges) {
        return ranges.isEmpty() || ranges.get(0).start() != 0 ? 0 : ranges.get(0).end();
    }

    private static long heldAbove(List<ByteRange> ranges, long consumed) {
        long held = 0;
        for (ByteRange range : ranges) held += Math.max(0, range.end() - Math.max(range.start(), consumed));
        return held;
    }
}
