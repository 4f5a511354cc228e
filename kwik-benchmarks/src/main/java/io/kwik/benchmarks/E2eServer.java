package io.kwik.benchmarks;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.kwik.api.Delegation;
import io.kwik.api.ErrorCode;
import io.kwik.api.Kwik;
import io.kwik.api.KwikException;
import io.kwik.api.KwikListener;
import io.kwik.api.KwikSession;
import io.kwik.api.KwikStream;
import io.kwik.api.PathDeadException;
import io.kwik.api.PathInfo;
import io.kwik.api.RawData;
import io.kwik.api.Refill;
import io.kwik.api.ServerConfig;
import io.kwik.spi.QuicConnection;
import io.kwik.spi.QuicServer;
import io.kwik.spi.QuicStream;
import io.kwik.spi.QuicTransport;
import io.kwik.spi.ServerTransportConfig;
import io.kwik.spi.TransportContext;

/**
 * One server JVM of the end-to-end harness ({@link E2eHarness} starts it; the protocol is in
 * {@link E2eSupport}). It binds, prints {@code PORT <port>} on stdout, serves until its stdin
 * ends or reads {@code quit}, then exits; {@code usage} makes it print
 * {@code USAGE <cpu nanos> <allocated bytes>} of its whole process ({@link E2eSupport#usage()}). Errors go to stderr, which the harness keeps in a log.
 *
 * <pre>
 *   java ... io.kwik.benchmarks.E2eServer raw|kwik &lt;backend&gt; &lt;bind host&gt; &lt;credentials directory&gt; &lt;name&gt;
 * </pre>
 *
 * A {@code kwik} server serves primary sessions (requests on streams) and secondary ones
 * (delegated ranges from {@link KwikSession#receiveRawData()}) alike; which one it is for a
 * session depends only on how the client reached it.
 */
public final class E2eServer {
    private static String name = "server";
    /** -De2e.verbose=true: log every session, not only secondary ones. */
    private static final boolean VERBOSE = Boolean.getBoolean("e2e.verbose");

    /** Secondary path ids a primary session added with {@code 'P'}. */
    private static final Map<KwikSession, List<String>> PATHS = new ConcurrentHashMap<>();

    /** Sessions accepted and not ended yet, of every role. */
    private static final java.util.concurrent.atomic.AtomicInteger OPEN_SESSIONS = new java.util.concurrent.atomic.AtomicInteger();

    private E2eServer() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: E2eServer raw|kwik <backend> <bind host> <credentials directory> <name>");
            System.exit(2);
        }
        String role = args[0];
        String backend = args[1];
        InetSocketAddress bind = new InetSocketAddress(E2eSupport.address(args[2]), 0);
        E2eSupport.Credentials credentials = E2eSupport.read(Path.of(args[3]));
        name = args[4];
        int port;
        switch (role) {
            case "raw" -> {
                QuicTransport transport = E2eSupport.provider(backend).create(TransportContext.of("e2e-" + name));
                QuicServer server = transport.bind(bind, new ServerTransportConfig(E2eSupport.RAW_ALPN, credentials.chain(),
                        credentials.privateKey(), E2eSupport.RAW_LIMITS), connection -> Thread.ofVirtual().start(() -> serveRaw(connection)));
                port = server.localAddress().getPort();
            }
            case "kwik" -> {
                ServerConfig config = ServerConfig.builder().transport(backend).certificateChain(credentials.chain())
                        .privateKey(credentials.privateKey()).pathTokenKey(credentials.pathTokenKey()).build();
                KwikListener listener = Kwik.listen(bind, config);
                listener.addErrorListener(e -> log("protocol error: " + e));
                port = listener.localAddress().getPort();
                Thread.ofVirtual().name("accept").start(() -> acceptKwik(listener));
            }
            default -> throw new IllegalArgumentException("role must be raw or kwik: " + role);
        }
        System.out.println("PORT " + port);
        System.out.flush();
        log(role + " server on " + backend + " bound to " + bind.getAddress().getHostAddress() + ":" + port);
        // serve until the harness closes our stdin or says quit
        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = commands.readLine()) != null && !line.trim().equals("quit")) {
            if (line.trim().equals("usage")) {
                // the harness's CPU and allocation figures: answered on stdout, where it listens
                System.out.println("USAGE " + E2eSupport.usage());
                System.out.flush();
            } else if (line.trim().equals("stats") || line.trim().equals("stats platform")) {
                // the soak's resource figures (SeparateServerSoak), after a GC
                System.out.println("STATS " + stats(line.trim().equals("stats")));
                System.out.flush();
            } else {
                log("unknown command: " + line);
            }
        }
        log("exiting");
        System.exit(0);
    }

    /**
     * {@code <live threads> <heap used after a GC, bytes> <open file descriptors> <KWIK sessions
     * open>}; -1 for the descriptors where /proc is not there. The threads are all of them,
     * virtual ones included, when {@code census}, else the platform threads only: the census
     * takes a JSON thread dump, which crashed Temurin 25.0.3 (SIGSEGV in
     * {@code Continuation::is_continuation_entry_frame}) under the soak's load, so the soak takes
     * it only before and after the load.
     */
    private static String stats(boolean census) {
        System.gc();
        long heap = java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long descriptors;
        try (var entries = java.nio.file.Files.list(Path.of("/proc/self/fd"))) {
            descriptors = entries.count();
        } catch (IOException e) {
            descriptors = -1;
        }
        int threads = census ? io.kwik.tck.tools.ThreadCensus.liveThreads()
                : java.lang.management.ManagementFactory.getThreadMXBean().getThreadCount();
        return threads + " " + heap + " " + descriptors + " " + OPEN_SESSIONS.get();
    }

    static void log(String message) {
        System.err.println(Instant.now() + " [" + name + "] " + message);
    }

    private static void serveRaw(QuicConnection connection) {
        try {
            while (true) {
                QuicStream stream = connection.acceptStream();
                Thread.ofVirtual().start(() -> {
                    try {
                        serveCommon(stream.input(), stream.output());
                    } catch (IOException | RuntimeException e) {
                        if (!(e instanceof io.kwik.spi.ConnectionClosedException)) log("raw stream " + stream.id() + ": " + e);
                        stream.reset(E2eSupport.RESET_FAILED);
                    }
                });
            }
        } catch (IOException | InterruptedException e) {
            // the connection is gone
        }
    }

    /** Serves 'D' and 'E'; false for any other request. */
    private static boolean serveCommon(InputStream input, OutputStream output) throws IOException {
        DataInputStream in = new DataInputStream(input);
        int op = in.read();
        return serveCommon(op, in, output);
    }

    private static boolean serveCommon(int op, DataInputStream in, OutputStream out) throws IOException {
        switch (op) {
            case -1 -> {
                out.close();
                return true;
            }
            case E2eSupport.OP_DOWNLOAD -> {
                long length = in.readLong();
                E2eSupport.writePattern(out, 0, length);
                out.close();
                return true;
            }
            case E2eSupport.OP_ECHO -> {
                byte[] buffer = new byte[E2eSupport.CHUNK];
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
                out.close();
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    private static void acceptKwik(KwikListener listener) {
        try {
            while (true) {
                KwikSession session = listener.accept();
                Thread.ofVirtual().start(() -> serveSession(session));
            }
        } catch (IOException | InterruptedException e) {
            log("listener closed: " + e);
        }
    }

    private static void serveSession(KwikSession session) {
        OPEN_SESSIONS.incrementAndGet();
        session.closed().whenComplete((close, failure) -> OPEN_SESSIONS.decrementAndGet());
        if (session.role() != io.kwik.api.Role.PRIMARY_SERVER || VERBOSE) {
            log(session.role() + " session " + session.id() + " path " + session.pathId() + " accepted");
            session.closed().thenAccept(reason -> log(session.role() + " session " + session.id() + " path " + session.pathId()
                    + " ended: " + reason));
        }
        switch (session.role()) {
            case PRIMARY_SERVER -> {
                session.closed().thenRun(() -> PATHS.remove(session));
                try {
                    while (true) {
                        KwikStream stream = session.acceptStream();
                        Thread.ofVirtual().start(() -> servePrimaryStream(session, stream));
                    }
                } catch (IOException | InterruptedException e) {
                    // the session ended
                }
            }
            case SECONDARY_SERVER -> serveSecondary(session);
            default -> log("unexpected session role " + session.role());
        }
    }

    private static void servePrimaryStream(KwikSession session, KwikStream stream) {
        try {
            DataInputStream in = new DataInputStream(stream.inputStream());
            int op = in.read();
            if (!serveCommon(op, in, stream.outputStream())) {
                switch (op) {
                    case E2eSupport.OP_ADD_PATHS -> addPaths(session, in, stream);
                    case E2eSupport.OP_MULTI -> multi(session, in, stream);
                    default -> throw new IOException("unknown request " + op);
                }
            }
            // the request may not have been read to its end: a full close gives the stream's slot back
            stream.close();
        } catch (IOException | RuntimeException e) {
            // a client that leaves while its stream is open (the echo) is no error
            if (!(e instanceof KwikException k && k.code() == ErrorCode.SESSION_CLOSED)) {
                log("session " + session.id() + " stream " + stream.id() + ": " + e);
            }
            stream.reset(E2eSupport.RESET_FAILED);
        }
    }

    private static void addPaths(KwikSession session, DataInputStream in, KwikStream stream) throws IOException {
        int count = in.readInt();
        List<InetSocketAddress> secondaries = new ArrayList<>();
        for (int i = 0; i < count; i++) secondaries.add(new InetSocketAddress(E2eSupport.address(in.readUTF()), in.readInt()));
        List<CompletableFuture<PathInfo>> joins = new ArrayList<>();
        for (InetSocketAddress secondary : secondaries) {
            try {
                joins.add(session.addPath(secondary));
            } catch (RuntimeException e) {
                joins.add(CompletableFuture.failedFuture(e));
            }
        }
        List<String> ids = new ArrayList<>();
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            try {
                PathInfo path = joins.get(i).get(30, TimeUnit.SECONDS);
                ids.add(path.id());
                answers.add("OK " + path.id());
            } catch (ExecutionException e) {
                answers.add("ERR addPath(" + secondaries.get(i) + ") failed: " + e.getCause());
            } catch (java.util.concurrent.TimeoutException e) {
                answers.add("ERR addPath(" + secondaries.get(i) + ") did not complete in 30 s");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                answers.add("ERR interrupted");
            }
        }
        for (String answer : answers) if (answer.startsWith("ERR")) log(answer);
        PATHS.put(session, List.copyOf(ids));
        DataOutputStream out = new DataOutputStream(stream.outputStream());
        out.writeInt(answers.size());
        for (String answer : answers) out.writeUTF(answer);
        out.close();
    }

    private static void multi(KwikSession session, DataInputStream in, KwikStream stream) throws IOException {
        long length = in.readLong();
        int range = in.readInt();
        boolean reserveFirst = in.readBoolean();
        boolean trace = in.readBoolean();
        Thread tracer = trace ? Thread.ofVirtual().name("trace").start(() -> traceStats(session)) : null;
        try {
            multi(session, stream, length, range, reserveFirst);
        } finally {
            if (tracer != null) tracer.interrupt();
        }
    }

    /** Every 500 ms, what the primary's session knows of each path, into the log. */
    private static void traceStats(KwikSession session) {
        try {
            while (true) {
                Thread.sleep(500);
                StringBuilder line = new StringBuilder("stats");
                new java.util.TreeMap<>(session.stats().paths()).forEach((id, p) -> line.append(String.format(java.util.Locale.ROOT,
                        " | %s rtt %d ms, goodput %.1f MB/s, sent %.1f MiB, in flight %d KiB, send window %d KiB, %s", id,
                        p.rtt().toMillis(), p.goodputBytesPerSecond() / 1e6, p.bytesSent() / 1048576.0, p.bytesInFlight() >> 10,
                        p.sendWindow() >> 10, p.status())));
                log(line.toString());
            }
        } catch (InterruptedException | RuntimeException e) {
            // done
        }
    }

    private static void multi(KwikSession session, KwikStream stream, long length, int range, boolean reserveFirst)
            throws IOException {
        List<String> secondaries = PATHS.getOrDefault(session, List.of());
        if (secondaries.isEmpty()) throw new IOException("no secondary paths on this session (send 'P' first)");
        int servers = secondaries.size() + 1;
        Set<String> dead = ConcurrentHashMap.newKeySet();
        AtomicLong refilled = new AtomicLong();
        List<CompletableFuture<Object>> delegations = new ArrayList<>();
        List<long[]> own = new ArrayList<>();
        long offset = 0;
        for (long index = 0; offset < length; index++) {
            long n = Math.min(range, length - offset);
            int server = (int) (index % servers);
            String path = server == 0 ? null : secondaries.get(server - 1);
            if ((path == null || dead.contains(path)) && !reserveFirst) {
                E2eSupport.writePattern(stream, offset, n);
            } else if (path == null || dead.contains(path)) {
                long reserved = stream.reserve(n);
                if (reserved != offset) throw new IOException("reserve gave offset " + reserved + ", expected " + offset);
                own.add(new long[] {offset, n});
            } else {
                long start = offset;
                ByteBuffer instruction = ByteBuffer.allocate(9).put((byte) 'F').putLong(offset).flip();
                CompletableFuture<Delegation> delegation;
                try {
                    delegation = stream.delegate(path, n, instruction);
                } catch (RuntimeException e) {
                    delegation = CompletableFuture.failedFuture(e);
                }
                // a dead path's bytes are the primary's to write: the API's refill helper writes what the
                // client is missing with writeAt (docs/PROTOCOL.md 4.5); later ranges of that path are the primary's
                delegations.add(delegation
                        .whenComplete((done, failure) -> noteDeath(session, path, failure, dead))
                        .exceptionallyCompose(Refill.from(stream, (at, count) -> {
                            refilled.addAndGet(count);
                            return E2eSupport.pattern(at, count);
                        }))
                        .handle((done, failure) -> {
                            Throwable cause = unwrap(failure);
                            if (cause != null && !(cause instanceof KwikException k && k.code() == ErrorCode.SESSION_CLOSED)) {
                                log("session " + session.id() + ": delegation [" + start + ", " + (start + n) + ") to " + path
                                        + " neither confirmed nor refilled: " + cause);
                            }
                            return null;
                        }));
            }
            offset += n;
        }
        for (long[] r : own) E2eSupport.writePatternAt(stream, r[0], r[1]);
        stream.close();
        try {
            CompletableFuture.allOf(delegations.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
        } catch (ExecutionException e) {
            log("session " + session.id() + ": " + e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            log("session " + session.id() + ": delegations neither confirmed nor refilled in 5 minutes");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!dead.isEmpty()) log("session " + session.id() + ": dead paths " + dead + "; the primary refilled " + refilled + " bytes");
    }

    private static void noteDeath(KwikSession session, String path, Throwable failure, Set<String> dead) {
        if (unwrap(failure) instanceof PathDeadException e && dead.add(path)) {
            log("session " + session.id() + ": path " + path + " died: " + e.getMessage());
        }
    }

    private static Throwable unwrap(Throwable failure) {
        return failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    private static void serveSecondary(KwikSession session) {
        try {
            while (true) {
                RawData raw = session.receiveRawData();
                Delegation range = raw.delegated().orElse(null);
                if (range == null) {
                    log("session " + session.id() + ": ignored " + raw.data().remaining() + " raw bytes from " + raw.sourcePathId());
                    continue;
                }
                ByteBuffer instruction = raw.data().duplicate();
                if (instruction.remaining() != 9 || instruction.get() != 'F' || instruction.getLong() != range.offset()) {
                    ByteBuffer bytes = raw.data().duplicate();
                    StringBuilder hex = new StringBuilder();
                    while (bytes.hasRemaining() && hex.length() < 64) hex.append(String.format("%02x", bytes.get()));
                    log("session " + session.id() + ": instruction " + hex + " (" + raw.data().remaining()
                            + " bytes) does not match delegation " + range);
                }
                E2eSupport.writePatternAt(session.stream(range.streamId()), range.offset(), range.length());
            }
        } catch (KwikException e) {
            if (e.code() != ErrorCode.SESSION_CLOSED) log("secondary session " + session.id() + ": " + e);
        } catch (IOException | RuntimeException e) {
            log("secondary session " + session.id() + ": " + e);
            session.close();
        } catch (InterruptedException e) {
            // exiting
        }
    }
}
