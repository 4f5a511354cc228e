package io.kwik.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import io.kwik.api.Delegation;
import io.kwik.api.Kwik;
import io.kwik.api.KwikListener;
import io.kwik.api.KwikSession;
import io.kwik.api.KwikStream;
import io.kwik.api.MultiSourceTransfer;
import io.kwik.api.PathInfo;
import io.kwik.api.PathStatus;
import io.kwik.api.RawData;
import io.kwik.api.Role;
import io.kwik.api.ServerConfig;

/**
 * The server of {@code kwik serve}: hands out the files under one root directory, over KWIK.
 *
 * <p>A session whose client dialed this server (role {@link Role#PRIMARY_SERVER}) is served as
 * a primary: it asks the client to join every configured secondary ({@link KwikSession#addPath}),
 * starts sending the requested file at once with a {@link MultiSourceTransfer}, and adds each
 * secondary to the transfer once it has answered, through the raw relay, that it serves the file
 * with the same size and SHA-256; those that do not are left out. A session the client joined at another primary's request (role
 * {@link Role#SECONDARY_SERVER}) is served as a secondary: it answers checks and writes the
 * ranges delegated to it. Any server can play either part; one "is a primary" when it was
 * given secondaries.
 */
final class FileServer implements AutoCloseable {

    /**
     * What a server needs.
     *
     * @param bind         the address to listen on; port 0 picks one
     * @param catalog      the files it serves
     * @param secondaries  the servers it asks clients to join, in order; empty for a secondary
     * @param config       its KWIK configuration
     * @param checkTimeout how long a secondary may take to answer a check (it may hash the file first)
     * @param log          where it reports what happens, one line at a time
     */
    record Settings(InetSocketAddress bind, FileCatalog catalog, List<InetSocketAddress> secondaries,
                    ServerConfig config, Duration checkTimeout, Consumer<String> log) {
        Settings {
            Objects.requireNonNull(bind, "bind");
            Objects.requireNonNull(catalog, "catalog");
            secondaries = List.copyOf(secondaries);
            Objects.requireNonNull(config, "config");
            Objects.requireNonNull(checkTimeout, "checkTimeout");
            Objects.requireNonNull(log, "log");
        }
    }

    /** The share of the client's window the transfer keeps outstanding: completions lag a little. */
    private static final double WINDOW_USE = 0.75;

    private final Settings settings;
    private final KwikListener listener;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread acceptor;
    private final Map<String, KwikSession> sessions = new ConcurrentHashMap<>();

    private FileServer(Settings settings, KwikListener listener) {
        this.settings = settings;
        this.listener = listener;
        this.acceptor = Thread.ofVirtual().name("kwik-serve-accept").start(this::acceptSessions);
    }

    /**
     * Binds and starts serving.
     *
     * @throws IOException when the address cannot be bound
     */
    static FileServer start(Settings settings) throws IOException {
        return new FileServer(settings, Kwik.listen(settings.bind(), settings.config()));
    }

    InetSocketAddress localAddress() {
        return listener.localAddress();
    }

    boolean isPrimary() {
        return !settings.secondaries().isEmpty();
    }

    /** Waits until the server is closed. */
    void awaitClose() throws InterruptedException {
        acceptor.join();
    }

    /** Stops at once: closes the listener and, with it, every session. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            listener.close();
            sessions.values().forEach(KwikSession::close);
        }
    }

    boolean isClosed() {
        return closed.get();
    }

    private void acceptSessions() {
        while (!closed.get()) {
            KwikSession session;
            try {
                session = listener.accept();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (IOException e) {
                if (!closed.get()) settings.log().accept("the listener failed: " + e.getMessage());
                return;
            }
            sessions.put(session.id() + "/" + session.pathId(), session);
            session.closed().whenComplete((reason, failure) -> sessions.remove(session.id() + "/" + session.pathId()));
            if (closed.get()) session.close();
            if (session.role() == Role.SECONDARY_SERVER) {
                Thread.ofVirtual().name("kwik-secondary-" + session.pathId()).start(() -> new SecondarySession(session).run());
            } else {
                Thread.ofVirtual().name("kwik-primary-" + session.id()).start(() -> new PrimarySession(session).run());
            }
        }
    }

    private void log(KwikSession session, String message) {
        settings.log().accept("[" + session.id().substring(0, 8) + " " + session.pathId() + "] " + message);
    }

    private static String reason(Throwable e) {
        Throwable cause = e;
        while ((cause instanceof ExecutionException || cause instanceof java.util.concurrent.CompletionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }

    // ---------------------------------------------------------------- primary

    /** One session served as a primary. */
    private final class PrimarySession {
        private final KwikSession session;
        private final Map<InetSocketAddress, CompletableFuture<PathInfo>> joins = new LinkedHashMap<>();
        private final Map<Long, CompletableFuture<String>> checks = new ConcurrentHashMap<>();
        private final Map<String, CompletableFuture<Boolean>> checked = new ConcurrentHashMap<>();   // pathId + " " + path -> usable
        private final AtomicLong nextCheck = new AtomicLong();

        PrimarySession(KwikSession session) {
            this.session = session;
        }

        void run() {
            log(session, "client session opened" + (settings.secondaries().isEmpty() ? "" : "; joining "
                    + settings.secondaries().size() + " secondaries"));
            for (InetSocketAddress secondary : settings.secondaries()) joins.put(secondary, session.addPath(secondary));
            if (!joins.isEmpty()) Thread.ofVirtual().name("kwik-primary-relay").start(this::receiveAnswers);
            try (session) {
                while (true) {
                    KwikStream stream = session.acceptStream();
                    Thread.ofVirtual().name("kwik-primary-stream-" + stream.id()).start(() -> serve(stream));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                log(session, "session ended: " + e.getMessage());
            }
        }

        private void receiveAnswers() {
            try {
                while (true) {
                    RawData raw = session.receiveRawData();
                    String[] words = AppProtocol.text(raw.data()).split(" ", 3);
                    if (words.length >= 2 && (words[0].equals(AppProtocol.HAVE) || words[0].equals(AppProtocol.NONE))) {
                        try {
                            CompletableFuture<String> check = checks.remove(Long.parseLong(words[1]));
                            if (check != null) check.complete(AppProtocol.text(raw.data()));
                        } catch (NumberFormatException e) {
                            log(session, "a malformed answer from " + raw.sourcePathId());
                        }
                    } else {
                        log(session, "an unexpected message from " + raw.sourcePathId());
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                // the session ended
            }
        }

        private void serve(KwikStream stream) {
            try (stream) {
                InputStream in = stream.inputStream();
                String request = AppProtocol.readLine(in);
                String[] words = request == null ? new String[0] : request.split(" ", -1);
                boolean v1 = words.length == 3 && words[0].equals(AppProtocol.GET);
                boolean v2 = words.length == 4 && words[0].equals(AppProtocol.GET2);
                if (!v1 && !v2) {
                    refuse(stream, AppProtocol.BAD_REQUEST, "expected: GET <path> <window>, or GET/2 <path> <window> <ranges>");
                    return;
                }
                String path = words[1];
                long window;
                List<AppProtocol.Range> asked;
                try {
                    window = AppProtocol.parseSize(words[2]);
                    asked = v2 ? AppProtocol.parseRanges(words[3]) : List.of(new AppProtocol.Range(0, -1));
                } catch (AppProtocol.ProtocolException e) {
                    refuse(stream, AppProtocol.BAD_REQUEST, e.getMessage());
                    return;
                }
                FileCatalog.Entry entry;
                // hashing the file may take a while: keep the client posted
                try (Waiting waiting = new Waiting(stream)) {
                    try {
                        entry = settings.catalog().resolve(path);
                    } catch (FileCatalog.Refusal e) {
                        log(session, "refused " + path + ": " + e.getMessage());
                        waiting.stop();
                        refuse(stream, e.code(), e.getMessage());
                        return;
                    }
                    waiting.stop();
                }
                List<AppProtocol.Range> ranges = new ArrayList<>();
                try {
                    for (AppProtocol.Range range : asked) ranges.add(range.resolve(entry.size()));
                } catch (AppProtocol.ProtocolException e) {
                    refuse(stream, AppProtocol.BAD_REQUEST, e.getMessage());
                    return;
                }
                log(session, "request " + path + " (" + Sizes.bytes(entry.size()) + ", sha256 "
                        + entry.sha256().substring(0, 16) + "...)" + (v2 ? ", bytes " + ranges.stream().map(Object::toString)
                        .collect(java.util.stream.Collectors.joining(",")) : ""));
                byte[] header = AppProtocol.line(new AppProtocol.Header(entry.size(), entry.sha256()).line());
                stream.write(ByteBuffer.wrap(header));
                send(stream, path, entry, ranges, Math.min(1L << 30, Math.max(1024, window)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stream.reset(1);
            } catch (IOException | RuntimeException e) {
                log(session, "stream " + stream.id() + " failed: " + reason(e));
                stream.reset(1);
            }
        }

        /**
         * Sends the file with a {@link MultiSourceTransfer}: it starts on this server's own path
         * at once, and each secondary joins the transfer when it has answered that it serves the
         * same file.
         */
        private void send(KwikStream stream, String path, FileCatalog.Entry entry, List<AppProtocol.Range> ranges, long clientWindow)
                throws IOException, InterruptedException {
            // the secondaries that passed their check; each range's transfer takes them all, and
            // those that pass while it runs
            Set<String> usable = ConcurrentHashMap.newKeySet();
            AtomicReference<MultiSourceTransfer> current = new AtomicReference<>();
            try (FileChannel channel = FileCatalog.open(entry.file())) {
                log(session, "sending " + path + " from " + session.pathId()
                        + (joins.isEmpty() ? "" : "; " + joins.size() + " secondar" + (joins.size() == 1 ? "y joins" : "ies join")
                        + " once checked"));
                for (var join : joins.entrySet()) {
                    Thread.ofVirtual().name("kwik-primary-check").start(() -> {
                        try {
                            String pathId = usable(join.getKey(), join.getValue(), path, entry);
                            if (pathId != null) {
                                usable.add(pathId);
                                MultiSourceTransfer transfer = current.get();
                                if (transfer != null) transfer.addPath(pathId);
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    });
                }
                for (AppProtocol.Range range : ranges) {
                    if (range.length() == 0) continue;
                    long start = range.start();
                    MultiSourceTransfer.Source source = (offset, dst) -> channel.read(dst, start + offset);
                    MultiSourceTransfer transfer = MultiSourceTransfer.builder(session, stream, source, range.length())
                            .window(Math.max(1024, (long) (clientWindow * WINDOW_USE)))
                            // the client refuses a secondary's range whose bytes do not hash to what this server read
                            .verifyRanges(true)
                            .instruction((pathId, offset, length) -> AppProtocol.message(AppProtocol.RANGE + " " + (start + offset)
                                    + " " + path))
                            .build();
                    // published before the set is read: a path checked in between is added twice, which it ignores
                    current.set(transfer);
                    for (String pathId : usable) transfer.addPath(pathId);
                    transfer.run();
                    logShares(path, transfer);
                }
            }
        }

        private void logShares(String path, MultiSourceTransfer transfer) {
            StringBuilder shares = new StringBuilder();
            for (MultiSourceTransfer.PathShare share : transfer.shares()) {
                shares.append(shares.isEmpty() ? "" : ", ").append(share.pathId()).append(' ').append(Sizes.bytes(share.bytes()));
                if (share.goodput() > 0) shares.append(" at ").append(Sizes.bytes(share.goodput())).append("/s");
            }
            log(session, "sent " + path + ": " + shares);
            for (MultiSourceTransfer.PathShare share : transfer.shares()) {
                if (share.copied() > 0) {
                    log(session, "end game: " + share.pathId() + " also wrote " + Sizes.bytes(share.copied()) + " of late ranges");
                }
                if (share.failed()) {
                    log(session, "path " + share.pathId() + " failed; refilled " + Sizes.bytes(share.lost())
                            + " that it did not deliver");
                }
            }
        }

        /**
         * Writes a {@code WAIT} line every {@link AppProtocol#WAIT_INTERVAL} until stopped, so that
         * the primary path carries something while the answer is being prepared.
         */
        private final class Waiting implements AutoCloseable {
            private final KwikStream stream;
            private final Thread thread;
            private long written;
            private boolean stopped;

            Waiting(KwikStream stream) {
                this.stream = stream;
                this.thread = Thread.ofVirtual().name("kwik-primary-wait-" + stream.id()).start(this::run);
            }

            private void run() {
                byte[] line = AppProtocol.line(AppProtocol.WAIT);
                try {
                    while (true) {
                        Thread.sleep(AppProtocol.WAIT_INTERVAL);
                        synchronized (this) {
                            if (stopped) return;
                            stream.write(ByteBuffer.wrap(line));
                            written += line.length;
                        }
                    }
                } catch (InterruptedException | IOException e) {
                    // stopped, or the stream failed: the main thread finds out
                }
            }

            /** Stops; returns how many bytes of {@code WAIT} lines went out. */
            synchronized long stop() {
                stopped = true;
                thread.interrupt();
                return written;
            }

            @Override
            public void close() {
                stop();
            }
        }

        private void refuse(KwikStream stream, String code, String message) throws IOException {
            stream.write(ByteBuffer.wrap(AppProtocol.line(AppProtocol.ERR + " " + code + " " + message.replace('\n', ' '))));
        }

        /**
         * Waits for the secondary at {@code address} to join and checks that it serves
         * {@code entry} as it is here; returns its path, or {@code null} when it is left out.
         * One check per path and file, shared by the requests that need it.
         */
        private String usable(InetSocketAddress address, CompletableFuture<PathInfo> join, String path, FileCatalog.Entry entry)
                throws InterruptedException {
            Duration joinWait = settings.config().handshakeTimeout().multipliedBy(2).plusSeconds(10);
            String pathId;
            try {
                pathId = join.get(joinWait.toMillis(), TimeUnit.MILLISECONDS).id();
            } catch (ExecutionException e) {
                log(session, "secondary " + format(address) + " did not join: " + reason(e));
                return null;
            } catch (TimeoutException e) {
                log(session, "secondary " + format(address) + " did not join within " + joinWait.toSeconds() + " s");
                return null;
            }
            CompletableFuture<Boolean> mine = new CompletableFuture<>();
            CompletableFuture<Boolean> verdict = checked.putIfAbsent(pathId + " " + path, mine);
            if (verdict == null) {
                verdict = mine;
                mine.complete(check(pathId, address, path, entry));
            }
            try {
                return verdict.get() && active(pathId) ? pathId : null;
            } catch (ExecutionException e) {
                return null;
            }
        }

        private boolean check(String pathId, InetSocketAddress joinedAt, String path, FileCatalog.Entry entry)
                throws InterruptedException {
            String address = format(joinedAt);
            if (!active(pathId)) {
                log(session, "secondary " + pathId + " (" + address + ") left out: the path is " + status(pathId));
                return false;
            }
            long id = nextCheck.incrementAndGet();
            CompletableFuture<String> answer = new CompletableFuture<>();
            checks.put(id, answer);
            try {
                session.sendRawData(pathId, AppProtocol.message(AppProtocol.CHECK + " " + id + " " + path));
            } catch (IOException e) {
                checks.remove(id);
                log(session, "cannot ask " + pathId + " about " + path + ": " + e.getMessage());
                return false;
            }
            boolean usable = false;
            try {
                String text = answer.get(settings.checkTimeout().toNanos(), TimeUnit.NANOSECONDS);
                String[] words = text.split(" ", 4);
                String expected = entry.size() + " " + entry.sha256();
                if (words[0].equals(AppProtocol.HAVE) && words.length == 4 && (words[2] + " " + words[3]).equals(expected)) {
                    usable = true;
                    log(session, "secondary " + pathId + " (" + address + ") has " + path + ": same size and SHA-256");
                } else if (words[0].equals(AppProtocol.HAVE) && words.length == 4) {
                    log(session, "secondary " + pathId + " (" + address + ") left out: its " + path + " has "
                            + words[2] + " bytes, sha256 " + words[3] + "; expected " + expected.replace(" ", " bytes, sha256 "));
                } else {
                    String[] none = text.split(" ", 3);
                    log(session, "secondary " + pathId + " (" + address + ") left out: " + (none.length > 2 ? none[2] : text));
                }
            } catch (ExecutionException e) {
                log(session, "secondary " + pathId + " (" + address + ") left out: " + reason(e));
            } catch (TimeoutException e) {
                checks.remove(id);
                log(session, "secondary " + pathId + " (" + address + ") left out: no answer within "
                        + settings.checkTimeout().toSeconds() + " s");
            }
            if (!usable) removeQuietly(pathId);
            return usable;
        }

        private String status(String pathId) {
            return session.allPaths().stream().filter(p -> p.id().equals(pathId)).map(p -> p.status().toString())
                    .findFirst().orElse("unknown");
        }

        private boolean active(String pathId) {
            return session.activePaths().stream().anyMatch(p -> p.id().equals(pathId) && p.status() == PathStatus.ACTIVE);
        }

        /** Asks the client to close a path left out, and waits for its answer (bounded by the engine). */
        private void removeQuietly(String pathId) {
            try {
                session.removePath(pathId);
            } catch (IOException | RuntimeException e) {
                // it is left out either way
            }
        }
    }

    static String format(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }

    // ---------------------------------------------------------------- secondary

    /** One session served as a secondary: answers checks, writes delegated ranges in order. */
    private final class SecondarySession {
        private final KwikSession session;
        private final BlockingQueue<RawData> ranges = new LinkedBlockingQueue<>();
        private final Map<String, FileChannel> open = new HashMap<>();

        SecondarySession(KwikSession session) {
            this.session = session;
        }

        void run() {
            log(session, "joined a session as a secondary");
            Thread writer = Thread.ofVirtual().name("kwik-secondary-writer-" + session.pathId()).start(this::writeRanges);
            try (session) {
                while (true) {
                    RawData raw = session.receiveRawData();
                    if (raw.delegated().isPresent()) {
                        ranges.add(raw);
                    } else {
                        String text = AppProtocol.text(raw.data());
                        Thread.ofVirtual().name("kwik-secondary-check").start(() -> answer(raw.sourcePathId(), text));
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                log(session, "session ended: " + e.getMessage());
            } finally {
                writer.interrupt();
            }
        }

        private void answer(String source, String text) {
            String[] words = text.split(" ", 3);
            if (words.length != 3 || !words[0].equals(AppProtocol.CHECK)) {
                log(session, "an unexpected message from " + source);
                return;
            }
            String reply;
            try {
                FileCatalog.Entry entry = settings.catalog().resolve(words[2]);
                reply = AppProtocol.HAVE + " " + words[1] + " " + entry.size() + " " + entry.sha256();
            } catch (FileCatalog.Refusal e) {
                reply = AppProtocol.NONE + " " + words[1] + " " + e.getMessage();
            } catch (IOException e) {
                reply = AppProtocol.NONE + " " + words[1] + " cannot read it: " + e.getMessage();
            }
            try {
                session.sendRawData(source, AppProtocol.message(reply));
            } catch (IOException e) {
                log(session, "cannot answer " + source + ": " + e.getMessage());
            }
        }

        private void writeRanges() {
            try {
                while (true) {
                    RawData raw = ranges.take();
                    Delegation range = raw.delegated().orElseThrow();
                    String[] words = AppProtocol.text(raw.data()).split(" ", 3);
                    if (words.length != 3 || !words[0].equals(AppProtocol.RANGE)) {
                        throw new IOException("a malformed instruction");
                    }
                    long fileOffset = AppProtocol.parseSize(words[1]);
                    FileCatalog.Entry entry;
                    try {
                        entry = settings.catalog().resolve(words[2]);
                    } catch (FileCatalog.Refusal e) {
                        throw new IOException(e.getMessage());
                    }
                    if (range.length() > Integer.MAX_VALUE || fileOffset + range.length() > entry.size()) {
                        throw new IOException("range [" + fileOffset + ", +" + range.length() + ") is past the end of " + words[2]);
                    }
                    FileChannel channel = open.get(words[2]);
                    if (channel == null) {
                        channel = FileCatalog.open(entry.file());
                        open.put(words[2], channel);
                    }
                    ByteBuffer bytes = FileCatalog.read(channel, fileOffset, (int) range.length());
                    session.stream(range.streamId()).writeAt(range.offset(), bytes);
                }
            } catch (InterruptedException e) {
                // the session ended
            } catch (IOException | RuntimeException e) {
                if (!closed.get() && !session.closed().toCompletableFuture().isDone()) {
                    // this server cannot write its share: leaving the session makes the primary refill it
                    log(session, "cannot write a delegated range (" + reason(e) + "); leaving the session");
                    session.close();
                }
            } finally {
                for (FileChannel channel : open.values()) {
                    try {
                        channel.close();
                    } catch (IOException e) {
                        // nothing to do
                    }
                }
            }
        }
    }
}
