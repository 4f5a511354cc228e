package io.kwik.engine.packet;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Keeps KWIK offsets and QUIC offsets apart (R13.2–13.5). For each data packet sent on a
 * path it records which real stream carried it, the QUIC offset on that stream where the
 * packet starts, and the logical ranges (stream, KWIK offset, length) inside it, so that an
 * acknowledgement of the packet maps back to logical ranges.
 *
 * <p>Memory is bounded: at most {@code capacity} packets are remembered; past that the
 * record with the lowest packet number is dropped and counted in {@link #evicted()}.
 * Thread-safe.
 */
public final class OffsetManager {

    /** A logical range: {@code length} bytes of stream {@code streamId} from KWIK offset {@code offset}. */
    public record LogicalRange(long streamId, long offset, int length, boolean fin) {}

    /** Where a packet went. */
    public record PacketRecord(long packetNumber, long realStreamId, long quicOffset, int encodedLength,
                               List<LogicalRange> ranges) {}

    private final int capacity;
    private final TreeMap<Long, PacketRecord> packets = new TreeMap<>();
    private final Map<Long, Long> quicOffsets = new HashMap<>();
    private long evicted;

    public OffsetManager(int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("capacity must be >= 1");
        this.capacity = capacity;
    }

    /**
     * Records that packet {@code packetNumber}, {@code encodedLength} bytes long, was written
     * next on real stream {@code realStreamId}.
     *
     * @return the record, with the QUIC offset it starts at
     */
    public synchronized PacketRecord sent(long packetNumber, long realStreamId, int encodedLength, List<EncodedFrame> frames) {
        long quicOffset = quicOffsets.getOrDefault(realStreamId, 0L);
        quicOffsets.put(realStreamId, quicOffset + encodedLength);
        List<LogicalRange> ranges = new ArrayList<>(frames.size());
        for (EncodedFrame frame : frames) ranges.add(new LogicalRange(frame.streamId(), frame.offset(), frame.dataLength(), frame.fin()));
        PacketRecord record = new PacketRecord(packetNumber, realStreamId, quicOffset, encodedLength, List.copyOf(ranges));
        packets.put(packetNumber, record);
        while (packets.size() > capacity) {
            packets.pollFirstEntry();
            evicted++;
        }
        return record;
    }

    /** Advances a real stream's QUIC offset past bytes that are not packets (its stream header). */
    public synchronized void skip(long realStreamId, int bytes) {
        quicOffsets.merge(realStreamId, (long) bytes, Long::sum);
    }

    /** The logical ranges of packets {@code smallest..largest} (inclusive), forgetting them. */
    public synchronized List<LogicalRange> acknowledge(long smallest, long largest) {
        List<LogicalRange> ranges = new ArrayList<>();
        Map<Long, PacketRecord> acked = packets.subMap(smallest, true, largest, true);
        for (PacketRecord record : acked.values()) ranges.addAll(record.ranges());
        acked.clear();
        return ranges;
    }

    /** The record of a packet still remembered, or null. */
    public synchronized PacketRecord record(long packetNumber) {
        return packets.get(packetNumber);
    }

    /** The QUIC offset the next packet on {@code realStreamId} will start at. */
    public synchronized long nextQuicOffset(long realStreamId) {
        return quicOffsets.getOrDefault(realStreamId, 0L);
    }

    /** Forgets a real stream that has closed. */
    public synchronized void realStreamClosed(long realStreamId) {
        quicOffsets.remove(realStreamId);
    }

    /** Records dropped because more than {@code capacity} packets were outstanding. */
    public synchronized long evicted() {
        return evicted;
    }

    /** Packets remembered now. */
    public synchronized int size() {
        return packets.size();
    }
}
