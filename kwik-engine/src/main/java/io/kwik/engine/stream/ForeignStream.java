package io.kwik.engine.stream;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import com.google.protobuf.UnsafeByteOperations;

import io.kwik.api.Delegation;
import io.kwik.api.KwikException;
import io.kwik.api.KwikStream;
import io.kwik.proto.DataFrame;

/**
 * A secondary server's handle on a logical stream the primary owns (docs/PROTOCOL.md 4.4): it writes
 * ranges at explicit KWIK offsets over the secondary's own path, within the client's window
 * for the stream, and never finishes the stream. Reading, appending and resetting belong to
 * the stream's ends, so they are unsupported here.
 */
public final class ForeignStream implements KwikStream {
    /** Where a writer's waits for the client's credit go when the timeline is on (see MultiSourceTransfer.TIMELINE_LOGGER). */
    private static final System.Logger TIMELINE = System.getLogger(io.kwik.api.MultiSourceTransfer.TIMELINE_LOGGER);
    private static final String WRITE_ONLY = "a secondary's handle on a stream only writes ranges: use writeAt";

    private final long id;
    private final StreamContext context;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition credit = lock.newCondition();
    private long sendLimit;
    private boolean failed;

    /** @param initialWindow the client's window for every stream, from its authentication request */
    ForeignStream(long id, StreamContext context, long initialWindow) {
        this.id = id;
        this.context = context;
        this.sendLimit = initialWindow;
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public String pathId() {
        return context.pathId();
    }

    /** The client raised its window for this stream. */
    public void onMaxStreamData(long maxOffset) {
        lock.lock();
        try {
            if (maxOffset > sendLimit) {
                sendLimit = maxOffset;
                credit.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** The session ended: wake writers so they see why. */
    void onSessionFailed() {
        lock.lock();
        try {
            failed = true;
            credit.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void writeAt(long offset, ByteBuffer src) throws IOException {
        if (offset < 0) throw new IllegalArgumentException("offset must not be negative: " + offset);
        byte[] bytes;
        int off;
        int len = src.remaining();
        if (src.hasArray()) {
            bytes = src.array();
            off = src.arrayOffset() + src.position();
        } else {
            bytes = new byte[len];
            src.duplicate().get(bytes);
            off = 0;
        }
        DataChannel channel = null;
        long position = offset;
        try {
            while (len > 0) {
                int n;
                boolean last;
                lock.lock();
                try {
                    long waitFrom = 0;
                    while (true) {
                        throwIfFailed();
                        if (sendLimit > position) break;
                        if (waitFrom == 0) waitFrom = System.nanoTime();
                        credit.await();
                    }
                    if (waitFrom != 0 && TIMELINE.isLoggable(System.Logger.Level.DEBUG)) {
                        long now = System.nanoTime();
                        TIMELINE.log(System.Logger.Level.DEBUG, String.format(java.util.Locale.ROOT, "%.3f credit-wait path=%s stream=%d at=%d ms=%.1f",
                                now / 1e6, context.pathId(), id, position, (now - waitFrom) / 1e6));
                    }
                    n = (int) Math.min(Math.min(len, sendLimit - position), context.maxFrameData(id, position));
                    // the next frame follows at once only if it has credit already; else this one is flushed now
                    last = n == len || sendLimit <= position + n;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while writing stream " + id);
                } finally {
                    lock.unlock();
                }
                if (channel == null) channel = context.dataChannel(null);
                channel.send(DataFrame.newBuilder().setLogicalStreamId(id).setOffset(position)
                        .setData(UnsafeByteOperations.unsafeWrap(bytes, off, n)).build(), last);
                position += n;
                off += n;
                len -= n;
            }
        } finally {
            // a handle keeps no real stream between writes; the path's idle reaper closes unused ones
            if (channel != null) channel.release();
        }
        src.position(src.limit());
    }

    private void throwIfFailed() throws KwikException {
        KwikException failure = context.failure();
        if (failure != null) throw new KwikException(failure.code(), "stream " + id + ": " + failure.getMessage(), failure);
        if (failed) throw new KwikException(io.kwik.api.ErrorCode.SESSION_CLOSED, "session closed");
    }

    @Override
    public InputStream inputStream() {
        throw new UnsupportedOperationException(WRITE_ONLY);
    }

    @Override
    public OutputStream outputStream() {
        throw new UnsupportedOperationException(WRITE_ONLY);
    }

    @Override
    public int read(ByteBuffer dst) {
        throw new UnsupportedOperationException(WRITE_ONLY);
    }

    @Override
    public int write(ByteBuffer src) {
        throw new UnsupportedOperationException(WRITE_ONLY);
    }

    /** Does nothing: only the primary finishes a stream it owns. */
    @Override
    public void close() {
    }

    /** Does nothing: only the primary finishes a stream it owns. */
    @Override
    public void shutdownOutput() {
    }

    /** Does nothing: this handle receives nothing. */
    @Override
    public void shutdownInput() {
    }

    @Override
    public void readTimeout(Duration timeout) {
        throw new UnsupportedOperationException(WRITE_ONLY);
    }

    @Override
    public void reset(long applicationErrorCode) {
        throw new UnsupportedOperationException("only the stream's ends reset it");
    }

    @Override
    public long reserve(long length) {
        throw new UnsupportedOperationException("only the primary reserves ranges");
    }

    @Override
    public CompletableFuture<Delegation> delegate(String pathId, long length, ByteBuffer instruction) {
        throw new UnsupportedOperationException("only the primary delegates ranges");
    }

    @Override
    public String toString() {
        return "ForeignStream[" + id + " on " + context.pathId() + "]";
    }
}
