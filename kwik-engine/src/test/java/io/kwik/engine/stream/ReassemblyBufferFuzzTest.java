package io.kwik.engine.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;

/**
 * Fuzzes {@link ReassemblyBuffer} with insert and read sequences inside a stream's window (its
 * owner checks the window before inserting). The property, against a model of the stream's
 * bytes where the first copy of a byte wins: reads return exactly the model's bytes in order,
 * held segments never overlap, what is held is counted exactly, and the slabs in use stay
 * within twice the bytes held plus a few slabs, whatever the order of the inserts.
 */
class ReassemblyBufferFuzzTest {
    private static final int SPAN = 64 * 1024;

    @FuzzTest
    void insertAndRead(FuzzedDataProvider data) {
        ReassemblyBuffer buffer = new ReassemblyBuffer();
        byte[] model = new byte[SPAN];
        boolean[] known = new boolean[SPAN];
        while (data.remainingBytes() > 0) {
            if (data.consumeBoolean()) {
                int offset = data.consumeInt(0, SPAN - 1);
                byte[] bytes = data.consumeBytes(data.consumeInt(0, Math.min(4096, SPAN - offset)));
                buffer.insert(offset, ByteString.copyFrom(bytes));
                for (int i = 0; i < bytes.length; i++) {
                    int at = offset + i;
                    if (at >= buffer.readOffset() && !known[at]) {
                        known[at] = true;
                        model[at] = bytes[i];
                    }
                }
            } else {
                long from = buffer.readOffset();
                byte[] target = new byte[data.consumeInt(0, 8192)];
                int n = buffer.read(target, 0, target.length);
                for (int i = 0; i < n; i++) {
                    assertThat(known[(int) from + i]).as("byte %d was inserted", from + i).isTrue();
                    assertThat(target[i]).as("byte %d", from + i).isEqualTo(model[(int) from + i]);
                }
                assertThat(buffer.readOffset()).isEqualTo(from + n);
                // a short read means the next byte has not arrived
                if (n < target.length && buffer.readOffset() < SPAN) {
                    assertThat(known[(int) buffer.readOffset()]).isFalse();
                }
            }
            long held = 0;
            long previousEnd = buffer.readOffset();
            for (long[] segment : buffer.segments()) {
                assertThat(segment[0]).isGreaterThanOrEqualTo(previousEnd);
                assertThat(segment[1]).isGreaterThan(segment[0]);
                held += segment[1] - segment[0];
                previousEnd = segment[1];
            }
            assertThat(buffer.buffered()).isEqualTo(held);
            assertThat(buffer.slabBytes()).as("slabs in use for %d bytes held", held)
                    .isLessThanOrEqualTo(2 * held + 4L * ReassemblyBuffer.SLAB);
        }
    }
}
