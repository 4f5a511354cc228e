package io.kwik.engine.connection;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import com.google.protobuf.CodedOutputStream;

import io.kwik.api.ErrorCode;
import io.kwik.api.KwikException;
import io.kwik.engine.packet.EncodedFrame;
import io.kwik.engine.packet.OffsetManager;
import io.kwik.engine.packet.PacketSizeCalculator;
import io.kwik.engine.packet.PacketWriter;
import io.kwik.engine.wire.Messages;
import io.kwik.proto.DataFrame;
import io.kwik.proto.StreamHeader;
import io.kwik.spi.QuicStream;

/**
 * The sending direction of one real QUIC data stream.
 * <ul>
 *   <li><b>Write-through</b>: a logical stream that finds the real stream idle (no writer, nothing
 *       queued) writes its frame itself, on its own thread, straight from its array: no copy, no
 *       hand-off, no wake-up.</li>
 *   <li><b>Under contention</b> a frame is encoded (copied, as its caller's array may change) and
 *       queued (at most {@link #QUEUE_FRAMES}; a full queue makes the caller wait, the
 *       transport's back-pressure); this stream's writer thread batches queued frames of several
 *       logical streams into packets no larger than the calculator allows.</li>
 *   <li>One writer at a time, marked by a flag, never by a lock held across the transport's
 *       blocking calls. Written bytes gather in a {@link #COALESCE_BYTES} buffer, and the
 *       transport is flushed once per batch (the writer thread when its queue runs empty, a
 *       caller with its last frame), and before waiting for send-window room.</li>
 *   <li>{@link #finish} sends FIN after what is queued.</li>
 * </ul>
 */
final class RealStream {
    private static final System.Logger LOG = System.getLogger(RealStream.class.getName());
    /** Frames queued before a writer waits: a few packets' worth. */
    private static final int QUEUE_FRAMES = 64;
    /** Bytes gathered before they go to the transport: the Netty backend's write chunk. */
    static final int COALESCE_BYTES = 64 * 1024;
    private static final byte[] DATA_HEADER =
            Messages.delimited(StreamHeader.newBuilder().setKind(StreamHeader.Kind.KIND_DATA).build());

    private final long quicId;
    private final OutputStream out;
    private final PathConnection path;
    private final PacketSizeCalculator sizes;
    private final OffsetManager offsets;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<EncodedFrame> queue = new ArrayDeque<>();
    /** Someone writes to the transport now; guarded by {@link #lock}. */
    private boolean busy;
    /** FIN asked for; guarded by {@link #lock}. */
    private boolean finishing;
    /** Aborted or failed: nothing more is written; guarded by {@link #lock}. */
    private boolean stopped;

    // used only by the one writer ({@link #busy}), handed over through the lock
    private final CodedOutputStream coded;
    private final List<EncodedFrame> batch = new ArrayList<>();
    private boolean headerSent;

    RealStream(QuicStream stream, PathConnection path, PacketSizeCalculator sizes, OffsetManager offsets, ThreadFactory threads) {
        this.quicId = stream.id();
        this.out = stream.output();
        this.coded = CodedOutputStream.newInstance(out, COALESCE_BYTES);
        this.path = path;
        this.sizes = sizes;
        this.offsets = offsets;
        Thread thread = threads.newThread(this::run);
        thread.setName(path.pathId() + "-data-" + quicId + "-writer");
        thread.start();
    }

    /**
     * Sends {@code frame}: written through when the stream is idle, otherwise encoded and queued,
     * waiting while the queue is full. With {@code flush} false a frame written through may stay
     * in the buffer for the caller's next one.
     */
    void send(DataFrame frame, boolean flush) throws IOException {
        boolean direct;
        lock.lock();
        try {
            checkOpen();
            direct = !busy && queue.isEmpty();
            if (direct) busy = true;
        } finally {
            lock.unlock();
        }
        if (direct) {
            writeThrough(frame, flush);
            return;
        }
        // the caller's array may change once this returns: the frame waits as a copy
        EncodedFrame encoded = EncodedFrame.of(frame);
        lock.lock();
        try {
            while (true) {
                checkOpen();
                if (queue.size() < QUEUE_FRAMES) break;
                changed.await();
            }
            queue.addLast(encoded);
            changed.signalAll();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while sending on real stream " + quicId);
        } finally {
            lock.unlock();
        }
    }

    /** Sends FIN after every frame queued so far; never blocks. */
    void finish() {
        lock.lock();
        try {
            finishing = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Drops what is queued; no FIN. */
    void abort() {
        lock.lock();
        try {
            stopped = true;
            queue.clear();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Called with the lock held. */
    private void checkOpen() throws KwikException {
        if (!stopped && !finishing) return;
        KwikException failure = path.failure();
        if (failure != null) throw new KwikException(failure.code(), failure.getMessage(), failure);
        throw new KwikException(ErrorCode.STREAM_CREATE_FAILED, "real stream " + quicId + " is closed for sending");
    }

    private void writeThrough(DataFrame frame, boolean flush) throws IOException {
        boolean written = false;
        try {
            batch.add(EncodedFrame.direct(frame));
            if (!writeBatch()) {
                lock.lock();
                try {
                    stopped = true;
                    checkOpen();
                } finally {
                    lock.unlock();
                }
            }
            if (flush) flushTransport();
            written = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while sending on real stream " + quicId);
        } finally {
            batch.clear();
            release(!written);
        }
    }

    /** Gives up the right to write; wakes the writer thread for what was queued meanwhile. */
    private void release(boolean failed) {
        lock.lock();
        try {
            busy = false;
            if (failed) {
                stopped = true;
                queue.clear();
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Writes {@link #batch} as one packet, after waiting for send-window room.
     *
     * @return false when the path closed while the packet waited for the window
     */
    private boolean writeBatch() throws IOException, InterruptedException {
        if (!headerSent) {
            coded.writeRawBytes(DATA_HEADER);
            offsets.skip(quicId, DATA_HEADER.length);
            headerSent = true;
        }
        int framesSize = 0;
        for (EncodedFrame frame : batch) framesSize += frame.size();
        int estimate = sizes.maxPacketSize() - sizes.maxFramesSize() + framesSize;
        // a transport may hold written bytes until flush (the SPI allows it; Netty's backend
        // holds back the last buffer so a FIN can ride with it), and so does the buffer here:
        // the packets already written must leave before this thread waits for their ACKs
        boolean room = path.sendWindow().hasRoom(estimate);
        if (!room) flushTransport();
        long waitFrom = room ? 0 : System.nanoTime();
        if (!path.sendWindow().awaitRoom(estimate)) return false;
        if (!room) path.windowWaited(System.nanoTime() - waitFrom);
        long packetNumber = path.nextPacketNumber();
        // recorded before it is written: the peer's ACK may come back before write() returns
        path.sendWindow().onSent(packetNumber, estimate);
        int written = PacketWriter.write(coded, packetNumber, batch);
        offsets.sent(packetNumber, quicId, written, batch);
        path.countSent(written);
        return true;
    }

    private void flushTransport() throws IOException {
        coded.flush();
        out.flush();
    }

    /** The writer thread: queued frames in batches, and FIN. */
    private void run() {
        try {
            while (true) {
                boolean fin;
                lock.lockInterruptibly();
                try {
                    while (!stopped && (busy || queue.isEmpty()) && !(finishing && !busy)) changed.await();
                    if (stopped) return;
                    busy = true;
                    fin = queue.isEmpty();
                    if (!fin) {
                        int room = sizes.maxFramesSize();
                        do {
                            EncodedFrame next = queue.pollFirst();
                            batch.add(next);
                            room -= next.size();
                        } while (!queue.isEmpty() && queue.peekFirst().size() <= room);
                        changed.signalAll();
                    }
                } finally {
                    lock.unlock();
                }
                if (fin) {
                    coded.flush();
                    out.close();
                    return;
                }
                boolean written = false;
                try {
                    if (!writeBatch()) return;
                    // flush per batch: once nothing more is queued
                    boolean more;
                    lock.lock();
                    try {
                        more = !queue.isEmpty();
                    } finally {
                        lock.unlock();
                    }
                    if (!more) flushTransport();
                    written = true;
                } finally {
                    batch.clear();
                    release(!written);
                }
            }
        } catch (IOException e) {
            abort();
            LOG.log(Level.DEBUG, "real stream {0} of path {1} failed: {2}", quicId, path.pathId(), e);
        } catch (InterruptedException e) {
            abort();
        } finally {
            offsets.realStreamClosed(quicId);
        }
    }
}
