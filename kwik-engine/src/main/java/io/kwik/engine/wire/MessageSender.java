package io.kwik.engine.wire;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import io.kwik.api.ErrorCode;
import io.kwik.api.KwikException;
import io.kwik.engine.util.BoundedQueue;

/**
 * Writes encoded messages to one QUIC stream from its own thread, so no caller ever holds a
 * lock across the transport's blocking write. The queue is bounded twice, by messages and by
 * bytes ({@link #MAX_QUEUED_BYTES}): when either is full {@link #send} waits, which is the
 * back-pressure the transport asks for. Messages queued back to back are written before one
 * flush, so small messages batch into few packets.
 *
 * <p>{@link #sendThroughWhenIdle} writes on the caller's thread instead when nothing is queued
 * or being written (no hand-off to the writer thread, no wake-up): for a path's data reader
 * sending acknowledgements. One writer at a time, marked by a flag, never by a lock held across
 * the transport's blocking calls; messages keep their order.
 */
public final class MessageSender {
    private static final System.Logger LOG = System.getLogger(MessageSender.class.getName());
    private static final byte[] FIN = new byte[0];

    /** Bytes a sender holds at most; one larger message is let through alone. */
    public static final int MAX_QUEUED_BYTES = 8 << 20;

    private final OutputStream out;
    private final BoundedQueue<byte[]> queue;
    private final Semaphore bytes = new Semaphore(MAX_QUEUED_BYTES);
    private final Consumer<IOException> onFailure;
    private volatile boolean finished;
    private final AtomicBoolean failed = new AtomicBoolean();

    /** Guards {@link #busy}; never held across a write. */
    private final ReentrantLock writing = new ReentrantLock();
    private final Condition idle = writing.newCondition();
    /** Someone writes to the stream now (the writer thread or a caller writing through). */
    private boolean busy;
    /** Messages queued and not yet written: a caller may write through only when none are. */
    private final AtomicInteger unwritten = new AtomicInteger();

    /**
     * @param onFailure called once, from the sender thread or a caller writing through, when the
     *                  transport fails a write
     */
    public MessageSender(String name, OutputStream out, int capacity, ThreadFactory threads,
                         Consumer<IOException> onFailure) {
        this.out = out;
        this.queue = new BoundedQueue<>(capacity);
        this.onFailure = onFailure;
        Thread thread = threads.newThread(this::run);
        thread.setName(name);
        thread.start();
    }

    /**
     * Queues one encoded message, waiting while the queue is full.
     *
     * @throws KwikException {@link ErrorCode#SESSION_CLOSED} when the sender was finished or aborted
     */
    public void send(byte[] message) throws IOException {
        if (message.length == 0) throw new IllegalArgumentException("empty message");
        int budget = budget(message);
        try {
            // polled, because abort() cannot wake a semaphore's waiters
            while (!bytes.tryAcquire(budget, 50, TimeUnit.MILLISECONDS)) {
                if (finished) throw new KwikException(ErrorCode.SESSION_CLOSED, "stream sender is closed");
            }
            unwritten.incrementAndGet();
            if (!queue.put(message)) {
                unwritten.decrementAndGet();
                bytes.release(budget);
                throw new KwikException(ErrorCode.SESSION_CLOSED, "stream sender is closed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while sending");
        }
    }

    /**
     * Queues one encoded message only if there is room now, for messages that must not make
     * their caller wait, such as heartbeat pings: a queue that is full is not draining, and
     * one more message would not get through either.
     *
     * @return whether it was queued
     */
    public boolean offer(byte[] message) {
        if (message.length == 0) throw new IllegalArgumentException("empty message");
        int budget = budget(message);
        if (finished || !bytes.tryAcquire(budget)) return false;
        unwritten.incrementAndGet();
        if (!queue.offer(message)) {
            unwritten.decrementAndGet();
            bytes.release(budget);
            return false;
        }
        return true;
    }

    /**
     * Writes one encoded message and flushes it on the calling thread when nothing is queued
     * or being written; otherwise queues it as {@link #send} does. The caller must hold no lock:
     * the write may wait for the transport.
     *
     * @throws KwikException {@link ErrorCode#SESSION_CLOSED} when the sender was finished or aborted
     * @throws IOException   when the transport fails the write; the sender is then finished
     */
    public void sendThroughWhenIdle(byte[] message) throws IOException {
        if (message.length == 0) throw new IllegalArgumentException("empty message");
        boolean direct;
        writing.lock();
        try {
            direct = !busy && !finished && unwritten.get() == 0;
            if (direct) busy = true;
        } finally {
            writing.unlock();
        }
        if (!direct) {
            send(message);
            return;
        }
        try {
            out.write(message);
            out.flush();
        } catch (IOException e) {
            finished = true;
            fail(e);
            throw e;
        } finally {
            release();
        }
    }

    /** Sends FIN on the stream after every message queued so far. Idempotent. */
    public void finish() {
        if (finished) return;
        finished = true;
        try {
            queue.put(FIN);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        queue.close();
    }

    /** Drops whatever is queued and stops. Does not send FIN. */
    public void abort() {
        finished = true;
        queue.closeAndDrain();
    }

    private static int budget(byte[] message) {
        return Math.min(message.length, MAX_QUEUED_BYTES);
    }

    private void run() {
        try {
            while (true) {
                byte[] message = queue.poll(-1, TimeUnit.MILLISECONDS);
                if (message == null) return;
                acquire();
                try {
                    while (message != null) {
                        if (message == FIN) {
                            out.close();
                            return;
                        }
                        out.write(message);
                        bytes.release(budget(message));
                        unwritten.decrementAndGet();
                        message = queue.poll();
                    }
                    out.flush();
                } finally {
                    release();
                }
            }
        } catch (IOException e) {
            fail(e);
        } catch (InterruptedException e) {
            queue.closeAndDrain();
        }
    }

    /** Waits until nobody writes through, then marks the writer thread as the one writing. */
    private void acquire() throws InterruptedException {
        writing.lockInterruptibly();
        try {
            while (busy) idle.await();
            busy = true;
        } finally {
            writing.unlock();
        }
    }

    private void release() {
        writing.lock();
        try {
            busy = false;
            idle.signalAll();
        } finally {
            writing.unlock();
        }
    }

    /** A write failed: drop what is queued and tell the owner, once. */
    private void fail(IOException e) {
        queue.closeAndDrain();
        if (!failed.compareAndSet(false, true)) return;
        LOG.log(Level.DEBUG, "stream write failed: {0}", e.toString());
        onFailure.accept(e);
    }
}
