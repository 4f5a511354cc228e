package io.kwik.engine.multipath;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import com.google.protobuf.CodedOutputStream;

import io.kwik.api.ByteRange;
import io.kwik.engine.stream.LogicalStream;
import io.kwik.engine.util.Timers;
import io.kwik.proto.ControlFrame;
import io.kwik.proto.StreamReceipt;

/**
 * The client's receipts to the primary (docs/PROTOCOL.md 4.4, 4.5): for every stream that another
 * server wrote into, what the client holds of it, coalesced to one receipt per stream per
 * {@link #INTERVAL_MILLIS} while data flows. Receipts complete the primary's delegations.
 * A receipt names at most {@code maxRanges} ranges, the lowest, and never more than fit in
 * {@code maxBytes}: however scattered the bytes a secondary writes, the receipt stays small
 * enough for the primary to accept, and what it names is always true.
 */
public final class ReceiptSender {
    private static final System.Logger LOG = System.getLogger(ReceiptSender.class.getName());

    /** How often receipts go out while data flows. */
    public static final long INTERVAL_MILLIS = 25;
    /** How often a receive report goes out while data flows (docs/PROTOCOL.md 4.4, "Receive reports"). */
    public static final long REPORT_INTERVAL_MILLIS = 100;

    /** Where receipts go: the primary's control stream. */
    public interface Primary {
        void sendControl(ControlFrame frame) throws IOException;
    }

    private final Primary primary;
    private final int maxRanges;
    private final int maxBytes;
    // bounded by the session's open streams: an entry is only added for a stream that exists
    private final Map<Long, LogicalStream> dirty = new ConcurrentHashMap<>();
    private final AtomicBoolean flushing = new AtomicBoolean();
    private final ScheduledFuture<?> task;
    private final Supplier<ControlFrame> reports;
    private final AtomicLong lastReportNanos = new AtomicLong(System.nanoTime() - REPORT_INTERVAL_MILLIS * 1_000_000);

    /** Receipts only, no receive reports. */
    public ReceiptSender(Primary primary, int maxRanges, int maxBytes) {
        this(primary, maxRanges, maxBytes, null);
    }

    /**
     * @param maxRanges ranges one receipt names at most; at least 1
     * @param maxBytes  the encoded receipt's size at most, below what the primary accepts in one message
     * @param reports   makes the receive report that goes with the receipts at most every
     *                  {@link #REPORT_INTERVAL_MILLIS}, or null for none: the report rides on
     *                  the receipts' timer, so it goes out exactly while other servers write
     */
    public ReceiptSender(Primary primary, int maxRanges, int maxBytes, Supplier<ControlFrame> reports) {
        if (maxRanges < 1) throw new IllegalArgumentException("maxRanges must be at least 1: " + maxRanges);
        if (maxBytes < 64) throw new IllegalArgumentException("maxBytes must be at least 64: " + maxBytes);
        this.primary = primary;
        this.maxRanges = maxRanges;
        this.maxBytes = maxBytes;
        this.reports = reports;
        // sending may wait on the control stream's queue, which the timer thread must never do
        this.task = Timers.scheduler().scheduleWithFixedDelay(() -> {
            if (!dirty.isEmpty() && flushing.compareAndSet(false, true)) {
                Thread.ofVirtual().name("kwik-receipts").start(() -> {
                    try {
                        flush();
                    } finally {
                        flushing.set(false);
                    }
                });
            }
        }, INTERVAL_MILLIS, INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Bytes of {@code stream} arrived from a server other than the primary. */
    public void received(LogicalStream stream) {
        dirty.putIfAbsent(stream.id(), stream);
    }

    /** Sends what is pending now. */
    public void flush() {
        if (dirty.isEmpty()) return;
        long last = lastReportNanos.get();
        long now = System.nanoTime();
        // one thread sends each report; a report is advice, so the one that loses the race is skipped
        if (reports != null && now - last >= REPORT_INTERVAL_MILLIS * 1_000_000 && lastReportNanos.compareAndSet(last, now)) {
            try {
                primary.sendControl(reports.get());
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "cannot send a receive report: {0}", e);
                return;
            }
        }
        for (Long id : List.copyOf(dirty.keySet())) {
            LogicalStream stream = dirty.remove(id);
            if (stream == null) continue;
            try {
                primary.sendControl(ControlFrame.newBuilder().setStreamReceipt(receipt(id, stream.receivedRanges())).build());
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "cannot send a receipt for stream {0}: {1}", id, e);
                return;
            }
        }
    }

    /** The receipt for {@code ranges} of stream {@code id}: the lowest of them, within both bounds. */
    StreamReceipt receipt(long id, List<ByteRange> ranges) {
        StreamReceipt.Builder receipt = StreamReceipt.newBuilder().setLogicalStreamId(id);
        // the frame's own tags and lengths come on top of the ranges
        int size = CodedOutputStream.computeUInt64Size(StreamReceipt.LOGICAL_STREAM_ID_FIELD_NUMBER, id) + 16;
        for (ByteRange r : ranges) {
            if (receipt.getReceivedCount() == maxRanges) break;
            io.kwik.proto.ByteRange wire = io.kwik.proto.ByteRange.newBuilder().setStart(r.start()).setEnd(r.end()).build();
            size += CodedOutputStream.computeMessageSize(StreamReceipt.RECEIVED_FIELD_NUMBER, wire);
            if (size > maxBytes) break;
            receipt.addReceived(wire);
        }
        return receipt.build();
    }

    /** Stops the timer. */
    public void close() {
        task.cancel(false);
        dirty.clear();
    }
}
