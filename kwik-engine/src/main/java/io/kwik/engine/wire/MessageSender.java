package io.kwik.engine.wire;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
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

    /**
     * @param onFailure called once, from the sender thread, when the transport fails a write
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
            if (!queue.put(message)) {
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
        if (!queue.offer(message)) {
            bytes.release(budget);
            return false;
        }
        return true;
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
                while (message != null) {
                    if (message == FIN) {
                        out.close();
                        return;
                    }
                    out.write(message);
                    bytes.release(budget(message));
                    message = queue.poll();
                }
                out.flush();
            }
        } catch (IOException e) {
            queue.closeAndDrain();
            LOG.log(Level.DEBUG, "stream write failed: {0}", e.toString());
            onFailure.accept(e);
        } catch (InterruptedException e) {
            queue.closeAndDrain();
        }
    }
}
