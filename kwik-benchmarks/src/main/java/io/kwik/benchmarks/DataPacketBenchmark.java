package io.kwik.benchmarks;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import com.google.protobuf.UnsafeByteOperations;

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
import org.openjdk.jmh.infra.Blackhole;

import io.kwik.engine.packet.EncodedFrame;
import io.kwik.engine.packet.PacketSizeCalculator;
import io.kwik.engine.packet.PacketWriter;
import io.kwik.engine.stream.StreamIds;
import io.kwik.engine.wire.MessageReader;
import io.kwik.engine.wire.Messages;
import io.kwik.proto.DataFrame;
import io.kwik.proto.DataPacket;

/**
 * A {@code DataPacket} of one frame through the engine's own code paths. Encode is what a
 * logical stream does per frame when it writes through an idle real stream: wrap the
 * application's bytes in a {@code DataFrame}, {@link EncodedFrame#direct}, then
 * {@link PacketWriter#write} into the real stream's 64 KiB buffer (the one copy of the data on
 * the way out) and flush it to the stream, here a sink that copies nothing; encodeQueued is the
 * path under contention, where {@link EncodedFrame#of} copies the frame first. Decode is what a
 * real stream's reader does per message: {@link MessageReader#next} from the stream, here an
 * in-memory one, then {@link Messages#dataPacket}; decodeView is what a path's data reader does
 * since 2026-12-07: {@link MessageReader#nextTransient} into the reader's reused buffer, then
 * {@link Messages#dataPacketView}, whose frames alias that buffer (the logical stream copies
 * what it keeps into slabs it reuses). The allocation {@code -prof gc} reports per operation
 * shows how many times each path copies the data.
 *
 * <p>{@code size} is the frame's data: 1 KiB, 16 KiB, or {@code max}, the most one frame can
 * carry when a packet may take the whole default {@code maxMessageSize} (1 MiB, length prefix
 * included), as {@link PacketSizeCalculator#maxFrameData} computes it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class DataPacketBenchmark {
    private static final long STREAM_ID = StreamIds.of(41, true, 3);
    /** A few MiB into the stream, so the offset takes a multi-byte varint as it usually does. */
    private static final long OFFSET = 3L << 20;
    private static final long PACKET_NUMBER = 70_000;

    /** Fixed at 1 MiB, the default when docs/PERFORMANCE.md's table was made, so "max" stays comparable. */
    private static final int MAX_MESSAGE_SIZE = 1 << 20;

    @Param({"1KiB", "16KiB", "max"})
    public String size;

    private byte[] data;
    private byte[] message;
    /** One reader kept across operations, as a data reader keeps its own, over the message repeated. */
    private MessageReader viewReader;
    private final SinkOutputStream sink = new SinkOutputStream();
    /** As a real stream's writer has it: a 64 KiB buffer over the stream, flushed per packet here. */
    private final com.google.protobuf.CodedOutputStream coded = com.google.protobuf.CodedOutputStream.newInstance(sink, 64 * 1024);

    @Setup
    public void setUp() throws IOException {
        int length = switch (size) {
            case "1KiB" -> 1024;
            case "16KiB" -> 16 * 1024;
            case "max" -> new PacketSizeCalculator(Integer.MAX_VALUE, 1, MAX_MESSAGE_SIZE)
                    .maxFrameData(STREAM_ID, OFFSET, false);
            default -> throw new IllegalArgumentException("size " + size);
        };
        data = new byte[length];
        new SplittableRandom(1).nextBytes(data);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PacketWriter.write(out, PACKET_NUMBER, List.of(EncodedFrame.of(frame(data))));
        message = out.toByteArray();
        if (message.length > MAX_MESSAGE_SIZE) {
            throw new IllegalStateException("packet of " + message.length + " bytes exceeds maxMessageSize");
        }
        viewReader = new MessageReader(new RepeatingInputStream(message), MAX_MESSAGE_SIZE);
        DataPacket decoded = decode(message);
        DataPacket viewed = decodeView();
        if (!viewed.equals(decoded)) throw new IllegalStateException("the view decodes differently");
        if (decoded.getFramesCount() != 1 || !decoded.getFrames(0).getData().equals(UnsafeByteOperations.unsafeWrap(data))) {
            throw new IllegalStateException("round trip changed the packet");
        }
    }

    @Benchmark
    public int encode(Blackhole blackhole) throws IOException {
        sink.blackhole = blackhole;
        int written = PacketWriter.write(coded, PACKET_NUMBER, List.of(EncodedFrame.direct(frame(data))));
        coded.flush();
        return written;
    }

    @Benchmark
    public int encodeQueued(Blackhole blackhole) throws IOException {
        sink.blackhole = blackhole;
        int written = PacketWriter.write(coded, PACKET_NUMBER, List.of(EncodedFrame.of(frame(data))));
        coded.flush();
        return written;
    }

    @Benchmark
    public DataPacket decode() throws IOException {
        return decode(message);
    }

    @Benchmark
    public DataPacket decodeView() throws IOException {
        return Messages.dataPacketView(viewReader.nextTransient());
    }

    private static DataFrame frame(byte[] data) {
        return DataFrame.newBuilder().setLogicalStreamId(STREAM_ID).setOffset(OFFSET)
                .setData(UnsafeByteOperations.unsafeWrap(data)).build();
    }

    private static DataPacket decode(byte[] message) throws IOException {
        MessageReader reader = new MessageReader(new ByteArrayInputStream(message), MAX_MESSAGE_SIZE);
        return Messages.dataPacket(reader.next());
    }

    /** A stream that carries {@code message} again and again, read as a transport would hand it over. */
    private static final class RepeatingInputStream extends java.io.InputStream {
        private final byte[] message;
        private int position;

        RepeatingInputStream(byte[] message) {
            this.message = message;
        }

        @Override
        public int read() {
            int b = message[position] & 0xFF;
            position = (position + 1) % message.length;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            int n = Math.min(len, message.length - position);
            System.arraycopy(message, position, b, off, n);
            position = (position + n) % message.length;
            return n;
        }

        @Override
        public int available() {
            return message.length - position;
        }
    }

    /** Stands in for a QUIC stream: every array written goes to the blackhole, nothing is copied. */
    private static final class SinkOutputStream extends OutputStream {
        Blackhole blackhole;

        @Override
        public void write(int b) {
            blackhole.consume(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            blackhole.consume(b);
        }
    }
}
