package io.kwik.backend.netty;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import io.kwik.spi.ConnectionClose;
import io.kwik.spi.ConnectionClosedException;
import io.kwik.spi.QuicStream;
import io.kwik.spi.StreamResetByPeerException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelOutputShutdownException;
import io.netty.handler.codec.quic.DefaultQuicStreamFrame;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamFrame;
import io.netty.handler.codec.quic.QuicStreamResetException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;

/**
 * One bidirectional QUIC stream: a Netty {@link QuicStreamChannel} behind blocking streams.
 *
 * <h2>Inbound back-pressure</h2>
 * The channel runs with {@code AUTO_READ} off, so quiche keeps whatever is not read in its
 * own stream buffer, which the peer cannot overrun (flow control), and grants the peer more
 * credit only as this class reads. One {@code read()} request yields one buffer (at most
 * 64 KiB). The event loop asks for the next one only while fewer than
 * {@link #INBOUND_HIGH_WATER} bytes wait here, and otherwise pauses; a reader that drains a
 * paused stream's queue below {@link #INBOUND_LOW_WATER} schedules one {@code read()} on the
 * event loop. While the event loop keeps reading, a reader hands it nothing, so a stream that
 * keeps up costs no task per read. So this queue holds
 * at most {@code INBOUND_HIGH_WATER + 64 KiB}, and the memory of a stream is bounded by that
 * plus quiche's window.
 *
 * <h2>Outbound back-pressure</h2>
 * Every write is copied into direct buffers of at most {@link #WRITE_CHUNK} bytes. Netty
 * queues writes that quiche cannot take yet in an unbounded queue, so this class counts the
 * bytes whose write has not completed and blocks the writer while they exceed
 * {@link #OUTBOUND_LIMIT}. quiche takes bytes only within the peer's flow control credit, so
 * the writer blocks exactly as long as the peer does not read. Buffers reach the event loop
 * through a queue of this class: the first buffer after the event loop has drained it schedules
 * one task, and every buffer handed over before that task runs joins it, so a writer that is
 * ahead of the event loop costs one task and one flush per batch, not one
 * {@code writeAndFlush} per buffer. That queue holds only counted bytes, so it is bounded by the
 * same limit.
 *
 * <h2>FIN, and the one buffer held back</h2>
 * The quiche inside Netty 4.2.18 never retransmits a STREAM frame that carries only the FIN
 * (no data) once the bytes before it are acknowledged: it counts the sending side complete
 * when its bytes are acknowledged, whether or not the frame with the FIN was, so the peer's
 * reader waits for the end of the stream until the idle timeout (cloudflare/quiche#2525; the
 * proposed fix, #2665, is not released). The TCK's lossy
 * transfer hit this: the answer arrived, its FIN-only frame was lost, and a qlog showed no
 * retransmission in the 30 s before the idle timeout. So the FIN travels with data whenever
 * it can: the last buffer of every {@code write} is held back until the next {@code write},
 * {@code flush()} or {@code close()}, and {@code close()} sends it in one frame with the FIN.
 * Only a {@code close()} with nothing held back (nothing written since the last
 * {@code flush()}, or no data at all) sends a FIN-only frame. This is why {@code flush()} is
 * required before waiting for the peer, as the SPI says.
 *
 * <p>{@code QuicStreamChannel.shutdownOutput()} must not be used for the FIN: it hands the FIN
 * to quiche at once, ahead of writes still queued in Netty, which are then dropped (the
 * prototype lost 49,827 bytes of 64 MiB this way).
 */
final class NettyStream implements QuicStream {

    private static final System.Logger LOG = System.getLogger(NettyStream.class.getName());

    /** The event loop stops reading from quiche while this many bytes wait for the reader. */
    static final int INBOUND_HIGH_WATER = 256 * 1024;

    /** A reader that leaves fewer than this many bytes asks a paused event loop to read again. */
    static final int INBOUND_LOW_WATER = INBOUND_HIGH_WATER / 2;

    /** A writer blocks while this many bytes are handed to Netty and not taken by quiche. */
    static final int OUTBOUND_LIMIT = 256 * 1024;

    /** Writes are cut into buffers of at most this size. */
    static final int WRITE_CHUNK = 64 * 1024;

    /** The code reported for a peer's STOP_SENDING: Netty 4.2.18 does not expose its code. */
    static final long UNKNOWN_ERROR_CODE = -1;

    private final NettyConnection connection;
    private final QuicStreamChannel channel;
    private final Input input = new Input();
    private final Output output = new Output();
    private final Handler handler = new Handler();

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<ByteBuf> inbound = new ArrayDeque<>();
    private int inboundBytes;
    private boolean finReceived;
    private boolean resetReceived;
    private long resetCode;
    private boolean inputStopped;
    private IOException inboundFailure;
    private boolean channelClosed;
    private long outboundPending;
    /** The last buffer written, not yet handed to the channel, so that a FIN can travel with it; counted in {@link #outboundPending}. */
    private ByteBuf heldBack;
    private boolean outputClosed;
    private boolean outputReset;
    private IOException outboundFailure;
    /** The event loop stopped requesting reads because the queue reached {@link #INBOUND_HIGH_WATER}. */
    private boolean readPaused;

    private final AtomicBoolean readScheduled = new AtomicBoolean();
    /** Buffers and FIN frames handed over in order and not yet given to the channel; guarded by {@link #lock}. */
    private final ArrayDeque<Object> toWrite = new ArrayDeque<>();
    /** A drain of {@link #toWrite} is scheduled on the event loop and has not started; guarded by {@link #lock}. */
    private boolean drainScheduled;

    /** Event-loop confined: drains of {@link #toWrite} run so far (a test counts the tasks a batch cost). */
    private long drains;

    /** Event-loop confined: a {@code read()} is outstanding. */
    private boolean readRequested;

    NettyStream(NettyConnection connection, QuicStreamChannel channel) {
        this.connection = connection;
        this.channel = channel;
    }

    /** The channel's event loop (tests). */
    io.netty.channel.EventLoop eventLoop() {
        return channel.eventLoop();
    }

    /** Drains of the outbound queue run so far; read it on {@link #eventLoop()} (tests). */
    long drains() {
        return drains;
    }

    /** The handler to put in the stream channel's pipeline. */
    ChannelInboundHandlerAdapter handler() {
        return handler;
    }

    @Override
    public long id() {
        return channel.streamId();
    }

    @Override
    public InputStream input() {
        return input;
    }

    @Override
    public OutputStream output() {
        return output;
    }

    @Override
    public void reset(long applicationErrorCode) {
        int code = NettyConnection.toNettyCode(applicationErrorCode);
        lock.lock();
        try {
            if (outputReset) return;
            outputReset = true;
            dropHeldBack();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (channelUsable()) channel.shutdownOutput(code).addListener(f -> logFailure("reset", f));
    }

    @Override
    public void stopSending(long applicationErrorCode) {
        int code = NettyConnection.toNettyCode(applicationErrorCode);
        boolean send;
        lock.lock();
        try {
            if (inputStopped) return;
            inputStopped = true;
            send = !finReceived && !resetReceived;
            releaseInbound();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (send && channelUsable()) channel.shutdownInput(code).addListener(f -> logFailure("stop sending", f));
    }

    /**
     * Whether a frame can still be handed to the channel. After the channel closed, or once its
     * event loop is shutting down, there is no one to send it, and Netty would only log that it
     * could not run the write's listener.
     */
    private boolean channelUsable() {
        lock.lock();
        try {
            if (channelClosed) return false;
        } finally {
            lock.unlock();
        }
        return !channel.eventLoop().isShuttingDown();
    }

    /**
     * Names the stream and the state of both directions, so that a test failure shows where
     * bytes stopped. {@code readRequested} is read outside the event loop, which is good enough
     * for a diagnostic.
     */
    @Override
    public String toString() {
        lock.lock();
        try {
            return "netty stream " + channel.streamId() + " of " + connection
                    + " [in: " + inboundBytes + " B queued" + (finReceived ? ", FIN" : "") + (resetReceived ? ", reset" : "")
                    + (inputStopped ? ", stopped" : "") + (readPaused ? ", paused" : "")
                    + (readRequested ? ", read requested" : "")
                    + "; out: " + outboundPending + " B pending"
                    + (heldBack != null ? " (" + heldBack.readableBytes() + " B held back)" : "")
                    + (outputClosed ? ", FIN written" : "")
                    + (outputReset ? ", reset" : "") + (outboundFailure != null ? ", failed: " + outboundFailure : "")
                    + "; channel: " + (channelClosed ? "closed" : channel.isActive() ? "active" : "inactive")
                    + (channel.isWritable() ? "" : ", not writable") + "]";
        } finally {
            lock.unlock();
        }
    }

    private void logFailure(String what, Future<?> future) {
        if (!future.isSuccess())
            LOG.log(Level.DEBUG, () -> what + " on " + this + " failed: " + future.cause());
    }

    /** Called with the lock held: forgets the held-back buffer, which will never be sent. */
    private void dropHeldBack() {
        if (heldBack == null) return;
        outboundPending -= heldBack.readableBytes();
        heldBack.release();
        heldBack = null;
    }

    /** Called with the lock held. */
    private void releaseInbound() {
        ByteBuf buffer;
        while ((buffer = inbound.poll()) != null) buffer.release();
        inboundBytes = 0;
    }

    /** Why this stream can no longer carry data, when the channel is closed. */
    private IOException closedException() {
        ConnectionClose close = connection.closeInfo();
        if (close != null) return new ConnectionClosedException(close);
        return new IOException("stream " + channel.streamId() + " is closed");
    }

    private IOException writeFailure(Throwable cause) {
        if (cause instanceof ChannelOutputShutdownException && String.valueOf(cause.getMessage()).contains("STOP_SENDING"))
            return new StreamResetByPeerException(UNKNOWN_ERROR_CODE);
        if (cause instanceof ClosedChannelException) return closedException();
        if (cause instanceof IOException io) return io;
        return new IOException("write on stream " + channel.streamId() + " failed: " + cause, cause);
    }

    /** From any thread: asks the event loop to read again, once at a time. */
    private void scheduleRead() {
        if (!readScheduled.compareAndSet(false, true)) return;
        try {
            channel.eventLoop().execute(this::readIfRoom);
        } catch (RejectedExecutionException e) {
            readScheduled.set(false);
        }
    }

    /** Event loop: requests the next buffer when the queue has room. */
    private void readIfRoom() {
        readScheduled.set(false);
        if (readRequested || !channel.isActive()) return;
        lock.lock();
        try {
            if (finReceived || resetReceived || inputStopped) return;
            if (inboundBytes >= INBOUND_HIGH_WATER) {
                readPaused = true;
                return;
            }
        } finally {
            lock.unlock();
        }
        readRequested = true;
        channel.read();
    }

    /** The channel's pipeline end; runs on the event loop only. */
    private final class Handler extends ChannelInboundHandlerAdapter {

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (!readRequested) {
                readRequested = true;
                ctx.read();
            }
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            readRequested = false;
            if (!(msg instanceof QuicStreamFrame frame)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            ByteBuf data = frame.content();
            boolean fin = frame.hasFin();
            boolean room;
            lock.lock();
            try {
                if (resetReceived || inputStopped || !data.isReadable()) {
                    data.release();
                } else {
                    inbound.add(data);
                    inboundBytes += data.readableBytes();
                }
                if (fin) finReceived = true;
                changed.signalAll();
                room = !finReceived && !resetReceived && !inputStopped && inboundBytes < INBOUND_HIGH_WATER;
                if (!room && !finReceived && !resetReceived && !inputStopped) readPaused = true;
            } finally {
                lock.unlock();
            }
            if (room) {
                readRequested = true;
                ctx.read();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof ChannelInputShutdownEvent) {
                lock.lock();
                try {
                    finReceived = true;
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
            }
            ReferenceCountUtil.release(event);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            lock.lock();
            try {
                if (cause instanceof QuicStreamResetException reset) {
                    resetReceived = true;
                    resetCode = reset.applicationProtocolCode();
                    releaseInbound();
                } else if (inboundFailure == null) {
                    inboundFailure = cause instanceof IOException io ? io
                            : new IOException("stream " + channel.streamId() + " failed: " + cause, cause);
                }
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            LOG.log(Level.DEBUG, () -> "stream " + channel.streamId() + ": " + cause);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            lock.lock();
            try {
                channelClosed = true;
                dropHeldBack();
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            ctx.fireChannelInactive();
        }
    }

    /** The blocking receive side. */
    private final class Input extends InputStream {

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) return 0;
            int copied = 0;
            boolean wantMore;
            lock.lock();
            try {
                while (true) {
                    if (resetReceived) throw new StreamResetByPeerException(resetCode);
                    if (!inbound.isEmpty()) break;
                    if (finReceived || inputStopped) return -1;
                    if (inboundFailure != null) throw inboundFailure;
                    if (channelClosed) throw closedException();
                    try {
                        changed.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted while reading stream " + channel.streamId());
                    }
                }
                while (copied < len && !inbound.isEmpty()) {
                    ByteBuf head = inbound.peek();
                    int n = Math.min(len - copied, head.readableBytes());
                    head.readBytes(b, off + copied, n);
                    copied += n;
                    if (!head.isReadable()) inbound.poll().release();
                }
                inboundBytes -= copied;
                wantMore = readPaused && inboundBytes < INBOUND_LOW_WATER;
                if (wantMore) readPaused = false;
            } finally {
                lock.unlock();
            }
            if (wantMore) scheduleRead();
            return copied;
        }

        @Override
        public int available() {
            lock.lock();
            try {
                return inboundBytes;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() {
            stopSending(0);
        }
    }

    /** The blocking send side. */
    private final class Output extends OutputStream {

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            while (len > 0) {
                int n = Math.min(len, WRITE_CHUNK);
                reserve(n);
                ByteBuf buffer = channel.alloc().directBuffer(n, n);
                buffer.writeBytes(b, off, n);
                holdBack(buffer);
                off += n;
                len -= n;
            }
        }

        /**
         * Hands the buffer held back so far to the channel and holds back {@code buffer}
         * instead. Hand-overs happen under the lock, so they reach the channel in order
         * whichever thread makes them.
         */
        private void holdBack(ByteBuf buffer) throws IOException {
            lock.lock();
            try {
                try {
                    checkWritable();
                } catch (IOException e) {
                    outboundPending -= buffer.readableBytes();
                    buffer.release();
                    changed.signalAll();
                    throw e;
                }
                ByteBuf previous = heldBack;
                heldBack = buffer;
                if (previous != null) send(previous, false);
            } finally {
                lock.unlock();
            }
        }

        /**
         * Called with the lock held: queues {@code buffer}, which is counted in
         * {@link #outboundPending}, for the event loop. Buffers handed over while a drain is
         * scheduled and not yet run join that drain, so a writer that is ahead of the event loop
         * costs one task and one flush per batch instead of one {@code writeAndFlush} task per
         * buffer. The queue is bounded by {@link #OUTBOUND_LIMIT}: every buffer in it is counted
         * in {@link #outboundPending} until its write completes.
         */
        private void send(ByteBuf buffer, boolean fin) {
            toWrite.add(fin ? new DefaultQuicStreamFrame(buffer, true) : buffer);
            if (drainScheduled) return;
            drainScheduled = true;
            try {
                channel.eventLoop().execute(this::drain);
            } catch (RejectedExecutionException e) {
                // the event loop is shutting down: nothing queued will be written
                drainScheduled = false;
                dropQueued(closedException());
            }
        }

        /** Called with the lock held: forgets what was queued and not yet handed to the channel. */
        private void dropQueued(IOException why) {
            Object message;
            while ((message = toWrite.poll()) != null) {
                outboundPending -= size(message);
                ReferenceCountUtil.release(message);
            }
            if (outboundFailure == null && !outputReset) outboundFailure = why;
            changed.signalAll();
        }

        /** The bytes of a queued buffer or frame. */
        private static int size(Object message) {
            return message instanceof QuicStreamFrame frame ? frame.content().readableBytes() : ((ByteBuf) message).readableBytes();
        }

        /** Event loop: writes everything queued so far, then flushes once. */
        private void drain() {
            drains++;
            Object[] batch;
            lock.lock();
            try {
                drainScheduled = false;
                batch = toWrite.toArray();
                toWrite.clear();
            } finally {
                lock.unlock();
            }
            for (Object message : batch) {
                boolean fin = message instanceof QuicStreamFrame;
                int n = size(message);
                channel.write(message).addListener(f -> {
                    written(n, f);
                    if (fin) logFailure("FIN", f);
                });
            }
            channel.flush();
        }

        /** Blocks until {@code n} more bytes fit under {@link #OUTBOUND_LIMIT}, then counts them. */
        private void reserve(int n) throws IOException {
            lock.lock();
            try {
                while (true) {
                    checkWritable();
                    if (outboundPending == 0 || outboundPending + n <= OUTBOUND_LIMIT) {
                        outboundPending += n;
                        return;
                    }
                    try {
                        changed.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted while writing stream " + channel.streamId());
                    }
                }
            } finally {
                lock.unlock();
            }
        }

        /** Called with the lock held. */
        private void checkWritable() throws IOException {
            if (outputReset) throw new IOException("stream " + channel.streamId() + " was reset");
            if (outputClosed) throw new IOException("stream " + channel.streamId() + " output is closed");
            if (outboundFailure != null) throw outboundFailure;
            if (channelClosed) throw closedException();
        }

        private void written(int n, Future<?> future) {
            lock.lock();
            try {
                outboundPending -= n;
                if (!future.isSuccess() && outboundFailure == null && !outputReset)
                    outboundFailure = writeFailure(future.cause());
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void flush() throws IOException {
            lock.lock();
            try {
                if (outboundFailure != null) throw outboundFailure;
                ByteBuf held = heldBack;
                heldBack = null;
                if (held != null) send(held, false);
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() {
            lock.lock();
            try {
                if (outputClosed || outputReset) return;
                outputClosed = true;
                changed.signalAll();
                if (!channelUsable()) {
                    dropHeldBack();
                } else if (heldBack != null) {
                    ByteBuf held = heldBack;
                    heldBack = null;
                    send(held, true);
                } else {
                    send(Unpooled.EMPTY_BUFFER, true);
                }
            } finally {
                lock.unlock();
            }
        }
    }
}
