package io.kwik.engine.multipath;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The client's record of what each secondary path may write (docs/ENGINE.md, "Hostile
 * peers"): every delegation the client relays from the primary to a secondary adds its range
 * here, and a secondary's bytes are accepted only inside the ranges recorded for its path and
 * stream. Ranges are kept merged (overlapping and adjacent ones become one), so a path that
 * writes a run of consecutive ranges costs one entry. Keyed on the relayed delegations alone:
 * a range delegated to two paths is accepted from both.
 *
 * <p>Bounded: at most {@code maxRangesPerPath} merged ranges per path; {@link #record} refuses
 * past it. A path's ranges are forgotten when the path ends. Thread-safe.
 */
public final class DelegatedRanges {
    /** One path's ranges: stream id to (start to end) of disjoint, non-adjacent ranges. */
    private static final class PathRanges {
        final Map<Long, TreeMap<Long, Long>> byStream = new HashMap<>();
        int count;
    }

    private final int maxRangesPerPath;
    private final Map<String, PathRanges> byPath = new HashMap<>();

    /** @param maxRangesPerPath merged ranges kept per path at most; at least 1 */
    public DelegatedRanges(int maxRangesPerPath) {
        if (maxRangesPerPath < 1) throw new IllegalArgumentException("maxRangesPerPath must be at least 1: " + maxRangesPerPath);
        this.maxRangesPerPath = maxRangesPerPath;
    }

    /**
     * Records that {@code pathId} may write {@code [offset, offset + length)} of stream
     * {@code streamId}.
     *
     * @return false, recording nothing, when the range is malformed (negative as a signed
     *         value, or overflowing) or when keeping it would take the path past its bound
     */
    public synchronized boolean record(String pathId, long streamId, long offset, long length) {
        if (offset < 0 || length < 0 || offset + length < offset) return false;
        if (length == 0) return true;
        long start = offset;
        long end = offset + length;
        PathRanges path = byPath.computeIfAbsent(pathId, id -> new PathRanges());
        TreeMap<Long, Long> ranges = path.byStream.computeIfAbsent(streamId, id -> new TreeMap<>());
        // the ranges that overlap or touch [start, end) merge into one
        Map.Entry<Long, Long> before = ranges.floorEntry(start);
        if (before != null && before.getValue() >= start) {
            start = before.getKey();
            end = Math.max(end, before.getValue());
        }
        Map<Long, Long> absorbed = ranges.subMap(start, true, end, true);
        for (long absorbedEnd : absorbed.values()) end = Math.max(end, absorbedEnd);
        int merged = absorbed.size();
        if (path.count - merged + 1 > maxRangesPerPath) {
            if (ranges.isEmpty()) path.byStream.remove(streamId);
            return false;
        }
        absorbed.clear();
        ranges.put(start, end);
        path.count += 1 - merged;
        return true;
    }

    /** Whether {@code pathId} may write {@code [start, end)} of stream {@code streamId}. */
    public synchronized boolean permits(String pathId, long streamId, long start, long end) {
        if (start < 0 || end < start) return false;
        // an empty frame carries no bytes to accept
        if (start == end) return true;
        PathRanges path = byPath.get(pathId);
        TreeMap<Long, Long> ranges = path == null ? null : path.byStream.get(streamId);
        if (ranges == null) return false;
        Map.Entry<Long, Long> covering = ranges.floorEntry(start);
        return covering != null && covering.getValue() >= end;
    }

    /** Merged ranges kept for {@code pathId}. */
    public synchronized int size(String pathId) {
        PathRanges path = byPath.get(pathId);
        return path == null ? 0 : path.count;
    }

    /** The path ended: its ranges are no longer needed. */
    public synchronized void forget(String pathId) {
        byPath.remove(pathId);
    }
}
