package io.kwik.api;

import java.util.List;

/**
 * An operation aimed at a path that is dead ({@link ErrorCode#PATH_DEAD}). When it fails a
 * {@link KwikStream#delegate delegation}, {@link #missingRanges()} says which bytes of the
 * delegated range the client never received, so the primary can write them itself.
 *
 * @since 0.1.0
 */
public final class PathDeadException extends KwikException {
    private static final long serialVersionUID = 1L;
    /** The dead path. */
    private final String pathId;
    private final transient List<ByteRange> missingRanges;
    private final transient Delegation delegation;

    /**
     * A failed delegation.
     *
     * @param pathId        the dead path
     * @param message       details
     * @param missingRanges bytes of the delegated range the client did not receive, in order
     * @param delegation    the delegation that failed, or null
     */
    public PathDeadException(String pathId, String message, List<ByteRange> missingRanges, Delegation delegation) {
        super(ErrorCode.PATH_DEAD, message);
        this.pathId = pathId;
        this.missingRanges = List.copyOf(missingRanges);
        this.delegation = delegation;
    }

    /**
     * A failure that left bytes missing, not tied to one delegation.
     *
     * @param pathId        the dead path
     * @param message       details
     * @param missingRanges bytes the client did not receive, in order
     */
    public PathDeadException(String pathId, String message, List<ByteRange> missingRanges) {
        this(pathId, message, missingRanges, null);
    }

    /**
     * An operation aimed at a dead path, with nothing missing.
     *
     * @param pathId  the dead path
     * @param message details
     */
    public PathDeadException(String pathId, String message) {
        this(pathId, message, List.of());
    }

    /** The dead path. */
    public String pathId() {
        return pathId;
    }

    /** The delegation this failed, when it failed one. */
    public java.util.Optional<Delegation> delegation() {
        return java.util.Optional.ofNullable(delegation);
    }

    /** Bytes the client did not receive, in order; empty when the operation was not a delegation. */
    public List<ByteRange> missingRanges() {
        return missingRanges == null ? List.of() : missingRanges;
    }
}
