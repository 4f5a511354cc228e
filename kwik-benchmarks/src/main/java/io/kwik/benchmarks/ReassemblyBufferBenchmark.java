package io.kwik.benchmarks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import com.google.protobuf.ByteString;
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

import io.kwik.api.KwikConfig;
import io.kwik.engine.stream.ReassemblyBuffer;

/**
 * One full default receive window (1 MiB) through a {@link ReassemblyBuffer}: every frame's
 * data inserted at its offset, then everything read out in 64 KiB reads, the copy an
 * application's read makes. The frames' data are views of one received array, as frames
 * parsed with aliasing are.
 *
 * <p>{@code inOrder} inserts the frames by offset; {@code shuffled} inserts them in one fixed
 * random order (seed {@value #SEED}), so most of the window waits in the buffer as gaps until
 * the first frame arrives. {@code frame} is each frame's data size.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class ReassemblyBufferBenchmark {
    static final long SEED = 20_240_601L;
    private static final int WINDOW = (int) KwikConfig.DEFAULT_STREAM_RECEIVE_WINDOW;
    private static final int READ_SIZE = 64 * 1024;

    @Param({"1024", "16384"})
    public int frame;

    private long[] orderedOffsets;
    private ByteString[] orderedData;
    private long[] shuffledOffsets;
    private ByteString[] shuffledData;
    private final byte[] target = new byte[READ_SIZE];

    @Setup
    public void setUp() {
        byte[] received = new byte[WINDOW];
        new SplittableRandom(SEED).nextBytes(received);
        int count = WINDOW / frame;
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < count; i++) order.add(i);
        orderedOffsets = new long[count];
        orderedData = new ByteString[count];
        for (int i = 0; i < count; i++) {
            orderedOffsets[i] = (long) i * frame;
            orderedData[i] = UnsafeByteOperations.unsafeWrap(received, i * frame, frame);
        }
        Collections.shuffle(order, new Random(SEED));
        shuffledOffsets = new long[count];
        shuffledData = new ByteString[count];
        for (int i = 0; i < count; i++) {
            shuffledOffsets[i] = orderedOffsets[order.get(i)];
            shuffledData[i] = orderedData[order.get(i)];
        }
        check(inOrder());
        check(shuffled());
    }

    private static void check(long read) {
        if (read != WINDOW) throw new IllegalStateException("read " + read + " of " + WINDOW + " bytes");
    }

    @Benchmark
    public long inOrder() {
        return insertAndRead(orderedOffsets, orderedData);
    }

    @Benchmark
    public long shuffled() {
        return insertAndRead(shuffledOffsets, shuffledData);
    }

    private long insertAndRead(long[] offsets, ByteString[] data) {
        ReassemblyBuffer buffer = new ReassemblyBuffer();
        for (int i = 0; i < offsets.length; i++) buffer.insert(offsets[i], data[i]);
        long read = 0;
        int n;
        while ((n = buffer.read(target, 0, READ_SIZE)) > 0) read += n;
        return read;
    }
}
