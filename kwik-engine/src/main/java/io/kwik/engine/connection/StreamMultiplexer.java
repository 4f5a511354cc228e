package io.kwik.engine.connection;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.ReentrantLock;

import io.kwik.engine.packet.OffsetManager;
import io.kwik.engine.packet.PacketSizeCalculator;
import io.kwik.engine.stream.DataChannel;
import io.kwik.proto.DataFrame;
import io.kwik.spi.QuicStream;

/**
 * Puts a path's logical streams on its real QUIC streams (R7.3–7.5, docs/PROTOCOL.md 4.3):
 * <ul>
 *   <li>at most {@code ratio} logical streams send on one real stream;</li>
 *   <li>a logical stream keeps its real stream until it has finished sending;</li>
 *   <li>a new real stream opens only when every open one (or one being opened) carries
 *       {@code ratio}, so a burst of new streams opens one real stream per {@code ratio} of
 *       them, not one each;</li>
 *   <li>a real stream that has carried nothing for {@code idleTimeout} is finished (FIN), so
 *       the count follows demand both ways.</li>
 * </ul>
 * Real streams the peer opened join the pool too: both directions of a QUIC stream carry data.
 */
final class StreamMultiplexer {
    private final PathConnection path;
    private final int ratio;
    private final long idleTimeoutNanos;
    private final PacketSizeCalculator sizes;
    private final OffsetManager offsets;
    private final ThreadFactory threads;
    private final ReentrantLock lock = new ReentrantLock();
    private final List<Slot> pool = new ArrayList<>();
    private boolean closed;

    /** A real stream of the pool, or one being opened, and how many logical streams use it. */
    private static final class Slot {
        final CompletableFuture<RealStream> stream;
        int assigned;
        long idleSinceNanos = System.nanoTime();

        Slot(CompletableFuture<RealStream> stream) {
            this.stream = stream;
        }
    }

    StreamMultiplexer(PathConnection path, int ratio, Duration idleTimeout, PacketSizeCalculator sizes,
                      OffsetManager offsets, ThreadFactory threads) {
        this.path = path;
        this.ratio = ratio;
        this.idleTimeoutNanos = idleTimeout.toNanos();
        this.sizes = sizes;
        this.offsets = offsets;
        this.threads = threads;
    }

    /** A channel on the fullest real stream that has room, or on a new one. */
    DataChannel assign() throws IOException {
        Slot slot = null;
        boolean opener = false;
        lock.lock();
        try {
            if (closed) throw new IOException("path " + path.pathId() + " is closed");
            for (Slot candidate : pool) {
                if (candidate.assigned < ratio && (slot == null || candidate.assigned > slot.assigned)) slot = candidate;
            }
            if (slot == null) {
                slot = new Slot(new CompletableFuture<>());
                pool.add(slot);
                opener = true;
            }
            slot.assigned++;
        } finally {
            lock.unlock();
        }
        // opening may wait for the peer's stream credit: never under the lock
        if (opener) open(slot);
        try {
            return new Assignment(slot, slot.stream.get());
        } catch (InterruptedException e) {
            release(slot);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while opening a real stream");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) throw io;
            throw new IOException("opening a real stream failed", e.getCause());
        }
    }

    private void open(Slot slot) {
        try {
            slot.stream.complete(new RealStream(path.openQuicStream(), path, sizes, offsets, threads));
        } catch (IOException | RuntimeException e) {
            lock.lock();
            try {
                pool.remove(slot);
            } finally {
                lock.unlock();
            }
            slot.stream.completeExceptionally(e);
        }
    }

    /** A real stream the peer opened: its sending direction is ours to use. */
    void adopt(QuicStream stream) {
        RealStream adopted = new RealStream(stream, path, sizes, offsets, threads);
        lock.lock();
        try {
            if (!closed) {
                pool.add(new Slot(CompletableFuture.completedFuture(adopted)));
                return;
            }
        } finally {
            lock.unlock();
        }
        adopted.finish();
    }

    /** Finishes real streams idle for longer than the idle timeout. */
    void reapIdle() {
        long now = System.nanoTime();
        List<RealStream> idle = new ArrayList<>();
        lock.lock();
        try {
            pool.removeIf(slot -> {
                boolean reap = slot.assigned == 0 && slot.stream.isDone() && now - slot.idleSinceNanos >= idleTimeoutNanos;
                if (reap) idle.add(slot.stream.join());
                return reap;
            });
        } finally {
            lock.unlock();
        }
        idle.forEach(RealStream::finish);
    }

    /** Real streams this end can send on, those being opened included. */
    int openRealStreams() {
        lock.lock();
        try {
            return pool.size();
        } finally {
            lock.unlock();
        }
    }

    /** Stops every sender without FIN; the connection is going away. */
    void close() {
        List<Slot> all;
        lock.lock();
        try {
            closed = true;
            all = List.copyOf(pool);
            pool.clear();
        } finally {
            lock.unlock();
        }
        for (Slot slot : all) slot.stream.thenAccept(RealStream::abort);
    }

    private void release(Slot slot) {
        lock.lock();
        try {
            if (--slot.assigned == 0) slot.idleSinceNanos = System.nanoTime();
        } finally {
            lock.unlock();
        }
    }

    /** One logical stream's hold on a real stream. */
    private final class Assignment implements DataChannel {
        private final Slot slot;
        private final RealStream stream;
        private boolean released;

        Assignment(Slot slot, RealStream stream) {
            this.slot = slot;
            this.stream = stream;
        }

        @Override
        public void send(DataFrame frame, boolean flush) throws IOException {
            stream.send(frame, flush);
        }

        @Override
        public synchronized void release() {
            if (released) return;
            released = true;
            StreamMultiplexer.this.release(slot);
        }
    }
}
