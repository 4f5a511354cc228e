package io.kwik.engine.stream;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;

/**
 * Orders received bytes by KWIK offset. Segments never overlap: a range that is partly held
 * already is trimmed to its new parts, and bytes below the read cursor are dropped as
 * duplicates. Not thread-safe; the owning stream guards it. Its size is bounded by the
 * stream's window, which the owner checks before inserting.
 *
 * <p>It copies what it keeps into slabs of its own ({@link #SLAB} bytes each) and reuses a
 * slab once every byte in it has been read, so the caller may hand it bytes that alias a
 * buffer it reuses (the data reader's message buffer), and a transfer read as it arrives
 * allocates nothing per message. Out-of-order segments can pin slabs that are mostly read;
 * when the slabs in use exceed twice the bytes held (plus a few slabs), the held bytes are
 * copied into fresh slabs, so memory stays within a small multiple of what the window allows
 * whatever order a peer sends in.
 *
 * <p>Public (the module does not export this package) only so that kwik-benchmarks'
 * {@code ReassemblyBufferBenchmark} can measure it from its own package.
 */
public final class ReassemblyBuffer {
    /** Bytes per slab: a default data packet's frame (about 9 to 11 KB) fits, a 64-byte echo costs one. */
    static final int SLAB = 16 * 1024;
    /**
     * Emptied slabs kept for reuse at most: a reader that drains several slabs at once gets them
     * all back to the data reader (256 KiB per stream at most, dropped with the stream).
     */
    private static final int SPARE_SLABS = 16;
    /** Slabs in use beyond this many more than twice the bytes held trigger a compaction. */
    private static final int SLACK_SLABS = 4;

    private static final class Slab {
        final byte[] bytes = new byte[SLAB];
        int fill;   // bytes written
        int live;   // bytes of it that segments hold
    }

    private record Segment(Slab slab, int position, int length) {
        ByteString view(int from, int to) {
            return UnsafeByteOperations.unsafeWrap(slab.bytes, position + from, to - from);
        }
    }

    private final TreeMap<Long, Segment> segments = new TreeMap<>();
    private long readOffset;
    private long buffered;
    /** The slab being filled, or null. */
    private Slab current;
    /** Emptied slabs kept for reuse, at most {@link #SPARE_SLABS}. */
    private final ArrayDeque<Slab> spares = new ArrayDeque<>();
    /** Slabs that segments hold, current included, in bytes. */
    private long slabBytes;

    /** An empty buffer whose read cursor is at offset 0. */
    public ReassemblyBuffer() {
    }

    /** The offset of the next byte to read. */
    long readOffset() {
        return readOffset;
    }

    /** Bytes held, contiguous or not. */
    long buffered() {
        return buffered;
    }

    /** Bytes of slabs in use (those segments hold, and the one being filled). */
    long slabBytes() {
        return slabBytes;
    }

    /**
     * Stores a copy of the bytes of {@code data}, found at {@code offset}, that are not held
     * yet; {@code data} is not kept and may be reused after the call.
     */
    public void insert(long offset, ByteString data) {
        long start = Math.max(offset, readOffset);
        long end = offset + data.size();
        if (start >= end) return;
        Map.Entry<Long, Segment> before = segments.floorEntry(start);
        if (before != null) start = Math.max(start, before.getKey() + before.getValue().length());
        while (start < end) {
            Map.Entry<Long, Segment> next = segments.ceilingEntry(start);
            long gapEnd = next == null ? end : Math.min(end, next.getKey());
            if (gapEnd > start) store(start, data, (int) (start - offset), (int) (gapEnd - offset));
            if (next == null) break;
            start = Math.max(gapEnd, next.getKey() + next.getValue().length());
        }
        compactIfWasteful();
    }

    /** Copies {@code data[from, to)} into slabs as segments starting at {@code at}. */
    private void store(long at, ByteString data, int from, int to) {
        while (from < to) {
            if (current == null || current.fill == SLAB) current = takeSlab();
            int n = Math.min(to - from, SLAB - current.fill);
            data.copyTo(current.bytes, from, current.fill, n);
            segments.put(at, new Segment(current, current.fill, n));
            current.fill += n;
            current.live += n;
            buffered += n;
            at += n;
            from += n;
        }
    }

    private Slab takeSlab() {
        Slab slab = spares.poll();
        if (slab == null) {
            slab = new Slab();
        } else {
            slab.fill = 0;
            slab.live = 0;
        }
        slabBytes += SLAB;
        return slab;
    }

    /** {@code n} bytes of {@code slab} are no longer held. */
    private void release(Slab slab, int n) {
        slab.live -= n;
        if (slab.live > 0) return;
        if (slab == current) {
            current.fill = 0;   // nothing refers to it: refill it from the start
        } else {
            slabBytes -= SLAB;
            if (spares.size() < SPARE_SLABS) spares.push(slab);
        }
    }

    /**
     * Segments that arrived out of order keep slabs alive that are otherwise read; once the
     * slabs cost more than twice the bytes held, the held bytes move to fresh slabs. Each
     * compaction follows at least as many bytes read or dropped as it copies.
     */
    private void compactIfWasteful() {
        if (slabBytes <= 2 * buffered + (long) SLACK_SLABS * SLAB) return;
        List<Map.Entry<Long, Segment>> held = new ArrayList<>(segments.entrySet());
        segments.clear();
        current = null;
        spares.clear();
        slabBytes = 0;
        buffered = 0;
        for (Map.Entry<Long, Segment> entry : held) {
            Segment segment = entry.getValue();
            store(entry.getKey(), segment.view(0, segment.length()), 0, segment.length());
        }
    }

    /** The held ranges, in order, as {@code [start, end)} pairs; adjacent ones are not merged. */
    List<long[]> segments() {
        List<long[]> ranges = new ArrayList<>(segments.size());
        for (Map.Entry<Long, Segment> segment : segments.entrySet()) {
            ranges.add(new long[] {segment.getKey(), segment.getKey() + segment.getValue().length()});
        }
        return ranges;
    }

    /** The start of the segment that holds byte {@code at - 1}, or {@code at} if none does. */
    long coveringStart(long at) {
        Map.Entry<Long, Segment> segment = segments.lowerEntry(at);
        if (segment == null || segment.getKey() + segment.getValue().length() < at) return at;
        return segment.getKey();
    }

    /** The start of the first segment above {@code at}, or -1 if none. */
    long nextStartAbove(long at) {
        Long next = segments.higherKey(at);
        return next == null ? -1 : next;
    }

    /**
     * The bytes held from {@code at} on, up to {@code limit} or the end of their segment; null
     * when byte {@code at} is not held. A view, valid only until this buffer next changes.
     */
    ByteString pieceAt(long at, long limit) {
        Map.Entry<Long, Segment> entry = segments.floorEntry(at);
        if (entry == null) return null;
        Segment segment = entry.getValue();
        long segmentEnd = entry.getKey() + segment.length();
        if (segmentEnd <= at) return null;
        return segment.view((int) (at - entry.getKey()), (int) (Math.min(segmentEnd, limit) - entry.getKey()));
    }

    /** Inserts everything this buffer holds into {@code target} (which copies it). */
    void copyInto(ReassemblyBuffer target) {
        for (Map.Entry<Long, Segment> entry : segments.entrySet()) {
            Segment segment = entry.getValue();
            target.insert(entry.getKey(), segment.view(0, segment.length()));
        }
    }

    /** Contiguous bytes readable at the cursor. */
    boolean hasReadable() {
        return !segments.isEmpty() && segments.firstKey() == readOffset;
    }

    /** Copies up to {@code length} contiguous bytes at the cursor into {@code target}. */
    public int read(byte[] target, int targetOffset, int length) {
        int copied = 0;
        while (copied < length && hasReadable()) {
            Segment head = segments.firstEntry().getValue();
            int n = Math.min(length - copied, head.length());
            System.arraycopy(head.slab().bytes, head.position(), target, targetOffset + copied, n);
            consume(head, n);
            copied += n;
        }
        return copied;
    }

    /** Copies contiguous bytes at the cursor into {@code target}, up to its remaining space. */
    int read(ByteBuffer target) {
        int copied = 0;
        while (target.hasRemaining() && hasReadable()) {
            Segment head = segments.firstEntry().getValue();
            int n = Math.min(target.remaining(), head.length());
            target.put(head.slab().bytes, head.position(), n);
            consume(head, n);
            copied += n;
        }
        return copied;
    }

    private void consume(Segment head, int n) {
        segments.pollFirstEntry();
        if (n < head.length()) segments.put(readOffset + n, new Segment(head.slab(), head.position() + n, head.length() - n));
        readOffset += n;
        buffered -= n;
        release(head.slab(), n);
    }

    /** Drops everything held, for a reset stream. */
    void clear() {
        segments.clear();
        buffered = 0;
        current = null;
        spares.clear();
        slabBytes = 0;
    }
}
