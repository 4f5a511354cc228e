package io.kwik.engine.path;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.ReentrantLock;

import io.kwik.engine.packet.EncodedFrame;
import io.kwik.engine.packet.OffsetManager;
import io.kwik.engine.packet.PacketSizeCalculator;
import io.kwik.engine.stream.DataChannel;
import io.kwik.proto.DataFrame;
import io.kwik.spi.QuicStream;

/**
 * Puts a path's logical streams on its real QUIC streams (R7.3–7.5, DESIGN.md 4.3):
 * <ul>
 *   <li>at most {@code ratio} logical streams send on one real stream;</li>
 *   <li>a logical stream keeps its real stream until it has finished sending;</li>
 *   <li>a new real stream opens only when every open one carries {@code ratio};</li>
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
    private final List<RealStream> pool = new ArrayList<>();
    private boolean closed;

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
        lock.lock();
        try {
            RealStream best = null;
            for (RealStream candidate : pool) {
                if (candidate.assigned < ratio && (best == null || candidate.assigned > best.assigned)) best = candidate;
            }
            if (best != null) {
                best.assigned++;
                return new Assignment(best);
            }
        } finally {
            lock.unlock();
        }
        // opening may wait for the peer's stream credit: never under the lock
        RealStream opened = new RealStream(path.openQuicStream(), path, sizes, offsets, threads);
        lock.lock();
        try {
            if (closed) {
                opened.abort();
                throw new IOException("path " + path.pathId() + " is closed");
            }
            opened.assigned = 1;
            pool.add(opened);
            return new Assignment(opened);
        } finally {
            lock.unlock();
        }
    }

    /** A real stream the peer opened: its sending direction is ours to use. */
    void adopt(QuicStream stream) {
        RealStream adopted = new RealStream(stream, path, sizes, offsets, threads);
        lock.lock();
        try {
            if (closed) {
                adopted.finish();
                return;
            }
            pool.add(adopted);
        } finally {
            lock.unlock();
        }
    }

    /** Finishes real streams idle for longer than the idle timeout. */
    void reapIdle() {
        long now = System.nanoTime();
        List<RealStream> idle = new ArrayList<>();
        lock.lock();
        try {
            pool.removeIf(stream -> {
                boolean reap = stream.assigned == 0 && now - stream.idleSinceNanos >= idleTimeoutNanos;
                if (reap) idle.add(stream);
                return reap;
            });
        } finally {
            lock.unlock();
        }
        idle.forEach(RealStream::finish);
    }

    /** Real streams this end can send on. */
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
        List<RealStream> all;
        lock.lock();
        try {
            closed = true;
            all = List.copyOf(pool);
            pool.clear();
        } finally {
            lock.unlock();
        }
        all.forEach(RealStream::abort);
    }

    private void release(RealStream stream) {
        lock.lock();
        try {
            if (--stream.assigned == 0) stream.idleSinceNanos = System.nanoTime();
        } finally {
            lock.unlock();
        }
    }

    /** One logical stream's hold on a real stream. */
    private final class Assignment implements DataChannel {
        private final RealStream stream;
        private boolean released;

        Assignment(RealStream stream) {
            this.stream = stream;
        }

        @Override
        public void send(DataFrame frame) throws IOException {
            stream.send(EncodedFrame.of(frame));
        }

        @Override
        public synchronized void release() {
            if (released) return;
            released = true;
            StreamMultiplexer.this.release(stream);
        }
    }
}
