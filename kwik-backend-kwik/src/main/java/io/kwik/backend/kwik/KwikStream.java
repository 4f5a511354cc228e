package io.kwik.backend.kwik;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

import io.kwik.spi.ConnectionClosedException;
import io.kwik.spi.QuicStream;
import io.kwik.spi.StreamResetByPeerException;
import tech.kwik.core.StreamClosedException;

/**
 * A kwik stream seen through the SPI. Reads go straight to kwik's blocking stream; writes
 * too, except that the last byte of each write is held back for at most 1 ms to work around
 * kwik 0.10.8's lost send wake-up ({@link SendRearmer}). Only the failures are translated:
 *
 * <ul>
 *   <li>kwik's "Stream reset by peer" becomes {@link StreamResetByPeerException} with the code the
 *       peer's RESET_STREAM carried (captured by {@link KwikLogBridge}).</li>
 *   <li>A write on a stream kwik reset because the peer sent STOP_SENDING becomes
 *       {@link StreamResetByPeerException} with the STOP_SENDING code.</li>
 *   <li>Any failure once the connection is gone becomes {@link ConnectionClosedException}.</li>
 * </ul>
 */
final class KwikStream implements QuicStream {

    private static final System.Logger LOG = System.getLogger(KwikStream.class.getName());

    private final tech.kwik.core.QuicStream stream;
    private final KwikConnection connection;
    private final InputStream input;
    private final OutputStream output;
    private volatile long stopSendingCode = -1;

    /** The end-of-connection marker of the accept queue. */
    KwikStream() {
        this.stream = null;
        this.connection = null;
        this.input = InputStream.nullInputStream();
        this.output = OutputStream.nullOutputStream();
    }

    KwikStream(tech.kwik.core.QuicStream stream, KwikConnection connection) {
        this.stream = Objects.requireNonNull(stream);
        this.connection = Objects.requireNonNull(connection);
        this.input = new Input(stream.getInputStream());
        this.output = new Output(stream.getOutputStream());
    }

    @Override
    public long id() {
        return stream.getStreamId();
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
        stream.resetStream(applicationErrorCode);
    }

    @Override
    public void stopSending(long applicationErrorCode) {
        stream.abortReading(applicationErrorCode);
    }

    @Override
    public String toString() {
        return stream == null ? "KwikStream[end]" : "KwikStream[" + connection.label() + " #" + id() + "]";
    }

    /**
     * kwik wakes a blocked reader by interrupting its thread when the stream is reset or the
     * connection aborted; the flag it may leave behind is cleared along with the translation.
     */
    private IOException translateRead(IOException failure) {
        String message = String.valueOf(failure.getMessage());
        if (failure instanceof StreamClosedException) {
            Thread.interrupted();
        }
        if (failure instanceof StreamClosedException && message.contains("reset by peer")) {
            StreamResetByPeerException reset = new StreamResetByPeerException(connection.takeResetCode(id()));
            reset.initCause(failure);
            return reset;
        }
        return connectionFailure(failure);
    }

    private IOException translateWrite(IOException failure) {
        if (connection.closed().isDone() || String.valueOf(failure.getMessage()).contains("connection is closed")) {
            return connectionFailure(failure);
        }
        long code = stopSendingCode >= 0 ? stopSendingCode : connection.takeStopSendingCode(id());
        if (code >= 0) {
            stopSendingCode = code;
            StreamResetByPeerException reset = new StreamResetByPeerException(code);
            reset.initCause(failure);
            return reset;
        }
        return failure;
    }

    private IOException connectionFailure(IOException failure) {
        String message = String.valueOf(failure.getMessage());
        boolean connectionGone = connection.closed().isDone() || message.contains("Connection closed")
                || message.contains("aborted") || message.contains("connection is closed");
        if (!connectionGone) {
            return failure;
        }
        connection.abortObserved();
        ConnectionClosedException closed = new ConnectionClosedException(connection.closeCause());
        closed.initCause(failure);
        return closed;
    }

    private final class Input extends InputStream {
        private final InputStream delegate;

        Input(InputStream delegate) {
            this.delegate = delegate;
        }

        @Override
        public int read() throws IOException {
            try {
                return delegate.read();
            } catch (IOException e) {
                throw translateRead(e);
            }
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            Objects.checkFromIndexSize(offset, length, buffer.length);
            try {
                return delegate.read(buffer, offset, length);
            } catch (IOException e) {
                throw translateRead(e);
            }
        }

        @Override
        public int available() throws IOException {
            try {
                return delegate.available();
            } catch (IOException e) {
                throw translateRead(e);
            }
        }

        @Override
        public void close() throws IOException {
            delegate.close();
        }
    }

    /**
     * The output side: hands kwik all but the last byte of each write at once and holds that
     * byte back for at most {@link SendRearmer#TAIL_DELAY_NANOS}, so a later 1-byte write
     * re-queues kwik's send request if the earlier write lost it (kwik 0.10.8's lost wake-up;
     * see {@link SendRearmer}); before that byte goes out on its own, zero-length writes re-arm
     * the stream until kwik has taken the rest ({@link #drainBeforeTail()}). {@code dataLock}
     * orders every data write, the drain, the release of the held byte and the close;
     * {@code rearmLock} orders the zero-length re-arm of a blocked writer with the close, so no
     * empty buffer lands behind kwik's end-of-stream marker.
     */
    private final class Output extends OutputStream implements SendRearmer.Target {
        private static final byte[] NOTHING = new byte[0];
        private static final int COMBINE_LIMIT = 1024;
        /** One re-arm per this many bytes handed to kwik since the last drain (a frame carries more). */
        private static final int REARM_BYTES = 1024;
        /** Re-arms on top of one per {@link #REARM_BYTES}. */
        private static final int REARM_EXTRA = 2;
        /** At most this many re-arms per drain: kwik 0.10.8 buffers at most 50 KiB per stream. */
        private static final int REARM_MAX = 50 + REARM_EXTRA;
        /** The pause after each re-arm, so kwik's sender takes the request before the next one. */
        private static final long REARM_SPACING_NANOS = 200_000;

        private final OutputStream delegate;
        private final ReentrantLock dataLock = new ReentrantLock();
        private final Object rearmLock = new Object();
        private volatile boolean closed;
        private int tail = -1;
        private long tailSince;
        private boolean releasePending;
        private long sinceDrain;

        Output(OutputStream delegate) {
            this.delegate = delegate;
        }

        @Override
        public void write(int value) throws IOException {
            write(new byte[] {(byte) value}, 0, 1);
        }

        @Override
        public void write(byte[] buffer, int offset, int length) throws IOException {
            Objects.checkFromIndexSize(offset, length, buffer.length);
            dataLock.lock();
            try {
                if (closed) {
                    throw translateWrite(new IOException("output stream already closed"));
                }
                if (length == 0) {
                    return;
                }
                connection.localActivity();
                int held = tail;
                tail = -1;
                if (held >= 0 && length <= COMBINE_LIMIT) {
                    byte[] combined = new byte[length];
                    combined[0] = (byte) held;
                    System.arraycopy(buffer, offset, combined, 1, length - 1);
                    kwikWrite(combined, 0, length);
                } else {
                    if (held >= 0) {
                        kwikWrite(new byte[] {(byte) held}, 0, 1);
                    }
                    if (length > 1) {
                        kwikWrite(buffer, offset, length - 1);
                    }
                }
                sinceDrain += length;
                tail = buffer[offset + length - 1] & 0xff;
                tailSince = System.nanoTime();
                if (!releasePending) {
                    releasePending = true;
                    SendRearmer.later(this::releaseTail, SendRearmer.TAIL_DELAY_NANOS);
                }
            } finally {
                dataLock.unlock();
            }
        }

        /** Hands the held-back byte to kwik once it is old enough (virtual thread, from {@link SendRearmer}). */
        private void releaseTail() {
            if (!dataLock.tryLock()) {
                SendRearmer.later(this::releaseTail, SendRearmer.TAIL_DELAY_NANOS);
                return;
            }
            try {
                if (tail < 0 || closed) {
                    releasePending = false;
                    return;
                }
                long wait = tailSince + SendRearmer.TAIL_DELAY_NANOS - System.nanoTime();
                if (wait > 0) {
                    SendRearmer.later(this::releaseTail, wait);
                    return;
                }
                releasePending = false;
                int held = tail;
                tail = -1;
                drainBeforeTail();
                kwikWrite(new byte[] {(byte) held}, 0, 1);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, () -> KwikStream.this + ": releasing the last byte failed: " + e);
            } finally {
                dataLock.unlock();
            }
        }

        private void kwikWrite(byte[] buffer, int offset, int length) throws IOException {
            SendRearmer.Writing writing = SendRearmer.enter(this);
            try {
                delegate.write(buffer, offset, length);
            } catch (InterruptedIOException e) {
                throw interrupted(e);
            } catch (IOException e) {
                throw translateWrite(e);
            } finally {
                synchronized (rearmLock) {
                    SendRearmer.exit(writing);
                }
            }
        }

        @Override
        public void rearm(SendRearmer.Writing writing) {
            synchronized (rearmLock) {
                if (closed || !SendRearmer.inProgress(writing)) {
                    return;
                }
                try {
                    delegate.write(NOTHING, 0, 0);
                } catch (IOException | RuntimeException e) {
                    LOG.log(System.Logger.Level.TRACE, () -> "re-arming a kwik stream failed: " + e);
                }
            }
        }

        /** Checks the stream's state only; the held-back byte stays held (see {@link SendRearmer}). */
        @Override
        public void flush() throws IOException {
            try {
                delegate.flush();
            } catch (IOException e) {
                throw translateWrite(e);
            }
        }

        /**
         * Drains ({@link #drainBeforeTail()}), writes the held-back byte, then closes kwik's
         * stream. A failure of that last write (the stream was reset or the connection is gone)
         * does not fail the close, as kwik's own close does not either.
         */
        @Override
        public void close() throws IOException {
            dataLock.lock();
            try {
                if (closed) {
                    return;
                }
                connection.localActivity();
                int held = tail;
                tail = -1;
                if (held >= 0) {
                    drainBeforeTail();
                    try {
                        kwikWrite(new byte[] {(byte) held}, 0, 1);
                    } catch (IOException e) {
                        LOG.log(System.Logger.Level.DEBUG, () -> KwikStream.this + ": last byte before close failed: " + e);
                    }
                }
                synchronized (rearmLock) {
                    closed = true;
                    delegate.close();
                }
            } catch (IOException e) {
                throw translateWrite(e);
            } finally {
                dataLock.unlock();
            }
        }

        /**
         * Re-arms kwik's send request with zero-length writes, one per {@link #REARM_BYTES} handed
         * to kwik since the last drain plus {@link #REARM_EXTRA}, {@link #REARM_SPACING_NANOS}
         * apart, and for at least {@link SendRearmer#TAIL_DELAY_NANOS} after the last write. Called
         * with {@code dataLock} held, just before the held-back byte goes to kwik: that byte
         * follows the empty buffers, so they cannot hold back the FIN. A re-arm that finds the
         * request lost queues a new one, which sends at least one frame even if kwik loses it
         * again; a re-arm that finds a request queued does nothing. So the data left in kwik when
         * the held byte and the close follow is at most a frame, and their own requests have
         * nothing left that they could strand.
         */
        private void drainBeforeTail() {
            long rearms = Math.min(REARM_MAX, REARM_EXTRA + (sinceDrain + REARM_BYTES - 1) / REARM_BYTES);
            sinceDrain = 0;
            for (long done = 0; done < rearms || System.nanoTime() - tailSince < SendRearmer.TAIL_DELAY_NANOS; done++) {
                try {
                    delegate.write(NOTHING, 0, 0);
                } catch (IOException | RuntimeException e) {
                    return;
                }
                LockSupport.parkNanos(REARM_SPACING_NANOS);
            }
        }

        /**
         * kwik wakes a blocked writer with an interrupt when the stream is reset or the
         * connection aborted, and reports it as {@link InterruptedIOException}; a genuine
         * interrupt of the caller stays an {@link InterruptedIOException}.
         */
        private IOException interrupted(InterruptedIOException e) {
            IOException translated = translateWrite(e);
            if (translated != e) {
                Thread.interrupted();
            }
            return translated;
        }
    }
}
