package io.kwik.engine.stream;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;

/**
 * Orders received bytes by KWIK offset. Segments never overlap: a range that is partly held
 * already is trimmed to its new parts (a part shares the received bytes when it is at least
 * half of them, and is copied otherwise, see {@link #keep}), and bytes below the read cursor
 * are dropped as duplicates. Not thread-safe; the owning stream guards it. Its size is bounded by the stream's window, which the owner checks
 * before inserting.
 *
 * <p>Public (the module does not export this package) only so that kwik-benchmarks'
 * {@code ReassemblyBufferBenchmark} can measure it from its own package.
 */
public final class ReassemblyBuffer {
    private final TreeMap<Long, ByteString> segments = new TreeMap<>();
    private long readOffset;
    private long buffered;

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

    /** Stores {@code data} found at {@code offset}, keeping only bytes not held yet. */
    public void insert(long offset, ByteString data) {
        long start = Math.max(offset, readOffset);
        long end = offset + data.size();
        if (start >= end) return;
        Map.Entry<Long, ByteString> before = segments.floorEntry(start);
        if (before != null) start = Math.max(start, before.getKey() + before.getValue().size());
        while (start < end) {
            Map.Entry<Long, ByteString> next = segments.ceilingEntry(start);
            long gapEnd = next == null ? end : Math.min(end, next.getKey());
            if (gapEnd > start) {
                segments.put(start, keep(data, (int) (start - offset), (int) (gapEnd - offset)));
                buffered += gapEnd - start;
            }
            if (next == null) break;
            start = Math.max(gapEnd, next.getKey() + next.getValue().size());
        }
    }

    /**
     * {@code data[from, to)}: a view when it is at least half of {@code data}, else a copy, so
     * that a few new bytes of a large, mostly duplicate frame do not keep all of it alive. With
     * {@code Messages.dataPacket} (which copies frames smaller than half their message), what
     * the buffer keeps alive stays within a small multiple of the bytes it holds.
     */
    private static ByteString keep(ByteString data, int from, int to) {
        if (from == 0 && to == data.size()) return data;
        ByteString part = data.substring(from, to);
        return 2L * (to - from) >= data.size() ? part : UnsafeByteOperations.unsafeWrap(part.toByteArray());
    }

    /** The held ranges, in order, as {@code [start, end)} pairs; adjacent ones are not merged. */
    List<long[]> segments() {
        List<long[]> ranges = new ArrayList<>(segments.size());
        for (Map.Entry<Long, ByteString> segment : segments.entrySet()) {
            ranges.add(new long[] {segment.getKey(), segment.getKey() + segment.getValue().size()});
        }
        return ranges;
    }

    /** The held segments by offset, in order; a read-only view. */
    java.util.NavigableMap<Long, ByteString> held() {
        return java.util.Collections.unmodifiableNavigableMap(segments);
    }

    /** Contiguous bytes readable at the cursor. */
    boolean hasReadable() {
        return !segments.isEmpty() && segments.firstKey() == readOffset;
    }

    /** Copies up to {@code length} contiguous bytes at the cursor into {@code target}. */
    public int read(byte[] target, int targetOffset, int length) {
        int copied = 0;
        while (copied < length && hasReadable()) {
            ByteString head = segments.firstEntry().getValue();
            int n = Math.min(length - copied, head.size());
            head.copyTo(target, 0, targetOffset + copied, n);
            consume(head, n);
            copied += n;
        }
        return copied;
    }

    /** Copies contiguous bytes at the cursor into {@code target}, up to its remaining space. */
    int read(ByteBuffer target) {
        int copied = 0;
        while (target.hasRemaining() && hasReadable()) {
            ByteString head = segments.firstEntry().getValue();
            int n = Math.min(target.remaining(), head.size());
            ByteString part = n == head.size() ? head : head.substring(0, n);
            part.copyTo(target);
            consume(head, n);
            copied += n;
        }
        return copied;
    }

    private void consume(ByteString head, int n) {
        segments.pollFirstEntry();
        if (n < head.size()) segments.put(readOffset + n, head.substring(n));
        readOffset += n;
        buffered -= n;
    }

    /** Drops everything held, for a reset stream. */
    void clear() {
        segments.clear();
        buffered = 0;
    }
}
