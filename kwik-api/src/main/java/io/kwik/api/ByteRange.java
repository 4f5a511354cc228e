package io.kwik.api;

/**
 * A half-open range {@code [start, end)} of KWIK offsets in a logical stream.
 *
 * @param start the first offset
 * @param end   the offset just past the range, not below {@code start}
 *
 * @since 0.1.0
 */
public record ByteRange(long start, long end) {
    /**
     * Checks the components.
     *
     * @throws IllegalArgumentException when {@code start} is negative or {@code end} is below it
     */
    public ByteRange {
        if (start < 0 || end < start) throw new IllegalArgumentException("bad range [" + start + ", " + end + ")");
    }

    /** How many bytes. */
    public long length() {
        return end - start;
    }
}
