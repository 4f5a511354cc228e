package io.kwik.engine.multipath;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes {@link DelegatedRanges} with the delegations a primary relays and the writes a
 * secondary makes. The property: malformed ranges (above 2^63 on the wire, overflowing) are
 * refused, never thrown; a path never keeps more than its bound; and for small offsets, where a
 * bit set can model them, {@code permits} answers exactly whether every byte was recorded.
 */
class DelegatedRangesFuzzTest {
    private static final int MAX_RANGES = 8;
    private static final int SPAN = 4096;

    @FuzzTest
    void recordAndPermit(FuzzedDataProvider data) {
        DelegatedRanges ranges = new DelegatedRanges(MAX_RANGES);
        Map<String, BitSet> model = new HashMap<>();
        while (data.remainingBytes() > 0) {
            String path = "p" + data.consumeInt(1, 3);
            long stream = data.consumeInt(0, 2);
            int op = data.consumeInt(0, 4);
            if (op == 0) {
                // anything a hostile primary or secondary could put on the wire
                ranges.record(path, stream, data.consumeLong(), data.consumeLong());
                ranges.permits(path, stream, data.consumeLong(), data.consumeLong());
                model.keySet().removeIf(key -> key.startsWith(path + "/"));
                ranges.forget(path);
            } else if (op == 1) {
                int offset = data.consumeInt(0, SPAN);
                int length = data.consumeInt(0, SPAN - offset);
                if (ranges.record(path, stream, offset, length)) {
                    model.computeIfAbsent(path + "/" + stream, k -> new BitSet()).set(offset, offset + length);
                } else {
                    assertThat(ranges.size(path)).isEqualTo(MAX_RANGES);
                }
            } else if (op == 2) {
                ranges.forget(path);
                model.keySet().removeIf(key -> key.startsWith(path + "/"));
            } else {
                int start = data.consumeInt(0, SPAN);
                int end = data.consumeInt(start, SPAN);
                BitSet recorded = model.getOrDefault(path + "/" + stream, new BitSet());
                boolean all = recorded.nextClearBit(start) >= end;
                assertThat(ranges.permits(path, stream, start, end)).as("[%d, %d) of %s/%d", start, end, path, stream).isEqualTo(all);
            }
            assertThat(ranges.size(path)).isBetween(0, MAX_RANGES);
        }
    }
}
