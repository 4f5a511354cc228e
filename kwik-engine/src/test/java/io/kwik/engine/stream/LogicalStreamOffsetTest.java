package io.kwik.engine.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import com.google.protobuf.ByteString;

import io.kwik.api.ErrorCode;
import io.kwik.api.KwikException;
import io.kwik.proto.ControlFrame;
import io.kwik.proto.DataFrame;

/** Offsets a peer sends are uint64 on the wire: those Java reads as negative, or that overflow, are refused. */
class LogicalStreamOffsetTest {

    /** A context for a stream that only receives. */
    private static final class ReceiveOnly implements StreamContext {
        @Override public String sessionId() { return "s"; }
        @Override public String pathId() { return "p0"; }
        @Override public int maxFrameData(long streamId, long offset) { return 1000; }
        @Override public void sendControl(ControlFrame frame) { }
        @Override public DataChannel dataChannel(LogicalStream stream) { throw new UnsupportedOperationException(); }
        @Override public void released(LogicalStream stream) { }
        @Override public KwikException failure() { return null; }
    }

    private final LogicalStream stream = new LogicalStream(0, new ReceiveOnly(), 1 << 20, 1 << 20, null);

    private static DataFrame frame(long offset, int length, boolean fin) {
        return DataFrame.newBuilder().setOffset(offset).setData(ByteString.copyFrom(new byte[length])).setFin(fin).build();
    }

    @Test
    void anOffsetOf2To63OrMoreIsAnInvalidFrame() {
        assertInvalid(frame(Long.MIN_VALUE, 1, false));
        assertInvalid(frame(-1, 0, true));
        assertInvalid(frame(Long.MIN_VALUE, 0, false));
    }

    @Test
    void anEndThatOverflowsIsAnInvalidFrame() {
        assertInvalid(frame(Long.MAX_VALUE - 1, 10, false));
    }

    @Test
    void aFrameInRangeStillArrives() throws KwikException {
        stream.onFrameFromPeer(frame(0, 10, true));
        assertThat(stream.fullyReceived()).isTrue();
    }

    private void assertInvalid(DataFrame frame) {
        assertThatThrownBy(() -> stream.onFrameFromPeer(frame)).isInstanceOf(KwikException.class)
                .satisfies(e -> assertThat(((KwikException) e).code()).isEqualTo(ErrorCode.INVALID_FRAME));
    }
}
