package io.kwik.engine.multipath;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import io.kwik.api.Delegation;
import io.kwik.api.ErrorCode;
import io.kwik.api.KwikException;
import io.kwik.api.RawData;
import io.kwik.proto.RawPacket;

/**
 * Relayed bytes a server has received and the application has not taken yet (R9). Bounded
 * in messages ({@link #CAPACITY}) and in bytes (the server's {@code rawInboxBytes}): when it is
 * full, the raw stream's reader waits, QUIC flow control stops the client, and the client in
 * turn stops reading the sender's control stream. Without the byte bound an application that
 * never called {@code receiveRawData} let one session hold 64 messages of up to the maximum
 * message size each (128 MiB by default).
 */
public final class RawInbox {
    /** Messages held at most. */
    public static final int CAPACITY = 64;

    private final String pathId;
    private final long maxBytes;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition notFull = lock.newCondition();
    private final ArrayDeque<Held> queue = new ArrayDeque<>();
    private long bytes;
    private boolean closed;

    /**
     * @param pathId   this server's path: the one a delegation it receives asks to write
     * @param maxBytes the data bytes held at most; one larger message is still taken into an empty inbox
     */
    public RawInbox(String pathId, long maxBytes) {
        if (maxBytes < 1) throw new IllegalArgumentException("maxBytes must be >= 1: " + maxBytes);
        this.pathId = pathId;
        this.maxBytes = maxBytes;
    }

    /** Queues a received packet, waiting while the inbox is full; drops it once the inbox is closed. */
    public void deliver(RawPacket packet) throws KwikException, InterruptedException {
        Delegation delegation = null;
        if (packet.hasDelegation()) {
            var range = packet.getDelegation();
            try {
                delegation = new Delegation(pathId, range.getLogicalStreamId(), range.getOffset(), range.getLength());
            } catch (IllegalArgumentException e) {
                throw new KwikException(ErrorCode.INVALID_FRAME, "malformed delegation: " + e.getMessage(), e);
            }
        }
        ByteBuffer data = packet.getData().asReadOnlyByteBuffer();
        long size = data.remaining();
        lock.lockInterruptibly();
        try {
            while (!closed && (queue.size() >= CAPACITY || (!queue.isEmpty() && bytes + size > maxBytes))) notFull.await();
            if (closed) return;
            queue.addLast(new Held(new RawData(packet.getSourcePathId(), data, delegation), size));
            bytes += size;
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The next message, waiting for one.
     *
     * @throws KwikException {@link ErrorCode#SESSION_CLOSED} once the session has ended and the inbox is empty
     */
    public RawData take() throws IOException, InterruptedException {
        lock.lockInterruptibly();
        try {
            while (queue.isEmpty() && !closed) notEmpty.await();
            Held held = queue.pollFirst();
            if (held == null) throw new KwikException(ErrorCode.SESSION_CLOSED, "session closed");
            bytes -= held.size();
            notFull.signalAll();
            return held.data();
        } finally {
            lock.unlock();
        }
    }

    /** The data bytes held now. */
    public long bytes() {
        lock.lock();
        try {
            return bytes;
        } finally {
            lock.unlock();
        }
    }

    /** The session ended: wake the waiters. What is queued can still be taken. */
    public void close() {
        lock.lock();
        try {
            closed = true;
            notEmpty.signalAll();
            notFull.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** A message and the bytes it counts for. */
    private record Held(RawData data, long size) {}
}
