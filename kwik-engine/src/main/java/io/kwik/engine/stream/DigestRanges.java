package io.kwik.engine.stream;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

import com.google.protobuf.ByteString;

import io.kwik.api.ErrorCode;
import io.kwik.api.KwikException;

/**
 * The client's delegated ranges of one stream that carry a SHA-256 (docs/PROTOCOL.md,
 * "DelegatedRange"): a secondary's bytes inside such a range are held here, apart from the
 * reassembly buffer the reader reads, until the whole range has arrived; they join the
 * buffer only if the range's SHA-256 matches. So the reader sees only verified bytes, and
 * receipts (made from the buffer) confirm a range only once it is verified. The owner's
 * bytes never pass here: the primary owns the stream, its bytes are trusted and go straight
 * to the buffer, which is how it refills a refused range.
 *
 * <p>On a mismatch the range's held bytes are dropped, the range is marked refused (later
 * bytes of it from a secondary are dropped too, until the reader passes it) and
 * {@link #take} throws {@link ErrorCode#INVALID_FRAME}, which closes the secondary's path.
 *
 * <p>Memory: a range is forgotten once the reader passes its end, and the buffer drops bytes
 * below the read cursor, so held bytes lie in [read cursor, window limit): at most one
 * stream window, on top of the buffer's own. Not thread-safe: the owning stream's lock
 * guards it.
 */
final class DigestRanges {
    /** Bytes in a SHA-256. */
    static final int SHA256_LENGTH = 32;

    private static final class Range {
        final long start;
        final long end;
        final byte[] sha256;
        final ReassemblyBuffer held = new ReassemblyBuffer();
        boolean refused;

        Range(long start, long end, byte[] sha256) {
            this.start = start;
            this.end = end;
            this.sha256 = sha256;
        }
    }

    /** Start to range; ranges never overlap. */
    private final TreeMap<Long, Range> ranges = new TreeMap<>();

    /**
     * Expects {@code [offset, offset + length)} to be verified against {@code sha256}.
     *
     * @return false, recording nothing, when the range overlaps one expected already
     */
    boolean expect(long offset, long length, byte[] sha256) {
        if (sha256.length != SHA256_LENGTH) throw new IllegalArgumentException("not a SHA-256: " + sha256.length + " bytes");
        if (offset < 0 || length < 1 || offset + length < offset) throw new IllegalArgumentException("bad range");
        long end = offset + length;
        Map.Entry<Long, Range> before = ranges.floorEntry(offset);
        if (before != null && before.getValue().end > offset) return false;
        Map.Entry<Long, Range> after = ranges.ceilingEntry(offset);
        if (after != null && after.getKey() < end) return false;
        ranges.put(offset, new Range(offset, end, sha256.clone()));
        return true;
    }

    /** Ranges expected and not yet passed by the reader. */
    int size() {
        return ranges.size();
    }

    /** Bytes held, unverified. */
    long held() {
        long held = 0;
        for (Range range : ranges.values()) held += range.held.buffered();
        return held;
    }

    /**
     * Takes a secondary's bytes at {@code offset}: the parts outside every expected range go
     * to {@code buffer} at once, the parts inside one are held until it is complete; a
     * complete range that matches goes to {@code buffer}.
     *
     * @throws KwikException {@link ErrorCode#INVALID_FRAME} when these bytes completed a range
     *                       whose SHA-256 does not match; the bytes outside it were taken
     */
    void take(long offset, ByteString data, ReassemblyBuffer buffer) throws KwikException {
        long end = offset + data.size();
        long at = offset;
        KwikException mismatch = null;
        Map.Entry<Long, Range> first = ranges.floorEntry(offset);
        Iterator<Range> candidates = ranges.tailMap(first != null ? first.getKey() : offset, true).values().iterator();
        while (at < end && candidates.hasNext()) {
            Range range = candidates.next();
            if (range.end <= at) continue;
            if (range.start >= end) break;
            if (range.start > at) buffer.insert(at, slice(data, offset, at, range.start));
            long partEnd = Math.min(end, range.end);
            if (!range.refused) {
                range.held.insert(Math.max(at, range.start), slice(data, offset, Math.max(at, range.start), partEnd));
                if (range.held.buffered() == range.end - range.start) {
                    if (settle(range, buffer)) {
                        // verified: later copies of it are duplicates of what the buffer holds
                        candidates.remove();
                    } else if (mismatch == null) {
                        mismatch = new KwikException(ErrorCode.INVALID_FRAME, "bytes [" + range.start + ", " + range.end
                                + ") do not match the SHA-256 their delegation carried");
                    }
                }
            }
            at = partEnd;
        }
        if (at < end) buffer.insert(at, slice(data, offset, at, end));
        if (mismatch != null) throw mismatch;
    }

    /** The reader is at {@code readOffset}: ranges wholly below it are done with. */
    void passed(long readOffset) {
        Iterator<Range> it = ranges.values().iterator();
        while (it.hasNext()) {
            Range range = it.next();
            if (range.end > readOffset) break;
            it.remove();
        }
    }

    /** Drops everything, for a reset stream. */
    void clear() {
        ranges.clear();
    }

    /** Verifies a complete range: into the buffer when it matches, refused when not. */
    private static boolean settle(Range range, ReassemblyBuffer buffer) {
        MessageDigest sha256 = sha256();
        Map<Long, ByteString> segments = range.held.held();
        for (ByteString segment : segments.values()) {
            for (java.nio.ByteBuffer part : segment.asReadOnlyByteBufferList()) sha256.update(part);
        }
        boolean matches = MessageDigest.isEqual(sha256.digest(), range.sha256);
        if (matches) {
            for (Map.Entry<Long, ByteString> segment : segments.entrySet()) buffer.insert(segment.getKey(), segment.getValue());
        } else {
            range.refused = true;
        }
        range.held.clear();
        return matches;
    }

    private static ByteString slice(ByteString data, long dataOffset, long from, long to) {
        return data.substring((int) (from - dataOffset), (int) (to - dataOffset));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return "DigestRanges" + Arrays.toString(ranges.keySet().toArray());
    }
}
