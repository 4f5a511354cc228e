package io.kwik.engine.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import com.google.protobuf.ByteString;

import io.kwik.api.KwikException;
import io.kwik.api.KwikTimeoutException;
import io.kwik.api.StreamResetException;
import io.kwik.proto.ControlFrame;
import io.kwik.proto.DataFrame;

/**
 * How one stream closes, against a recording context: which frames go out and when the stream
 * is released. The same behaviour through real QUIC is in the TCK's ProtocolSuite.
 */
class LogicalStreamClosingTest {
    private static final long ID = 0;

    private final Recorder context = new Recorder();
    private final LogicalStream stream = new LogicalStream(ID, context, 64 * 1024, 64 * 1024, null);

    @Test
    void closeWithInputUnreadSendsFinAndStopSendingAndReleasesAtOnce() throws Exception {
        stream.onFrameFromPeer(data(0, "GET /\nmore"));

        stream.close();

        assertThat(context.fins).singleElement().satisfies(fin -> assertThat(fin.getFin()).isTrue());
        assertThat(context.control).singleElement().satisfies(frame -> {
            assertThat(frame.getStopSending().getLogicalStreamId()).isEqualTo(ID);
            assertThat(frame.getStopSending().getErrorCode()).isZero();
        });
        assertThat(context.released).hasValue(1);
        assertThatThrownBy(() -> stream.inputStream().read()).isInstanceOf(IOException.class)
                .hasMessageContaining("stream 0 is closed");
    }

    @Test
    void aFinalSizePastTheWindowKeepsTheWindowOpening() throws Exception {
        // the owner states the final size first; other servers write the bytes up to it later
        stream.onFrameFromPeer(DataFrame.newBuilder().setLogicalStreamId(ID).setOffset(256 * 1024).setFin(true).build());
        stream.onFrameFromPeer(DataFrame.newBuilder().setLogicalStreamId(ID).setOffset(0)
                .setData(ByteString.copyFrom(new byte[64 * 1024])).build());

        byte[] sink = new byte[64 * 1024];
        int read = 0;
        while (read < sink.length) read += stream.inputStream().read(sink, read, sink.length - read);

        assertThat(context.control).as("a window update although the final size is known")
                .anySatisfy(frame -> assertThat(frame.getMaxStreamData().getMaxOffset()).isEqualTo(128 * 1024));
    }

    @Test
    void closeAfterThePeersFinSendsNoStopSending() throws Exception {
        DataFrame last = data(0, "GET /\n").toBuilder().setFin(true).build();
        stream.onFrameFromPeer(last);

        stream.close();

        assertThat(context.control).as("the peer has nothing more to send").isEmpty();
        assertThat(context.released).hasValue(1);
    }

    @Test
    void shutdownInputDropsLaterBytesAndKeepsTheOutputOpen() throws Exception {
        stream.shutdownInput();
        stream.onFrameFromPeer(data(0, "late"));

        assertThat(stream.inputStream().read()).isEqualTo(-1);
        assertThat(stream.inputStream().available()).isZero();
        assertThat(context.released).as("the output is still open").hasValue(0);
        stream.outputStream().write(new byte[] {1, 2, 3});
        stream.outputStream().close();
        assertThat(context.released).hasValue(1);
        stream.shutdownInput();
        assertThat(context.control).as("one StopSending, however often").hasSize(1);
    }

    @Test
    void stopSendingFromThePeerFailsWritesWithItsCode() throws Exception {
        stream.onStopSendingFromPeer(9);

        assertThatThrownBy(() -> stream.outputStream().write(1)).isInstanceOfSatisfying(StreamResetException.class, e -> {
            assertThat(e.code()).isEqualTo(9);
            assertThat(e.byPeer()).isTrue();
        });
        stream.shutdownOutput();
        assertThat(context.fins).as("no FIN after the peer stopped receiving").isEmpty();
        assertThat(context.released).as("the input is still open").hasValue(0);
    }

    @Test
    void stopSendingAfterTheFinIsIgnored() throws Exception {
        stream.shutdownOutput();
        stream.onStopSendingFromPeer(9);

        assertThatThrownBy(() -> stream.outputStream().write(1)).isNotInstanceOf(StreamResetException.class)
                .hasMessageContaining("closed for writing");
    }

    @Test
    void aReadTimeoutLeavesTheStreamReadable() throws Exception {
        stream.readTimeout(Duration.ofMillis(20));

        assertThatThrownBy(() -> stream.inputStream().read()).isInstanceOfSatisfying(KwikTimeoutException.class,
                e -> assertThat(e.kind()).isEqualTo(KwikTimeoutException.Kind.READ));
        stream.onFrameFromPeer(data(0, "x"));
        assertThat(stream.inputStream().read()).isEqualTo('x');
        assertThatThrownBy(() -> stream.readTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }

    private static DataFrame data(long offset, String text) {
        return DataFrame.newBuilder().setLogicalStreamId(ID).setOffset(offset).setData(ByteString.copyFromUtf8(text)).build();
    }

    /** Records what the stream sends and when it is released. */
    private static final class Recorder implements StreamContext {
        final List<ControlFrame> control = new CopyOnWriteArrayList<>();
        final List<DataFrame> fins = new CopyOnWriteArrayList<>();
        final AtomicInteger released = new AtomicInteger();

        @Override
        public String sessionId() {
            return "test";
        }

        @Override
        public String pathId() {
            return "p0";
        }

        @Override
        public int maxFrameData(long streamId, long offset) {
            return 1200;
        }

        @Override
        public void sendControl(ControlFrame frame) {
            control.add(frame);
        }

        @Override
        public DataChannel dataChannel(LogicalStream stream) {
            return new DataChannel() {
                @Override
                public void send(DataFrame frame, boolean flush) {
                    if (frame.getFin()) fins.add(frame);
                }

                @Override
                public void release() {
                }
            };
        }

        @Override
        public void released(LogicalStream stream) {
            released.incrementAndGet();
        }

        @Override
        public KwikException failure() {
            return null;
        }
    }
}
