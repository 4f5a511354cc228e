package io.kwik.engine.session;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.MessageLite;

import io.kwik.proto.DataFrame;
import io.kwik.proto.DataPacket;
import io.kwik.spi.ClientTransportConfig;
import io.kwik.spi.ConnectionClose;
import io.kwik.spi.ConnectionClosedException;
import io.kwik.spi.QuicConnection;
import io.kwik.spi.QuicServer;
import io.kwik.spi.QuicStream;
import io.kwik.spi.QuicTransport;
import io.kwik.spi.ServerTransportConfig;
import io.kwik.spi.TransportStats;

/**
 * A hostile peer played from a script, for fuzzing a session's handlers without a network: a
 * {@link QuicTransport} whose connections hand the engine the script's bytes on their control
 * stream and on up to {@link #SLOTS} data streams, and swallow whatever the engine writes.
 *
 * <p>The script is a sequence of records: a tag byte, a two-byte big-endian length and that many
 * bytes (fewer at the end of the input). The tag's low three bits, modulo 5, say what the bytes
 * are: 0 a message for the control stream (the peer adds its varint length), 1 raw bytes for the
 * control stream, 2 a message for data stream {@code (tag >> 3) & 3} (length added), 3 raw bytes
 * for that data stream, 4 the start of the next connection's script. Connection 0 is the one the
 * engine dials or accepts first; connection {@code i > 0} answers a dial to port
 * {@link #PORT_BASE}{@code  + i} (a secondary the client joins). A data stream's first message
 * must be its {@code StreamHeader}, as on the wire.
 *
 * <p>To make a run repeatable, a connection's data streams give their bytes only after the
 * engine has handled every control message (it asked the control stream for more), and the
 * control stream ends only after every data stream was read to its end: a path's control
 * reader and its data readers are separate threads. Just before the control stream ends (the
 * engine then fails the path: "the peer ended the control stream"), the connection runs the
 * hook set with {@link ScriptedConnection#beforeControlEnds}, when the session holds everything
 * the script sent it.
 */
final class ScriptedPeer {
    static final int OP_CONTROL = 0;
    static final int OP_CONTROL_RAW = 1;
    static final int OP_DATA = 2;
    static final int OP_DATA_RAW = 3;
    static final int OP_NEXT_CONNECTION = 4;
    static final int SLOTS = 4;
    static final int MAX_CONNECTIONS = 4;
    static final int PORT_BASE = 4430;
    /**
     * How long any wait of the peer lasts at most; longer is a hang in the engine. Generous: a
     * fuzzing run under {@code nice -n 19} on a loaded machine gets little CPU.
     */
    static final Duration PATIENCE = Duration.ofSeconds(60);

    private ScriptedPeer() {}

    /** What one connection's peer sends. */
    static final class ConnectionScript {
        final ByteArrayOutputStream control = new ByteArrayOutputStream();
        final ByteArrayOutputStream[] data = new ByteArrayOutputStream[SLOTS];

        ConnectionScript() {
            for (int i = 0; i < SLOTS; i++) data[i] = new ByteArrayOutputStream();
        }

        /** Logical stream ids of the data frames this script sends, where its messages parse (at most 256). */
        List<Long> streamIds() {
            List<Long> ids = new ArrayList<>();
            for (ByteArrayOutputStream slot : data) {
                CodedInputStream in = CodedInputStream.newInstance(slot.toByteArray());
                try {
                    // the first message is the stream's header
                    boolean header = true;
                    while (!in.isAtEnd() && ids.size() < 256) {
                        byte[] message = in.readByteArray();
                        if (header) {
                            header = false;
                            continue;
                        }
                        for (DataFrame frame : DataPacket.parseFrom(message).getFramesList()) {
                            if (!ids.contains(frame.getLogicalStreamId())) ids.add(frame.getLogicalStreamId());
                        }
                    }
                } catch (IOException e) {
                    // the rest of the slot is malformed: the engine refuses it
                }
            }
            return ids;
        }
    }

    /** Splits fuzzer input into the scripts of up to {@link #MAX_CONNECTIONS} connections. */
    static List<ConnectionScript> parse(byte[] input) {
        List<ConnectionScript> scripts = new ArrayList<>();
        ConnectionScript current = new ConnectionScript();
        scripts.add(current);
        int at = 0;
        while (at < input.length) {
            int tag = input[at] & 0xff;
            int length = at + 2 < input.length ? ((input[at + 1] & 0xff) << 8) | (input[at + 2] & 0xff) : 0;
            at = Math.min(input.length, at + 3);
            int end = Math.min(input.length, at + length);
            int op = (tag & 7) % 5;
            int slot = (tag >> 3) & 3;
            switch (op) {
                case OP_CONTROL -> delimited(current.control, input, at, end);
                case OP_CONTROL_RAW -> current.control.write(input, at, end - at);
                case OP_DATA -> delimited(current.data[slot], input, at, end);
                case OP_DATA_RAW -> current.data[slot].write(input, at, end - at);
                default -> {
                    if (scripts.size() < MAX_CONNECTIONS) {
                        current = new ConnectionScript();
                        scripts.add(current);
                    }
                }
            }
            at = end;
        }
        return scripts;
    }

    private static void delimited(ByteArrayOutputStream out, byte[] input, int from, int to) {
        int length = to - from;
        while ((length & ~0x7f) != 0) {
            out.write((length & 0x7f) | 0x80);
            length >>>= 7;
        }
        out.write(length);
        out.write(input, from, to - from);
    }

    /** Writes scripts: the seed corpus is made with it. */
    static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Writer control(MessageLite message) {
            return record(OP_CONTROL, 0, message.toByteArray());
        }

        Writer controlRaw(byte[] bytes) {
            return record(OP_CONTROL_RAW, 0, bytes);
        }

        Writer data(int slot, MessageLite message) {
            return record(OP_DATA, slot, message.toByteArray());
        }

        Writer dataRaw(int slot, byte[] bytes) {
            return record(OP_DATA_RAW, slot, bytes);
        }

        Writer nextConnection() {
            return record(OP_NEXT_CONNECTION, 0, new byte[0]);
        }

        private Writer record(int op, int slot, byte[] bytes) {
            if (bytes.length > 0xffff) throw new IllegalArgumentException("record of " + bytes.length + " bytes");
            out.write(op | slot << 3);
            out.write(bytes.length >> 8);
            out.write(bytes.length & 0xff);
            out.writeBytes(bytes);
            return this;
        }

        byte[] toBytes() {
            return out.toByteArray();
        }
    }

    /** Virtual threads that are counted, joined and whose uncaught failures are kept. */
    static final class Threads implements ThreadFactory {
        private final Queue<Thread> started = new ConcurrentLinkedQueue<>();
        final Queue<Throwable> uncaught = new ConcurrentLinkedQueue<>();

        @Override
        public Thread newThread(Runnable body) {
            Thread thread = Thread.ofVirtual().unstarted(body);
            thread.setUncaughtExceptionHandler((t, e) -> uncaught.add(e));
            started.add(thread);
            return thread;
        }

        /** Where every thread still alive is now: its name and its top frames, for a failure's message. */
        String whereAlive() {
            StringBuilder where = new StringBuilder();
            for (Thread thread : started) {
                if (!thread.isAlive()) continue;
                where.append("\n  ").append(thread.getName().isEmpty() ? thread.toString() : thread.getName());
                StackTraceElement[] frames = thread.getStackTrace();
                for (int i = 0; i < Math.min(12, frames.length); i++) where.append("\n      at ").append(frames[i]);
            }
            return where.toString();
        }

        /** The names of the threads still alive after waiting up to {@code patience} for all of them. */
        List<String> awaitAll(Duration patience) throws InterruptedException {
            long deadline = System.nanoTime() + patience.toNanos();
            List<String> alive = new ArrayList<>();
            for (Thread thread : started) {
                thread.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                if (thread.isAlive()) alive.add(thread.getName());
            }
            return alive;
        }
    }

    /** The transport: binds a server that takes scripted connections, and dials scripted servers. */
    static final class Transport implements QuicTransport {
        private final List<ConnectionScript> scripts;
        private final boolean[] used;
        final List<ScriptedConnection> connections = new CopyOnWriteArrayList<>();
        private volatile Consumer<QuicConnection> onConnection;
        private volatile Runnable beforeControlEnds = () -> { };

        Transport(List<ConnectionScript> scripts) {
            this.scripts = scripts;
            this.used = new boolean[scripts.size()];
        }

        static InetSocketAddress address(int connection) {
            return new InetSocketAddress("127.0.0.1", PORT_BASE + connection);
        }

        /** Sets every connection's {@link ScriptedConnection#beforeControlEnds} hook; before the first connection. */
        void beforeControlEnds(Runnable hook) {
            this.beforeControlEnds = hook;
        }

        /** Connection 0 arrives at the bound server. */
        ScriptedConnection arrive() {
            ScriptedConnection connection = take(0, false);
            onConnection.accept(connection);
            return connection;
        }

        private synchronized ScriptedConnection take(int index, boolean engineIsClient) {
            if (index < 0 || index >= scripts.size() || used[index]) return null;
            used[index] = true;
            ScriptedConnection connection = new ScriptedConnection(scripts.get(index), engineIsClient, address(index));
            connection.beforeControlEnds(beforeControlEnds);
            connections.add(connection);
            return connection;
        }

        @Override
        public CompletableFuture<QuicConnection> connect(InetSocketAddress remote, ClientTransportConfig config) {
            ScriptedConnection connection = remote.getAddress() != null && remote.getAddress().isLoopbackAddress()
                    ? take(remote.getPort() - PORT_BASE, true) : null;
            if (connection == null) return CompletableFuture.failedFuture(new ConnectException("no scripted peer at " + remote));
            return CompletableFuture.completedFuture(connection);
        }

        @Override
        public QuicServer bind(InetSocketAddress local, ServerTransportConfig config, Consumer<QuicConnection> accept) {
            this.onConnection = accept;
            return new QuicServer() {
                @Override
                public InetSocketAddress localAddress() {
                    return local;
                }

                @Override
                public void close() {
                }
            };
        }

        @Override
        public void close() {
        }
    }

    /** One connection: its streams give the script's bytes; what the engine writes is dropped. */
    static final class ScriptedConnection implements QuicConnection {
        private final ConnectionScript script;
        private final boolean engineIsClient;
        private final InetSocketAddress peer;
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition changed = lock.newCondition();
        private final CompletableFuture<ConnectionClose> closed = new CompletableFuture<>();
        private final List<QuicStream> toAccept = new ArrayList<>();
        private ConnectionClose close;
        private boolean controlHandled;
        private int dataStreamsLeft;
        private boolean controlOpened;
        private long nextQuietId;
        private volatile Runnable beforeControlEnds = () -> { };
        /** What went wrong on the peer's side of the run: a wait that ran out. */
        final Queue<String> problems = new ConcurrentLinkedQueue<>();

        ScriptedConnection(ConnectionScript script, boolean engineIsClient, InetSocketAddress peer) {
            this.script = script;
            this.engineIsClient = engineIsClient;
            this.peer = peer;
            // stream ids as QUIC numbers them: the client's bidirectional streams 0, 4, ..., the server's 1, 5, ...
            long peerFirst = engineIsClient ? 1 : 0;
            if (!engineIsClient) toAccept.add(new ScriptedStream(0, new ControlInput(script.control.toByteArray())));
            for (int i = 0; i < SLOTS; i++) {
                byte[] bytes = script.data[i].toByteArray();
                if (bytes.length == 0) continue;
                dataStreamsLeft++;
                toAccept.add(new ScriptedStream(peerFirst + 4L * (i + 1), new DataInput(bytes)));
            }
            nextQuietId = 1000 + (engineIsClient ? 0 : 1);
        }

        /** Runs {@code hook} on the control reader's thread once the session has everything the script sent. */
        void beforeControlEnds(Runnable hook) {
            this.beforeControlEnds = hook;
        }

        /** How this end closed the connection, or null while it is open. */
        ConnectionClose closeRecord() {
            lock.lock();
            try {
                return close;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public CompletableFuture<QuicStream> openBidirectionalStream() {
            lock.lock();
            try {
                if (close != null) return CompletableFuture.failedFuture(new ConnectionClosedException(close));
                if (engineIsClient && !controlOpened) {
                    controlOpened = true;
                    return CompletableFuture.completedFuture(new ScriptedStream(0, new ControlInput(script.control.toByteArray())));
                }
                long id = nextQuietId;
                nextQuietId += 4;
                return CompletableFuture.completedFuture(new ScriptedStream(id, new QuietInput()));
            } finally {
                lock.unlock();
            }
        }

        @Override
        public QuicStream acceptStream() throws IOException, InterruptedException {
            lock.lock();
            try {
                while (toAccept.isEmpty() && close == null) changed.await();
                if (!toAccept.isEmpty()) return toAccept.remove(0);
                throw new ConnectionClosedException(close);
            } finally {
                lock.unlock();
            }
        }

        @Override
        public InetSocketAddress localAddress() {
            return new InetSocketAddress("127.0.0.1", engineIsClient ? 50000 : PORT_BASE);
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return engineIsClient ? peer : new InetSocketAddress("127.0.0.1", 50000);
        }

        @Override
        public int maxStreamFramePayload() {
            return 1200;
        }

        @Override
        public TransportStats stats() {
            return new TransportStats(Duration.ofMillis(1), 12_000, 0, 0, 0, 0, 0, 0);
        }

        @Override
        public void close(long applicationErrorCode, String reason) {
            ConnectionClose recorded;
            lock.lock();
            try {
                if (close != null) return;
                close = new ConnectionClose(ConnectionClose.Origin.LOCAL, applicationErrorCode, reason);
                recorded = close;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            closed.complete(recorded);
        }

        @Override
        public CompletableFuture<ConnectionClose> closed() {
            return closed;
        }

        /** Waits (holding the lock) until {@code done} or the connection closes; false when the wait ran out. */
        private boolean await(java.util.function.BooleanSupplier done) throws InterruptedException {
            long left = PATIENCE.toNanos();
            while (!done.getAsBoolean() && close == null) {
                if (left <= 0) return false;
                left = changed.awaitNanos(left);
            }
            return true;
        }

        private ConnectionClosedException closedNow() {
            return close == null ? null : new ConnectionClosedException(close);
        }

        private final class ScriptedStream implements QuicStream {
            private final long id;
            private final InputStream input;
            private final OutputStream output = new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    lock.lock();
                    try {
                        ConnectionClosedException gone = closedNow();
                        if (gone != null) throw gone;
                    } finally {
                        lock.unlock();
                    }
                }
            };

            ScriptedStream(long id, InputStream input) {
                this.id = id;
                this.input = input;
            }

            @Override
            public long id() {
                return id;
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
            }

            @Override
            public void stopSending(long applicationErrorCode) {
            }
        }

        /** Bytes from an array; what happens at their end is the subclass's. */
        private abstract class ScriptInput extends InputStream {
            private final byte[] bytes;
            private int position;

            ScriptInput(byte[] bytes) {
                this.bytes = bytes;
            }

            /** Called before every read; may wait. */
            abstract void beforeRead() throws IOException, InterruptedException;

            /** Called at the end of the bytes, before -1 is returned (every time). */
            abstract void atEnd() throws IOException, InterruptedException;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) return 0;
                try {
                    beforeRead();
                    if (position == bytes.length) {
                        atEnd();
                        lock.lock();
                        try {
                            ConnectionClosedException gone = closedNow();
                            if (gone != null) throw gone;
                        } finally {
                            lock.unlock();
                        }
                        return -1;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted");
                }
                int n = Math.min(len, bytes.length - position);
                System.arraycopy(bytes, position, b, off, n);
                position += n;
                return n;
            }

            @Override
            public int available() {
                return bytes.length - position;
            }
        }

        /** The control stream: at its end, lets the data streams go, waits for them, then ends. */
        private final class ControlInput extends ScriptInput {
            private boolean ended;

            ControlInput(byte[] bytes) {
                super(bytes);
            }

            @Override
            void beforeRead() throws IOException {
                lock.lock();
                try {
                    ConnectionClosedException gone = closedNow();
                    if (gone != null) throw gone;
                } finally {
                    lock.unlock();
                }
            }

            @Override
            void atEnd() throws InterruptedException {
                if (ended) return;
                ended = true;
                lock.lock();
                try {
                    controlHandled = true;
                    changed.signalAll();
                    if (!await(() -> dataStreamsLeft == 0)) {
                        problems.add("the data streams were not read to their end within " + PATIENCE);
                    }
                } finally {
                    lock.unlock();
                }
                beforeControlEnds.run();
            }
        }

        /** A data stream: its bytes come once the control messages are handled. */
        private final class DataInput extends ScriptInput {
            private boolean ended;

            DataInput(byte[] bytes) {
                super(bytes);
            }

            @Override
            void beforeRead() throws IOException, InterruptedException {
                lock.lock();
                try {
                    if (!await(() -> controlHandled)) problems.add("the control messages were not handled within " + PATIENCE);
                    ConnectionClosedException gone = closedNow();
                    if (gone != null) throw gone;
                } finally {
                    lock.unlock();
                }
            }

            @Override
            void atEnd() {
                if (ended) return;
                ended = true;
                lock.lock();
                try {
                    dataStreamsLeft--;
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        }

        /** A stream the engine opened: the peer never writes on it. */
        private final class QuietInput extends InputStream {
            @Override
            public int read() throws IOException {
                return read(new byte[1], 0, 1);
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                lock.lock();
                try {
                    while (close == null) changed.await();
                    throw new ConnectionClosedException(close);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted");
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    /** Waits up to {@link #PATIENCE} for every connection to close; the ones still open. */
    static List<ScriptedConnection> awaitClosed(List<ScriptedConnection> connections) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        List<ScriptedConnection> open = new ArrayList<>();
        for (ScriptedConnection connection : connections) {
            try {
                connection.closed().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                open.add(connection);
            }
        }
        return open;
    }
}
