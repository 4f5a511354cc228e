package io.kwik.engine.stream;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
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
 * <p>A range is checked when the secondary has written all of it, or when its held bytes and
 * the owner's cover it (the primary's end-game copy of a late range's tail); the bytes
 * hashed are those the reader would get. On a mismatch the range's held bytes are dropped,
 * the range is marked refused (later bytes of it from a secondary are dropped too, until the
 * reader passes it), and the secondary's path is to be closed with
 * {@link ErrorCode#INVALID_FRAME}: {@link #take} throws it, {@link #ownerWrote} returns it.
 *
 * <p>Memory: a range is forgotten once the reader passes its end, and the buffer drops bytes
 * below the read cursor, so held bytes lie in [read cursor, window limit): at most one
 * stream window, on top of the buffer's own. Not thread-safe: the owning stream's lock
 * guards it.
 */
final class DigestRanges {
    /** Bytes in a SHA-256. */
    static final int SHA256_LENGTH = 32;

    /** A range refused: its secondary's path must be closed with {@code failure}. */
    record Refusal(String pathId, KwikException failure) {}

    private static final class Range {
        final String pathId;
        final long start;
        final long end;
        final byte[] sha256;
        final ReassemblyBuffer held = new ReassemblyBuffer();
        boolean refused;

        Range(String pathId, long start, long end, byte[] sha256) {
            this.pathId = pathId;
            this.start = start;
            this.end = end;
            this.sha256 = sha256;
        }

        long length() {
            return end - start;
        }
    }

    /** Start to range; ranges never overlap. */
    private final TreeMap<Long, Range> ranges = new TreeMap<>();

    /**
     * Expects {@code [offset, offset + length)}, delegated to {@code pathId}, to be verified
     * against {@code sha256}.
     *
     * @return false, recording nothing, when the range overlaps one expected already
     */
    boolean expect(String pathId, long offset, long length, byte[] sha256) {
        if (sha256.length != SHA256_LENGTH) throw new IllegalArgumentException("not a SHA-256: " + sha256.length + " bytes");
        if (offset < 0 || length < 1 || offset + length < offset) throw new IllegalArgumentException("bad range");
        long end = offset + length;
        Map.Entry<Long, Range> before = ranges.floorEntry(offset);
        if (before != null && before.getValue().end > offset) return false;
        Map.Entry<Long, Range> after = ranges.ceilingEntry(offset);
        if (after != null && after.getKey() < end) return false;
        ranges.put(offset, new Range(pathId, offset, end, sha256.clone()));
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
     * to {@code buffer} at once, the parts inside one are held until the secondary has written
     * all of it; a range that then matches goes to {@code buffer}.
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
                // the fast check: each frame may complete a range, so no walk over its pieces here
                if (range.held.buffered() == range.length()) {
                    Refusal refusal = settle(range, buffer);
                    if (refusal == null) {
                        candidates.remove();
                    } else if (mismatch == null) {
                        mismatch = refusal.failure();
                    }
                }
            }
            at = partEnd;
        }
        if (at < end) buffer.insert(at, slice(data, offset, at, end));
        if (mismatch != null) throw mismatch;
    }

    /**
     * The owner wrote {@code [start, end)} into {@code buffer}: a range whose secondary's
     * held bytes and the owner's bytes now cover it all is settled (the primary's end-game
     * copy of a late range's tail completes it this way).
     *
     * @return the ranges refused, whose secondaries' paths must be closed; empty mostly
     */
    List<Refusal> ownerWrote(long start, long end, ReassemblyBuffer buffer) {
        List<Refusal> refusals = List.of();
        Map.Entry<Long, Range> first = ranges.floorEntry(start);
        Iterator<Range> candidates = ranges.tailMap(first != null ? first.getKey() : start, true).values().iterator();
        while (candidates.hasNext()) {
            Range range = candidates.next();
            if (range.start >= end) break;
            if (range.end <= start || range.refused || range.held.buffered() == 0 || !covered(range, buffer)) continue;
            Refusal refusal = settle(range, buffer);
            if (refusal == null) {
                candidates.remove();
            } else if (refusal.pathId() != null) {
                if (refusals.isEmpty()) refusals = new ArrayList<>();
                refusals.add(refusal);
            }
        }
        return refusals;
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

    /**
     * Whether the held bytes and the buffer's cover {@code range}; walked from the end, where
     * the owner's in-order copy leaves its gap until it is done.
     */
    private static boolean covered(Range range, ReassemblyBuffer buffer) {
        if (buffer.readOffset() > range.start) return true;   // settle() decides what that means
        long at = range.end;   // everything in [at, end) is covered
        while (at > range.start) {
            // a start equal to at means that side does not hold byte at - 1
            long reach = Math.min(buffer.coveringStart(at), range.held.coveringStart(at));
            if (reach >= at) return false;
            at = reach;
        }
        return true;
    }

    /**
     * Verifies a covered range: the bytes the reader would get (the owner's where it wrote,
     * the secondary's elsewhere) must hash to the delegation's SHA-256. Into the buffer when
     * they match. When the reader already consumed owner bytes of the range, the range cannot
     * be hashed: the held bytes are dropped and the owner writes the rest, with no blame.
     *
     * @return null when verified, else the refusal (its path null when nobody is to blame)
     */
    private static Refusal settle(Range range, ReassemblyBuffer buffer) {
        if (buffer.readOffset() > range.start) {
            range.held.clear();
            range.refused = true;
            return new Refusal(null, null);
        }
        MessageDigest sha256 = sha256();
        for (long at = range.start; at < range.end; ) {
            ByteString part = buffer.pieceAt(at, range.end);
            if (part == null) {
                long nextOwner = buffer.nextStartAbove(at);
                long to = nextOwner < 0 ? range.end : Math.min(range.end, nextOwner);
                part = range.held.pieceAt(at, to);
            }
            for (ByteBuffer bytes : part.asReadOnlyByteBufferList()) sha256.update(bytes);
            at += part.size();
        }
        boolean matches = MessageDigest.isEqual(sha256.digest(), range.sha256);
        if (matches) {
            range.held.copyInto(buffer);
        } else {
            range.refused = true;
        }
        range.held.clear();
        return matches ? null : new Refusal(range.pathId, new KwikException(ErrorCode.INVALID_FRAME, "path " + range.pathId
                + ": bytes [" + range.start + ", " + range.end + ") do not match the SHA-256 their delegation carried"));
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
