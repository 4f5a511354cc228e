package io.kwik.benchmarks;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import com.google.protobuf.UnsafeByteOperations;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import io.kwik.engine.packet.EncodedFrame;
import io.kwik.engine.packet.PacketWriter;
import io.kwik.engine.stream.StreamIds;
import io.kwik.engine.wire.MessageReader;
import io.kwik.engine.wire.Messages;
import io.kwik.proto.DataFrame;
import io.kwik.proto.DataPacket;

/**
 * A path's data reader over a transport that has many packets queued, as in a bulk download:
 * {@link MessageReader#nextTransient} then {@link Messages#dataPacketView} per default-sized
 * data packet (10,000 bytes of data, about 10 KB with its headers), from a stream that, like
 * the Netty backend's, takes a lock for every {@code read} and {@code available} and hands over
 * as much as the caller asks. {@code reads} and {@code availables} (JMH auxiliary counters, in
 * calls per second like the packets) count the calls into the transport, which on a real
 * backend are where the cost is: a lock, and on a buffer boundary a wake-up of the event loop;
 * divided by {@code readPacket}'s packets per second they give calls per packet, which the
 * machine's load does not change.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class DataStreamReadBenchmark {
    private static final long STREAM_ID = StreamIds.of(41, true, 3);
    private static final int MAX_MESSAGE_SIZE = 1 << 20;
    private static final int PACKETS = 64;

    private MessageReader reader;
    private QueuedTransport transport;

    /** Calls into the transport, per packet read. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Calls {
        public long reads;
        public long availables;

        @Setup(Level.Iteration)
        public void clear() {
            reads = 0;
            availables = 0;
        }
    }

    @Setup
    public void setUp() throws IOException {
        byte[] data = new byte[10_000];
        new SplittableRandom(1).nextBytes(data);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < PACKETS; i++) {
            DataFrame frame = DataFrame.newBuilder().setLogicalStreamId(STREAM_ID).setOffset(10_000L * i)
                    .setData(UnsafeByteOperations.unsafeWrap(data)).build();
            // length-prefixed, as on the wire
            PacketWriter.write(out, 70_000 + i, List.of(EncodedFrame.of(frame)));
        }
        transport = new QueuedTransport(out.toByteArray());
        // a data stream begins with its header; then only packets
        reader = new MessageReader(transport, MAX_MESSAGE_SIZE, () -> { });
    }

    @Benchmark
    public DataPacket readPacket(Calls calls) throws IOException {
        transport.calls = calls;
        return Messages.dataPacketView(reader.nextTransient());
    }

    /** The same {@link #PACKETS} packets again and again, every byte of them always available. */
    private static final class QueuedTransport extends InputStream {
        private final byte[] wire;
        private final ReentrantLock lock = new ReentrantLock();
        private int position;
        Calls calls;

        QueuedTransport(byte[] wire) {
            this.wire = wire;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            read(one, 0, 1);
            return one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            lock.lock();
            try {
                calls.reads++;
                int copied = 0;
                while (copied < len) {
                    int n = Math.min(len - copied, wire.length - position);
                    System.arraycopy(wire, position, b, off + copied, n);
                    copied += n;
                    position = (position + n) % wire.length;
                }
                return copied;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public int available() {
            lock.lock();
            try {
                calls.availables++;
                return wire.length;
            } finally {
                lock.unlock();
            }
        }
    }
}
