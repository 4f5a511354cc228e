package io.kwik.benchmarks;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.concurrent.TimeUnit;

import com.google.protobuf.ByteString;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import io.kwik.api.KwikConfig;
import io.kwik.engine.stream.StreamIds;
import io.kwik.engine.wire.MessageReader;
import io.kwik.engine.wire.Messages;
import io.kwik.engine.wire.Protocol;
import io.kwik.proto.AuthenticationRequest;
import io.kwik.proto.ControlFrame;
import io.kwik.proto.MaxStreamData;
import io.kwik.proto.PathRole;

/**
 * One control frame through the codec and back, as it crosses a control stream:
 * {@link Messages#delimited} on the sender, {@link MessageReader#next} and
 * {@link Messages#controlFrame} on the receiver.
 *
 * <p>{@code frame}: {@code maxStreamData}, the flow-control update every busy stream sends,
 * and {@code authRequest}, the largest frame of a path's handshake (a secondary path's, with a
 * 16-byte session id and a 32-byte join token).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class ControlFrameBenchmark {
    @Param({"maxStreamData", "authRequest"})
    public String frame;

    private ControlFrame message;

    @Setup
    public void setUp() throws IOException {
        message = switch (frame) {
            case "maxStreamData" -> ControlFrame.newBuilder().setMaxStreamData(MaxStreamData.newBuilder()
                    .setLogicalStreamId(StreamIds.of(41, true, 3)).setMaxOffset(5L << 20)).build();
            case "authRequest" -> ControlFrame.newBuilder().setAuthenticationRequest(AuthenticationRequest.newBuilder()
                    .setRole(PathRole.PATH_ROLE_SECONDARY).setVersion(Protocol.VERSION)
                    .setSessionId(ByteString.copyFrom(new byte[Protocol.SESSION_ID_BYTES]))
                    .setPathId("p3").setToken(ByteString.copyFrom(new byte[32]))
                    .setMaxStreams(KwikConfig.DEFAULT_MAX_CONCURRENT_STREAMS)
                    .setStreamReceiveWindow(KwikConfig.DEFAULT_STREAM_RECEIVE_WINDOW)
                    .setMaxMessageSize(KwikConfig.DEFAULT_MAX_MESSAGE_SIZE)).build();
            default -> throw new IllegalArgumentException("frame " + frame);
        };
        if (!roundTrip().equals(message)) throw new IllegalStateException("round trip changed the frame");
    }

    @Benchmark
    public ControlFrame roundTrip() throws IOException {
        byte[] wire = Messages.delimited(message);
        MessageReader reader = new MessageReader(new ByteArrayInputStream(wire), KwikConfig.DEFAULT_MAX_MESSAGE_SIZE);
        return Messages.controlFrame(reader.next());
    }
}
