package io.kwik.engine.multipath;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DelegatedRangesTest {

    @Test
    void aPathMayWriteOnlyInsideItsOwnRangesOfThatStream() {
        DelegatedRanges ranges = new DelegatedRanges(16);
        assertThat(ranges.record("p1", 3, 1 << 20, 1 << 20)).isTrue();

        assertThat(ranges.permits("p1", 3, 1 << 20, 2 << 20)).isTrue();
        assertThat(ranges.permits("p1", 3, (1 << 20) + 5, (1 << 20) + 6)).isTrue();
        // the case: 64 KiB at 2 MiB, just past the delegated range
        assertThat(ranges.permits("p1", 3, 2 << 20, (2 << 20) + 65536)).isFalse();
        assertThat(ranges.permits("p1", 3, (2 << 20) - 1, (2 << 20) + 1)).as("straddling the end").isFalse();
        assertThat(ranges.permits("p1", 3, 1000, 1001)).as("one stray byte below").isFalse();
        assertThat(ranges.permits("p1", 4, 1 << 20, (1 << 20) + 1)).as("another stream").isFalse();
        assertThat(ranges.permits("p2", 3, 1 << 20, (1 << 20) + 1)).as("another path").isFalse();
        assertThat(ranges.permits("p1", 3, -5, 10)).as("a negative offset").isFalse();
        assertThat(ranges.permits("p9", 3, 7, 7)).as("an empty frame carries nothing").isTrue();
    }

    @Test
    void adjacentAndOverlappingRangesMergeIntoOne() {
        DelegatedRanges ranges = new DelegatedRanges(16);
        for (int i = 0; i < 100; i++) assertThat(ranges.record("p1", 0, i * 1000L, 1000)).isTrue();
        assertThat(ranges.size("p1")).isEqualTo(1);
        assertThat(ranges.permits("p1", 0, 0, 100_000)).isTrue();

        ranges.record("p1", 0, 200_000, 1000);
        ranges.record("p1", 0, 300_000, 1000);
        assertThat(ranges.size("p1")).isEqualTo(3);
        // one range covering both gaps swallows the two above it
        ranges.record("p1", 0, 99_000, 250_000);
        assertThat(ranges.size("p1")).isEqualTo(1);
        assertThat(ranges.permits("p1", 0, 0, 349_000)).isTrue();
        assertThat(ranges.permits("p1", 0, 0, 349_001)).isFalse();
    }

    @Test
    void aRangeDelegatedToTwoPathsIsAcceptedFromBoth() {
        DelegatedRanges ranges = new DelegatedRanges(16);
        ranges.record("p1", 0, 0, 500);
        ranges.record("p2", 0, 0, 500);
        assertThat(ranges.permits("p1", 0, 0, 500)).isTrue();
        assertThat(ranges.permits("p2", 0, 0, 500)).isTrue();
    }

    @Test
    void thePerPathBoundRefusesAndForgettingFreesIt() {
        DelegatedRanges ranges = new DelegatedRanges(3);
        assertThat(ranges.record("p1", 0, 0, 10)).isTrue();
        assertThat(ranges.record("p1", 0, 20, 10)).isTrue();
        assertThat(ranges.record("p1", 1, 0, 10)).isTrue();
        assertThat(ranges.record("p1", 2, 0, 10)).as("a fourth separate range").isFalse();
        assertThat(ranges.permits("p1", 2, 0, 10)).isFalse();
        assertThat(ranges.record("p1", 0, 10, 10)).as("one that merges two into one fits").isTrue();
        assertThat(ranges.size("p1")).isEqualTo(2);
        assertThat(ranges.record("p2", 0, 0, 10)).as("other paths have their own bound").isTrue();

        ranges.forget("p1");
        assertThat(ranges.size("p1")).isZero();
        assertThat(ranges.permits("p1", 0, 0, 1)).isFalse();
    }

    @Test
    void malformedRangesAreRefused() {
        DelegatedRanges ranges = new DelegatedRanges(3);
        assertThat(ranges.record("p1", 0, Long.MIN_VALUE, 10)).isFalse();
        assertThat(ranges.record("p1", 0, Long.MAX_VALUE - 5, 10)).isFalse();
        assertThat(ranges.record("p1", 0, 0, -1)).isFalse();
        assertThat(ranges.size("p1")).isZero();
    }
}
