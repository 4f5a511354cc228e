package io.kwik.api;

/**
 * A range of a logical stream that the primary handed to another server with
 * {@link KwikStream#delegate}: that server writes bytes {@code [offset, offset + length)} of
 * stream {@code streamId} with {@link KwikStream#writeAt}.
 *
 * @param pathId   the path of the server that writes the range
 * @param streamId the logical stream
 * @param offset   the first KWIK offset of the range
 * @param length   how many bytes, at least 1
 *
 * @since 0.1.0
 */
public record Delegation(String pathId, long streamId, long offset, long length) {
    /**
     * Checks the components.
     *
     * @throws IllegalArgumentException when {@code pathId} is empty, {@code offset} negative or {@code length} below 1
     */
    public Delegation {
        if (pathId == null || pathId.isEmpty()) throw new IllegalArgumentException("pathId is required");
        if (offset < 0 || length < 1 || offset + length < 0) {
            throw new IllegalArgumentException("bad range: offset " + offset + ", length " + length);
        }
    }

    /** The offset just past the range. */
    public long end() {
        return offset + length;
    }
}
