package io.kwik.engine.path;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

import io.kwik.api.ErrorCode;
import io.kwik.api.KwikException;
import io.kwik.engine.packet.EncodedFrame;
import io.kwik.engine.packet.OffsetManager;
import io.kwik.engine.packet.PacketSizeCalculator;
import io.kwik.engine.packet.PacketWriter;
import io.kwik.engine.util.BoundedQueue;
import io.kwik.engine.wire.Messages;
import io.kwik.proto.StreamHeader;
import io.kwik.spi.QuicStream;

/**
 * The sending direction of one real QUIC data stream. Logical streams queue encoded frames;
 * one thread batches the queued frames into packets no larger than the calculator allows and
 * writes them, so no caller holds a lock across the transport's blocking write, and a full
 * queue is back-pressure. Closing the queue sends FIN after what it holds.
 */
final class RealStream {
    private static final System.Logger LOG = System.getLogger(RealStream.class.getName());
    /** Frames queued before a writer waits: a few packets' worth. */
    private static final int QUEUE_FRAMES = 64;
    private static final byte[] DATA_HEADER =
            Messages.delimited(StreamHeader.newBuilder().setKind(StreamHeader.Kind.KIND_DATA).build());

    private final long quicId;
    private final OutputStream out;
    private final PathConnection path;
    private final PacketSizeCalculator sizes;
    private final OffsetManager offsets;
    private final BoundedQueue<EncodedFrame> queue = new BoundedQueue<>(QUEUE_FRAMES);

    RealStream(QuicStream stream, PathConnection path, PacketSizeCalculator sizes, OffsetManager offsets, ThreadFactory threads) {
        this.quicId = stream.id();
        this.out = stream.output();
        this.path = path;
        this.sizes = sizes;
        this.offsets = offsets;
        Thread thread = threads.newThread(this::run);
        thread.setName(path.pathId() + "-data-" + quicId + "-writer");
        thread.start();
    }

    /** Queues a frame, waiting while the queue is full. */
    void send(EncodedFrame frame) throws IOException {
        try {
            if (!queue.put(frame)) {
                KwikException failure = path.failure();
                if (failure != null) throw new KwikException(failure.code(), failure.getMessage(), failure);
                throw new KwikException(ErrorCode.STREAM_CREATE_FAILED, "real stream " + quicId + " is closed for sending");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while sending on real stream " + quicId);
        }
    }

    /** Sends FIN after every frame queued so far; never blocks. */
    void finish() {
        queue.close();
    }

    /** Drops what is queued; no FIN. */
    void abort() {
        queue.closeAndDrain();
    }

    private void run() {
        boolean headerSent = false;
        List<EncodedFrame> batch = new ArrayList<>();
        try {
            EncodedFrame next = queue.poll(-1, TimeUnit.NANOSECONDS);
            while (next != null) {
                if (!headerSent) {
                    out.write(DATA_HEADER);
                    offsets.skip(quicId, DATA_HEADER.length);
                    headerSent = true;
                }
                int room = sizes.maxFramesSize();
                batch.add(next);
                room -= next.size();
                next = queue.poll();
                while (next != null && next.size() <= room) {
                    batch.add(next);
                    room -= next.size();
                    next = queue.poll();
                }
                int estimate = sizes.maxPacketSize() - room;
                // a transport may hold written bytes until flush (the SPI allows it; Netty's
                // backend holds back the last buffer so a FIN can ride with it): the packets
                // already written must leave before this thread waits for their ACKs
                if (!path.sendWindow().hasRoom(estimate)) out.flush();
                if (!path.sendWindow().awaitRoom(estimate)) {
                    // the path closed while this packet waited for the window
                    queue.closeAndDrain();
                    return;
                }
                long packetNumber = path.nextPacketNumber();
                // recorded before it is written: the peer's ACK may come back before write() returns
                path.sendWindow().onSent(packetNumber, estimate);
                int written = PacketWriter.write(out, packetNumber, batch);
                offsets.sent(packetNumber, quicId, written, batch);
                path.countSent(written);
                batch.clear();
                if (next == null) {
                    out.flush();
                    next = queue.poll(-1, TimeUnit.NANOSECONDS);
                }
            }
            out.close();
        } catch (IOException e) {
            queue.closeAndDrain();
            LOG.log(Level.DEBUG, "real stream {0} of path {1} failed: {2}", quicId, path.pathId(), e);
        } catch (InterruptedException e) {
            queue.closeAndDrain();
        } finally {
            offsets.realStreamClosed(quicId);
        }
    }
}
