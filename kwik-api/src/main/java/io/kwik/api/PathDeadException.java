package io.kwik.api;

import java.util.List;

/**
 * An operation aimed at a path that is dead ({@link ErrorCode#PATH_DEAD}). When it fails a
 * {@link KwikStream#delegate delegation}, {@link #missingRanges()} says which bytes of the
 * delegated range the client never received, so the primary can write them itself.
 */
public final class PathDeadException extends KwikException {
    private static final long serialVersionUID = 1L;
    private final String pathId;
    private final transient List<ByteRange> missingRanges;

    public PathDeadException(String pathId, String message, List<ByteRange> missingRanges) {
        super(ErrorCode.PATH_DEAD, message);
        this.pathId = pathId;
        this.missingRanges = List.copyOf(missingRanges);
    }

    public PathDeadException(String pathId, String message) {
        this(pathId, message, List.of());
    }

    /** The dead path. */
    public String pathId() {
        return pathId;
    }

    /** Bytes the client did not receive, in order; empty when the operation was not a delegation. */
    public List<ByteRange> missingRanges() {
        return missingRanges == null ? List.of() : missingRanges;
    }
}
