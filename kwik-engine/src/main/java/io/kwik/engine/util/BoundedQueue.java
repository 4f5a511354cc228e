package io.kwik.engine.util;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A bounded FIFO that can be closed: closing wakes every waiting producer and consumer, which
 * is what a plain {@link java.util.concurrent.ArrayBlockingQueue} cannot do.
 *
 * @param <T> element type
 */
public final class BoundedQueue<T> {
    private final ArrayDeque<T> items;
    private final int capacity;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition notFull = lock.newCondition();
    private boolean closed;

    public BoundedQueue(int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("capacity must be >= 1: " + capacity);
        this.capacity = capacity;
        this.items = new ArrayDeque<>(Math.min(capacity, 64));
    }

    /**
     * Adds {@code item}, waiting while the queue is full.
     *
     * @return false when the queue is (or becomes) closed; the item was not added
     */
    public boolean put(T item) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (!closed && items.size() >= capacity) notFull.await();
            if (closed) return false;
            items.addLast(item);
            notEmpty.signal();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Adds {@code item} if there is room and the queue is open. */
    public boolean offer(T item) {
        lock.lock();
        try {
            if (closed || items.size() >= capacity) return false;
            items.addLast(item);
            notEmpty.signal();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes the head, waiting up to {@code timeout} (forever when negative).
     *
     * @return the head, or null when the queue is closed and empty, or on timeout
     */
    public T poll(long timeout, TimeUnit unit) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            long nanos = unit.toNanos(timeout);
            while (items.isEmpty() && !closed) {
                if (timeout < 0) {
                    notEmpty.await();
                } else {
                    if (nanos <= 0) return null;
                    nanos = notEmpty.awaitNanos(nanos);
                }
            }
            T head = items.pollFirst();
            if (head != null) notFull.signal();
            return head;
        } finally {
            lock.unlock();
        }
    }

    /** Takes the head without waiting, or null. */
    public T poll() {
        lock.lock();
        try {
            T head = items.pollFirst();
            if (head != null) notFull.signal();
            return head;
        } finally {
            lock.unlock();
        }
    }

    /** Closes the queue; what it holds can still be taken. Idempotent. */
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

    /** Closes the queue and returns what it held. */
    public List<T> closeAndDrain() {
        lock.lock();
        try {
            closed = true;
            List<T> rest = List.copyOf(items);
            items.clear();
            notEmpty.signalAll();
            notFull.signalAll();
            return rest;
        } finally {
            lock.unlock();
        }
    }
}
