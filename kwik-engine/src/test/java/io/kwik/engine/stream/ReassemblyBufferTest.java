package io.kwik.engine.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import com.google.protobuf.ByteString;

class ReassemblyBufferTest {

    @Test
    void bytesInOrderAreReadBackInOrder() {
        ReassemblyBuffer buffer = new ReassemblyBuffer();
        buffer.insert(0, ByteString.copyFromUtf8("hello "));
        buffer.insert(6, ByteString.copyFromUtf8("world"));
        byte[] out = new byte[32];
        int n = buffer.read(out, 0, out.length);
        assertThat(new String(out, 0, n)).isEqualTo("hello world");
        assertThat(buffer.readOffset()).isEqualTo(11);
        assertThat(buffer.buffered()).isZero();
    }

    @Test
    void aGapHoldsBackEverythingAfterIt() {
        ReassemblyBuffer buffer = new ReassemblyBuffer();
        buffer.insert(5, ByteString.copyFromUtf8("world"));
        assertThat(buffer.hasReadable()).isFalse();
        buffer.insert(0, ByteString.copyFromUtf8("hello"));
        byte[] out = new byte[10];
        assertThat(buffer.read(out, 0, 10)).isEqualTo(10);
        assertThat(new String(out)).isEqualTo("helloworld");
    }

    @Test
    void duplicatesAndOverlapsAreStoredOnce() {
        ReassemblyBuffer buffer = new ReassemblyBuffer();
        buffer.insert(2, ByteString.copyFromUtf8("cdef"));
        buffer.insert(0, ByteString.copyFromUtf8("abcdefgh"));
        buffer.insert(4, ByteString.copyFromUtf8("ef"));
        assertThat(buffer.buffered()).isEqualTo(8);
        byte[] out = new byte[8];
        buffer.read(out, 0, 8);
        assertThat(new String(out)).isEqualTo("abcdefgh");
        buffer.insert(0, ByteString.copyFromUtf8("abcdefgh"));
        assertThat(buffer.buffered()).isZero();
        assertThat(buffer.hasReadable()).isFalse();
    }

    @Test
    void aPartialReadLeavesTheRestInPlace() {
        ReassemblyBuffer buffer = new ReassemblyBuffer();
        buffer.insert(0, ByteString.copyFromUtf8("abcdef"));
        ByteBuffer three = ByteBuffer.allocate(3);
        assertThat(buffer.read(three)).isEqualTo(3);
        assertThat(new String(three.array())).isEqualTo("abc");
        assertThat(buffer.readOffset()).isEqualTo(3);
        assertThat(buffer.buffered()).isEqualTo(3);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42, 4711, 90210})
    void anyPermutationOfOverlappingFramesReassemblesTheOriginal(long seed) {
        Random random = new Random(seed);
        byte[] original = new byte[64 * 1024];
        random.nextBytes(original);
        List<int[]> frames = new ArrayList<>();
        for (int start = 0; start < original.length; ) {
            int length = 1 + random.nextInt(3000);
            int end = Math.min(original.length, start + length);
            frames.add(new int[] {start, end});
            // every third frame is sent again, shifted, to overlap its neighbours
            if (random.nextInt(3) == 0) {
                int s = Math.max(0, start - random.nextInt(500));
                frames.add(new int[] {s, Math.min(original.length, end + random.nextInt(500))});
            }
            start = end;
        }
        Collections.shuffle(frames, random);
        ReassemblyBuffer buffer = new ReassemblyBuffer();
        byte[] out = new byte[original.length];
        int read = 0;
        for (int[] frame : frames) {
            buffer.insert(frame[0], ByteString.copyFrom(original, frame[0], frame[1] - frame[0]));
            assertThat(buffer.buffered()).isLessThanOrEqualTo(original.length - read);
            if (random.nextBoolean()) read += buffer.read(out, read, out.length - read);
        }
        read += buffer.read(out, read, out.length - read);
        assertThat(read).isEqualTo(original.length);
        assertThat(out).isEqualTo(original);
        assertThat(buffer.buffered()).isZero();
    }

    @Test
    void aFewNewBytesOfALargeFrameAreCopiedSoTheFrameIsNotKeptAlive() {
        ReassemblyBuffer buffer = new ReassemblyBuffer();
        byte[] held = new byte[1 << 20];
        buffer.insert(0, ByteString.copyFrom(held, 0, 1000));
        buffer.insert(1001, ByteString.copyFrom(held, 1001, held.length - 1001));
        // a 1 MiB frame of which only byte 1000 is new: keeping a view of it would keep 1 MiB alive for one byte
        byte[] frame = new byte[1 << 20];
        frame[1000] = 42;
        buffer.insert(0, com.google.protobuf.UnsafeByteOperations.unsafeWrap(frame));
        frame[1000] = 7;
        byte[] out = new byte[held.length];
        assertThat(buffer.read(out, 0, out.length)).isEqualTo(out.length);
        assertThat(out[1000]).as("a copy, not a view of the frame").isEqualTo((byte) 42);
    }

    @Test
    void insertedBytesAreCopiedSoTheCallerMayReuseItsBuffer() {
        ReassemblyBuffer buffer = new ReassemblyBuffer();
        byte[] reused = new byte[1000];
        reused[500] = 1;
        buffer.insert(0, com.google.protobuf.UnsafeByteOperations.unsafeWrap(reused));
        reused[500] = 2;
        buffer.insert(1000, com.google.protobuf.UnsafeByteOperations.unsafeWrap(reused));
        byte[] out = new byte[2000];
        assertThat(buffer.read(out, 0, out.length)).isEqualTo(2000);
        assertThat(out[500]).as("the bytes as inserted, not as the caller's buffer holds them now").isEqualTo((byte) 1);
        assertThat(out[1500]).isEqualTo((byte) 2);
    }

    @Test
    void aStreamReadAsItArrivesReusesItsSlabs() {
        ReassemblyBuffer buffer = new ReassemblyBuffer();
        Random random = new Random(7);
        byte[] frame = new byte[10_000];
        byte[] out = new byte[frame.length];
        long offset = 0;
        for (int i = 0; i < 1000; i++) {
            random.nextBytes(frame);
            buffer.insert(offset, ByteString.copyFrom(frame));
            offset += frame.length;
            // two frames at a time before the reader catches up
            if (i % 2 == 1) {
                for (int k = 0; k < 2; k++) {
                    assertThat(buffer.read(out, 0, out.length)).isEqualTo(out.length);
                }
                assertThat(buffer.slabBytes()).as("slabs in use after frame %d", i).isLessThanOrEqualTo(2L * ReassemblyBuffer.SLAB);
            }
        }
        assertThat(buffer.readOffset()).isEqualTo(offset);
    }

    @Test
    void bytesThatArriveOutOfOrderNeverPinMoreThanTwiceWhatIsHeldInSlabs() {
        // one byte far ahead in every slab, then the slab filled in order and read: without
        // compaction each of those bytes would keep a whole slab alive
        ReassemblyBuffer buffer = new ReassemblyBuffer();
        long window = 1 << 20;
        byte[] fill = new byte[ReassemblyBuffer.SLAB - 1];
        byte[] out = new byte[fill.length];
        long inOrder = 0;
        for (int i = 0; i < 60; i++) {
            buffer.insert(window - 1 - i, ByteString.copyFrom(new byte[] {(byte) i}));
            buffer.insert(inOrder, ByteString.copyFrom(fill));
            inOrder += fill.length;
            assertThat(buffer.read(out, 0, out.length)).isEqualTo(out.length);
            assertThat(buffer.slabBytes()).as("slabs in use for %d bytes held", buffer.buffered())
                    .isLessThanOrEqualTo(2 * buffer.buffered() + 4L * ReassemblyBuffer.SLAB);
        }
        assertThat(buffer.buffered()).isEqualTo(60);
    }
}
