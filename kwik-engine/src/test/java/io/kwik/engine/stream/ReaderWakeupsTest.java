package io.kwik.engine.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import com.google.protobuf.ByteString;

import io.kwik.api.KwikException;
import io.kwik.proto.ControlFrame;
import io.kwik.proto.DataFrame;

/** A path's data reader wakes a logical stream's reader once per batch of frames, and never leaves it asleep over bytes it holds. */
class ReaderWakeupsTest {

    private static final class ReceiveOnly implements StreamContext {
        @Override public String sessionId() { return "s"; }
        @Override public String pathId() { return "p0"; }
        @Override public int maxFrameData(long streamId, long offset) { return 1000; }
        @Override public void sendControl(ControlFrame frame) { }
        @Override public DataChannel dataChannel(LogicalStream stream) { throw new UnsupportedOperationException(); }
        @Override public void released(LogicalStream stream) { }
        @Override public KwikException failure() { return null; }
    }

    private static DataFrame frame(long offset, int length, byte fill, boolean fin) {
        byte[] data = new byte[length];
        java.util.Arrays.fill(data, fill);
        return DataFrame.newBuilder().setOffset(offset).setData(ByteString.copyFrom(data)).setFin(fin).build();
    }

    @Test
    void aBatchOfFramesOwesEachStreamOneWakeUp() throws Exception {
        LogicalStream one = new LogicalStream(0, new ReceiveOnly(), 1 << 20, 1 << 20, null);
        LogicalStream two = new LogicalStream(2, new ReceiveOnly(), 1 << 20, 1 << 20, null);
        ReaderWakeups wakeups = new ReaderWakeups();
        for (int i = 0; i < 10; i++) {
            one.onFrameFromPeer(frame(100L * i, 100, (byte) i, false), true, wakeups);
            two.onFrameFromPeer(frame(100L * i, 100, (byte) i, false), true, wakeups);
        }
        assertThat(wakeups.owed()).as("one entry per stream, not per frame").isEqualTo(2);
        wakeups.wake();
        assertThat(wakeups.owed()).isZero();
        one.onFrameFromPeer(frame(1000, 1, (byte) 10, true), true, wakeups);
        assertThat(wakeups.owed()).as("owed again after the wake-up").isEqualTo(1);
        wakeups.wake();
        byte[] read = one.inputStream().readAllBytes();
        assertThat(read).hasSize(1001);
        for (int i = 0; i < 1001; i++) assertThat(read[i]).isEqualTo((byte) (i / 100));
    }

    @Test
    void aWaitingReaderGetsTheBatchOnceItIsWoken() throws Exception {
        LogicalStream stream = new LogicalStream(0, new ReceiveOnly(), 1 << 20, 1 << 20, null);
        CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
            try {
                return stream.inputStream().readAllBytes();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        ReaderWakeups wakeups = new ReaderWakeups();
        stream.onFrameFromPeer(frame(0, 500, (byte) 1, false), true, wakeups);
        stream.onFrameFromPeer(frame(500, 500, (byte) 2, true), true, wakeups);
        wakeups.wake();
        byte[] bytes = read.get(30, TimeUnit.SECONDS);
        assertThat(bytes).hasSize(1000);
        assertThat(bytes[0]).isEqualTo((byte) 1);
        assertThat(bytes[999]).isEqualTo((byte) 2);
    }
}
