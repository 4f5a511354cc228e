package io.kwik.engine.stream;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;

import io.kwik.api.ByteRange;
import io.kwik.api.Delegation;
import io.kwik.api.ErrorCode;
import io.kwik.api.KwikException;
import io.kwik.api.KwikStream;
import io.kwik.api.KwikTimeoutException;
import io.kwik.api.StreamResetException;
import io.kwik.engine.events.StreamLifecycleEvent;
import io.kwik.engine.events.StreamLifecycleEvent.Action;
import io.kwik.proto.ControlFrame;
import io.kwik.proto.DataFrame;
import io.kwik.proto.MaxStreamData;
import io.kwik.proto.StopSending;
import io.kwik.proto.StreamResetNotification;

/**
 * One logical stream: a receiving half reassembled by KWIK offset under a per-stream window,
 * and a sending half limited by the peer's window for it. The two halves share one lock but
 * no state; no I/O happens while it is held.
 *
 * <p>Closing follows {@code SocketChannel} (see {@link KwikStream}): the receiving half ends
 * when a read returned -1, on a reset, or when this end stopped receiving
 * ({@link #shutdownInput()}, {@link #close()}); the sending half ends with the FIN, on a
 * reset, or when the peer stopped receiving ({@link #onStopSendingFromPeer(long)}). The
 * stream is released once both have ended.
 */
public final class LogicalStream implements KwikStream {
    /** Bytes copied at a time out of a direct buffer. */
    private static final int DIRECT_BUFFER_CHUNK = 16 * 1024;
    /** The application error code of the StopSending this end sends when it stops receiving. */
    static final long STOP_SENDING_CODE = 0;
    private final long id;
    private final StreamContext context;
    private final long receiveWindow;
    private final long peerWindow;    // the peer's initial window for this stream

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition readable = lock.newCondition();
    private final Condition credit = lock.newCondition();

    // receiving half
    private final ReassemblyBuffer buffer = new ReassemblyBuffer();
    private final DigestRanges digests = new DigestRanges();   // a secondary's bytes held until verified
    private long receiveLimit;
    private long finalSize = -1;
    private long highestReceived;
    private boolean endDelivered;
    private StreamResetException receiveReset;
    private boolean inputShut;        // this end stopped receiving: reads return -1, frames are dropped
    private boolean closed;           // close(): reads throw
    private volatile Duration readTimeout;
    /** A {@link ReaderWakeups} holds this stream: its reader will be woken when the batch ends. */
    private boolean wakeOwed;

    // sending half
    private long sendOffset;          // the cursor: write() appends here, reserve() skips it ahead
    private long writtenEnd;          // the end of the highest writeAt()
    private long finalOffset = -1;
    private long sendLimit;
    private boolean finSent;
    private StreamResetException sendReset;
    private DataChannel channel;

    private boolean released;

    private final InputStream input = new Input();
    private final OutputStream output = new Output();

    LogicalStream(long id, StreamContext context, long receiveWindow, long sendWindow, Duration readTimeout) {
        this.id = id;
        this.readTimeout = readTimeout;
        this.context = Objects.requireNonNull(context);
        this.receiveWindow = receiveWindow;
        this.receiveLimit = receiveWindow;
        this.sendLimit = sendWindow;
        this.peerWindow = sendWindow;
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public String pathId() {
        return context.pathId();
    }

    @Override
    public long peerReceiveWindow() {
        return peerWindow;
    }

    @Override
    public InputStream inputStream() {
        return input;
    }

    @Override
    public OutputStream outputStream() {
        return output;
    }

    // ---------------------------------------------------------------- receiving

    /**
     * Takes a frame from the peer.
     *
     * @throws KwikException a connection error: {@link ErrorCode#FLOW_CONTROL} past the window,
     *                       {@link ErrorCode#OFFSET_MISMATCH} for inconsistent final sizes,
     *                       {@link ErrorCode#INVALID_FRAME} for an offset of 2^63 or more, or one
     *                       whose end overflows
     */
    public void onFrameFromPeer(DataFrame frame) throws KwikException {
        onFrameFromPeer(frame, true, null);
    }

    /** As {@link #onFrameFromPeer(DataFrame, boolean, ReaderWakeups)}, waking the reader at once. */
    public void onFrameFromPeer(DataFrame frame, boolean fromOwner) throws KwikException {
        onFrameFromPeer(frame, fromOwner, null);
    }

    /**
     * Takes a frame from a server that may not own the direction (multi-source writes,
     * docs/PROTOCOL.md 4.4): only the owner may finish the stream.
     *
     * @param fromOwner whether the frame came on the owner's path
     * @param wakeups    where to leave the reader's wake-up for the caller to give once it has
     *                   handed over every frame that arrived with this one; null to wake the
     *                   reader now
     * @throws KwikException as {@link #onFrameFromPeer(DataFrame)}, and {@link ErrorCode#INVALID_FRAME}
     *                       for a FIN from a server that does not own the stream
     */
    public void onFrameFromPeer(DataFrame frame, boolean fromOwner, ReaderWakeups wakeups) throws KwikException {
        ByteString data = frame.getData();
        long offset = frame.getOffset();
        long end = offset + data.size();
        // uint64 on the wire: an offset of 2^63 or more arrives negative
        if (offset < 0 || end < offset) {
            throw new KwikException(ErrorCode.INVALID_FRAME, "stream " + id + ": offset " + Long.toUnsignedString(offset)
                    + " plus " + data.size() + " bytes is out of range");
        }
        if (frame.getFin() && !fromOwner) {
            throw new KwikException(ErrorCode.INVALID_FRAME, "stream " + id + ": FIN from a server that does not own the stream");
        }
        List<DigestRanges.Refusal> refusals = List.of();
        lock.lock();
        try {
            // an empty FIN only states the final size: it holds no bytes, so the window does not apply
            boolean bareFin = frame.getFin() && data.isEmpty();
            if (end > receiveLimit && !bareFin) {
                throw new KwikException(ErrorCode.FLOW_CONTROL,
                        "stream " + id + ": bytes up to " + end + " sent past the window " + receiveLimit);
            }
            if (finalSize >= 0 && (end > finalSize || frame.getFin() && end != finalSize)) {
                throw new KwikException(ErrorCode.OFFSET_MISMATCH,
                        "stream " + id + ": data up to " + end + " beyond final size " + finalSize);
            }
            if (frame.getFin()) {
                if (end < highestReceived) {
                    throw new KwikException(ErrorCode.OFFSET_MISMATCH,
                            "stream " + id + ": final size " + end + " below bytes already received up to " + highestReceived);
                }
                finalSize = end;
            }
            highestReceived = Math.max(highestReceived, end);
            if (receiveReset != null || endDelivered || inputShut) return;
            try {
                if (fromOwner) {
                    buffer.insert(offset, data);
                    refusals = digests.ownerWrote(offset, end, buffer);
                } else {
                    digests.take(offset, data, buffer);
                }
            } finally {
                if (wakeups == null) {
                    readable.signalAll();
                } else if (!wakeOwed) {
                    wakeOwed = true;
                    wakeups.owe(this);
                }
            }
        } finally {
            lock.unlock();
        }
        // a secondary whose range the owner's bytes completed, and which did not match
        for (DigestRanges.Refusal refusal : refusals) context.refuse(refusal.pathId(), refusal.failure());
    }

    /** Wakes the reader for the frames a batch left; see {@link ReaderWakeups}. */
    void wakeReaders() {
        lock.lock();
        try {
            wakeOwed = false;
            readable.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Client only: the bytes {@code pathId} writes of {@code [offset, offset + length)} must match
     * {@code sha256} before the reader sees them, or the receipts confirm them (see
     * {@link DigestRanges}). Recorded when the client relays the delegation, before the
     * secondary can learn of it.
     *
     * @throws KwikException {@link ErrorCode#INVALID_FRAME} when the digest is not 32 bytes,
     *                       the range is larger than half this stream's window (the reader
     *                       could never pass it), or it overlaps a range expected already
     */
    public void expectDigest(String pathId, long offset, long length, byte[] sha256) throws KwikException {
        if (sha256.length != DigestRanges.SHA256_LENGTH) {
            throw new KwikException(ErrorCode.INVALID_FRAME, "stream " + id + ": a delegation's SHA-256 has "
                    + sha256.length + " bytes");
        }
        if (offset < 0 || length < 1 || offset + length < offset || length > receiveWindow / 2) {
            throw new KwikException(ErrorCode.INVALID_FRAME, "stream " + id + ": a range of " + length
                    + " bytes with a SHA-256 cannot be verified within half the stream window " + receiveWindow);
        }
        lock.lock();
        try {
            if (!digests.expect(pathId, offset, length, sha256)) {
                throw new KwikException(ErrorCode.INVALID_FRAME, "stream " + id + ": the range [" + offset + ", "
                        + (offset + length) + ") with a SHA-256 overlaps another");
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * What has arrived of the receiving direction: everything below the read cursor, and the
     * ranges held above it. Used for receipts to the primary.
     */
    public List<ByteRange> receivedRanges() {
        lock.lock();
        try {
            List<ByteRange> ranges = new ArrayList<>();
            long start = 0;
            long end = buffer.readOffset();
            for (long[] segment : buffer.segments()) {
                if (segment[0] > end) {
                    if (end > start) ranges.add(new ByteRange(start, end));
                    start = segment[0];
                }
                end = Math.max(end, segment[1]);
            }
            if (end > start) ranges.add(new ByteRange(start, end));
            return ranges;
        } finally {
            lock.unlock();
        }
    }

    /** Whether every byte up to the final size has arrived. */
    public boolean fullyReceived() {
        lock.lock();
        try {
            return finalSize >= 0 && buffer.readOffset() + buffer.buffered() == finalSize;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (!dst.hasRemaining()) return 0;
        return read(dst, null, 0, 0);
    }

    @Override
    public void readTimeout(Duration timeout) {
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new IllegalArgumentException("readTimeout must be > 0: " + timeout);
        }
        this.readTimeout = timeout;
    }

    private int read(ByteBuffer dst, byte[] array, int off, int len) throws IOException {
        long grant = -1;
        int n;
        Duration timeout = readTimeout;
        long deadline = timeout == null ? 0 : System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (true) {
                if (closed) throw new IOException("stream " + id + " is closed");
                if (receiveReset != null) throw receiveReset;
                if (inputShut) return -1;
                if (buffer.hasReadable()) break;
                if (finalSize >= 0 && buffer.readOffset() == finalSize) {
                    endDelivered = true;
                    break;
                }
                throwIfFailed();
                if (timeout == null) {
                    readable.await();
                } else {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new KwikTimeoutException(KwikTimeoutException.Kind.READ, timeout,
                                "no byte of stream " + id + " arrived within the read timeout " + timeout);
                    }
                    readable.awaitNanos(left);
                }
            }
            if (endDelivered) {
                n = -1;
            } else {
                n = dst != null ? buffer.read(dst) : buffer.read(array, off, len);
                digests.passed(buffer.readOffset());
                // re-open the window once half of it has been consumed; a known final size does
                // not end this while it lies past the window: the owner may finish a stream whose
                // delegated ranges other servers have yet to write, and they need the window
                if ((finalSize < 0 || receiveLimit < finalSize) && receiveLimit - buffer.readOffset() <= receiveWindow / 2) {
                    receiveLimit = buffer.readOffset() + receiveWindow;
                    grant = receiveLimit;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading stream " + id);
        } finally {
            lock.unlock();
        }
        if (grant >= 0) {
            context.sendWindowUpdate(ControlFrame.newBuilder()
                    .setMaxStreamData(MaxStreamData.newBuilder().setLogicalStreamId(id).setMaxOffset(grant))
                    .build());
        }
        if (n < 0) maybeReleased();
        return n;
    }

    // ---------------------------------------------------------------- sending

    /** The peer raised this stream's window. */
    public void onMaxStreamDataFromPeer(long maxOffset) {
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

    @Override
    public int write(ByteBuffer src) throws IOException {
        int total = src.remaining();
        if (src.hasArray()) {
            write(src.array(), src.arrayOffset() + src.position(), total);
            src.position(src.limit());
        } else {
            byte[] chunk = new byte[Math.min(total, DIRECT_BUFFER_CHUNK)];
            while (src.hasRemaining()) {
                int n = Math.min(chunk.length, src.remaining());
                src.get(chunk, 0, n);
                write(chunk, 0, n);
            }
        }
        return total;
    }

    private void write(byte[] bytes, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, bytes.length);
        while (len > 0) {
            long offset;
            int n;
            boolean last;
            lock.lock();
            try {
                while (true) {
                    if (sendReset != null) throw sendReset;
                    if (finSent) throw new IOException("stream " + id + " is closed for writing");
                    throwIfFailed();
                    if (sendLimit > sendOffset) break;
                    credit.await();
                }
                n = (int) Math.min(Math.min(len, sendLimit - sendOffset), context.maxFrameData(id, sendOffset));
                offset = sendOffset;
                sendOffset += n;
                // the next frame follows at once only if it has credit already; else this one is flushed now
                last = n == len || sendLimit <= sendOffset;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while writing stream " + id);
            } finally {
                lock.unlock();
            }
            // the channel writes or copies the frame before it returns, so aliasing the caller's array is safe
            channel().send(DataFrame.newBuilder().setLogicalStreamId(id).setOffset(offset)
                    .setData(UnsafeByteOperations.unsafeWrap(bytes, off, n)).build(), last);
            off += n;
            len -= n;
        }
    }

    private DataChannel channel() throws IOException {
        lock.lock();
        try {
            if (channel != null) return channel;
        } finally {
            lock.unlock();
        }
        DataChannel opened = context.dataChannel(this);
        lock.lock();
        try {
            if (channel == null) {
                channel = opened;
                return opened;
            }
        } finally {
            lock.unlock();
        }
        opened.release();
        return channel;
    }

    /** The peer stopped receiving: the sending half ends, and writes fail with {@code applicationErrorCode}. */
    public void onStopSendingFromPeer(long applicationErrorCode) {
        DataChannel out;
        lock.lock();
        try {
            if (finSent || sendReset != null) return;
            sendReset = new StreamResetException(id, applicationErrorCode, true);
            out = channel;
            credit.signalAll();
        } finally {
            lock.unlock();
        }
        if (out != null) out.release();
        StreamLifecycleEvent.record(context.sessionId(), context.pathId(), id, Action.STOPPED_BY_PEER, applicationErrorCode);
        maybeReleased();
    }

    /** The full close: FIN, stop receiving, release at once. See {@link KwikStream#close()}. */
    @Override
    public void close() throws IOException {
        try {
            shutdownOutput();
        } finally {
            lock.lock();
            try {
                closed = true;
            } finally {
                lock.unlock();
            }
            shutdownInput();
        }
    }

    @Override
    public void shutdownInput() {
        boolean tellPeer;
        lock.lock();
        try {
            if (inputShut || endDelivered || receiveReset != null) {
                tellPeer = false;
            } else {
                inputShut = true;
                // a peer whose FIN arrived has nothing more to send: telling it to stop is moot
                tellPeer = finalSize < 0;
                buffer.clear();
                digests.clear();
                readable.signalAll();
            }
        } finally {
            lock.unlock();
        }
        if (tellPeer) {
            try {
                context.sendControl(ControlFrame.newBuilder().setStopSending(
                        StopSending.newBuilder().setLogicalStreamId(id).setErrorCode(STOP_SENDING_CODE)).build());
            } catch (IOException e) {
                // the session is failing; the peer's writes end with the connection
            }
            StreamLifecycleEvent.record(context.sessionId(), context.pathId(), id, Action.STOPPED_LOCALLY, STOP_SENDING_CODE);
        }
        maybeReleased();
    }

    @Override
    public void shutdownOutput() throws IOException {
        long size;
        lock.lock();
        try {
            if (finSent || sendReset != null) return;
            throwIfFailed();
            finSent = true;
            // reserved ranges end below the cursor, so the cursor already covers them
            size = Math.max(sendOffset, writtenEnd);
            finalOffset = size;
        } finally {
            lock.unlock();
        }
        DataChannel out = channel();
        out.send(DataFrame.newBuilder().setLogicalStreamId(id).setOffset(size).setFin(true).build());
        out.release();
        maybeReleased();
    }

    // ---------------------------------------------------------------- multi-source writes (docs/PROTOCOL.md 4.4)

    @Override
    public long reserve(long length) throws IOException {
        if (length < 0) throw new IllegalArgumentException("length must not be negative: " + length);
        if (!context.ownsServerWrites()) throw new UnsupportedOperationException("only the primary reserves ranges");
        lock.lock();
        try {
            if (sendReset != null) throw sendReset;
            if (finSent) throw new IOException("stream " + id + " is closed for writing");
            throwIfFailed();
            long start = sendOffset;
            if (start + length < start) throw new IllegalArgumentException("range overflows: " + length);
            sendOffset += length;
            return start;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void writeAt(long offset, ByteBuffer src) throws IOException {
        if (offset < 0) throw new IllegalArgumentException("offset must not be negative: " + offset);
        if (!context.ownsServerWrites()) {
            throw new UnsupportedOperationException("writeAt is for servers; the client writes with write()");
        }
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
        long position = offset;
        while (len > 0) {
            int n;
            boolean last;
            lock.lock();
            try {
                while (true) {
                    if (sendReset != null) throw sendReset;
                    if (finalOffset >= 0 && position + len > finalOffset) {
                        throw new KwikException(ErrorCode.OFFSET_MISMATCH,
                                "stream " + id + ": bytes up to " + (position + len) + " past its final size " + finalOffset);
                    }
                    throwIfFailed();
                    if (sendLimit > position) break;
                    credit.await();
                }
                n = (int) Math.min(Math.min(len, sendLimit - position), context.maxFrameData(id, position));
                writtenEnd = Math.max(writtenEnd, position + n);
                last = n == len || sendLimit <= position + n;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while writing stream " + id);
            } finally {
                lock.unlock();
            }
            channel().send(DataFrame.newBuilder().setLogicalStreamId(id).setOffset(position)
                    .setData(UnsafeByteOperations.unsafeWrap(bytes, off, n)).build(), last);
            position += n;
            off += n;
            len -= n;
        }
        src.position(src.limit());
    }

    @Override
    public CompletableFuture<Delegation> delegate(String pathId, long length, ByteBuffer instruction) {
        return delegate(pathId, length, instruction, null, false);
    }

    @Override
    public CompletableFuture<Delegation> delegate(String pathId, long length, ByteBuffer instruction, byte[] sha256) {
        Objects.requireNonNull(sha256, "sha256");
        return delegate(pathId, length, instruction, sha256.clone(), true);
    }

    private CompletableFuture<Delegation> delegate(String pathId, long length, ByteBuffer instruction, byte[] sha256,
                                                   boolean verified) {
        Objects.requireNonNull(pathId, "pathId");
        Objects.requireNonNull(instruction, "instruction");
        if (length < 1) throw new IllegalArgumentException("length must be at least 1: " + length);
        if (verified) {
            if (sha256.length != DigestRanges.SHA256_LENGTH) {
                throw new IllegalArgumentException("sha256 must be " + DigestRanges.SHA256_LENGTH + " bytes: " + sha256.length);
            }
            // the client holds a verified range whole before its reader passes it (DigestRanges)
            if (length > peerWindow / 2) {
                throw new IllegalArgumentException("a range with a digest may be at most half the client's stream window ("
                        + peerWindow / 2 + " bytes): " + length);
            }
        }
        if (!context.ownsServerWrites()) throw new UnsupportedOperationException("only the primary delegates ranges");
        long offset;
        try {
            offset = reserve(length);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
        return context.delegate(new Delegation(pathId, id, offset, length), instruction, sha256);
    }

    // ---------------------------------------------------------------- reset and failure

    @Override
    public void reset(long applicationErrorCode) {
        if (!endBothHalves(new StreamResetException(id, applicationErrorCode, false))) return;
        try {
            context.sendControl(ControlFrame.newBuilder().setStreamResetNotification(
                    StreamResetNotification.newBuilder().setLogicalStreamId(id).setErrorCode(applicationErrorCode)).build());
        } catch (IOException e) {
            // the session is failing; the peer learns of the reset from the connection closing
        }
        StreamLifecycleEvent.record(context.sessionId(), context.pathId(), id, Action.RESET_LOCALLY, applicationErrorCode);
        maybeReleased();
    }

    /** The peer reset the stream: both halves end at once. */
    public void onResetFromPeer(long applicationErrorCode) {
        if (!endBothHalves(new StreamResetException(id, applicationErrorCode, true))) return;
        StreamLifecycleEvent.record(context.sessionId(), context.pathId(), id, Action.RESET_BY_PEER, applicationErrorCode);
        maybeReleased();
    }

    /**
     * Ends whichever halves are still open with {@code cause}, drops what was buffered and wakes
     * every waiter; the real stream is let go after the lock is released.
     *
     * @return false when both halves had already been reset
     */
    private boolean endBothHalves(StreamResetException cause) {
        DataChannel out;
        lock.lock();
        try {
            if (sendReset != null && receiveReset != null) return false;
            if (sendReset == null) sendReset = cause;
            if (receiveReset == null) receiveReset = cause;
            buffer.clear();
            digests.clear();
            out = channel;
            readable.signalAll();
            credit.signalAll();
        } finally {
            lock.unlock();
        }
        if (out != null) out.release();
        return true;
    }

    /** Wakes every waiter so it sees the session's failure. */
    void onSessionFailed() {
        lock.lock();
        try {
            readable.signalAll();
            credit.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void throwIfFailed() throws KwikException {
        KwikException failure = context.failure();
        if (failure != null) throw new KwikException(failure.code(), "stream " + id + ": " + failure.getMessage(), failure);
    }

    private void maybeReleased() {
        lock.lock();
        try {
            boolean receiveDone = endDelivered || receiveReset != null || inputShut;
            boolean sendDone = finSent || sendReset != null;
            if (released || !receiveDone || !sendDone) return;
            released = true;
        } finally {
            lock.unlock();
        }
        context.released(this);
    }

    @Override
    public String toString() {
        return "LogicalStream[" + id + " on " + context.pathId() + "]";
    }

    private final class Input extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) return 0;
            return LogicalStream.this.read(null, b, off, len);
        }

        /** Stops receiving: {@link LogicalStream#shutdownInput()}. */
        @Override
        public void close() {
            shutdownInput();
        }

        @Override
        public int available() {
            lock.lock();
            try {
                return buffer.hasReadable() ? 1 : 0;
            } finally {
                lock.unlock();
            }
        }
    }

    private final class Output extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            LogicalStream.this.write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            LogicalStream.this.write(b, off, len);
        }

        /** The half-close: {@link LogicalStream#shutdownOutput()}. */
        @Override
        public void close() throws IOException {
            shutdownOutput();
        }
    }
}
