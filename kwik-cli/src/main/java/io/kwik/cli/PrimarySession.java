package io.kwik.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.kwik.api.KwikSession;
import io.kwik.api.KwikStream;
import io.kwik.api.MultiSourceTransfer;
import io.kwik.api.PathInfo;
import io.kwik.api.PathStatus;
import io.kwik.api.RawData;

/** One session served as a primary. */
final class PrimarySession {
    /**
     * The share of the client's window the transfer keeps outstanding: half, the credit a KWIK
     * client always has open (it re-opens its window once half of it is read). At three
     * quarters, the secondaries' ranges past that half waited for the client's credit: in the
     * capped benchmark's timeline, 4 to 6 s of each secondary's 14 s of writing
     * (docs/PERFORMANCE.md, "Where a secondary's time goes").
     */
    private static final double WINDOW_USE = MultiSourceTransfer.WINDOW_USE;

    private final FileServer server;
    private final FileServer.Settings settings;
    private final KwikSession session;
    private final Map<InetSocketAddress, CompletableFuture<PathInfo>> joins = new LinkedHashMap<>();
    private final Map<Long, CompletableFuture<String>> checks = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Boolean>> checked = new ConcurrentHashMap<>();   // pathId + " " + path -> usable
    private final AtomicLong nextCheck = new AtomicLong();
    /** This session's download slots ({@link ServeLimits#transfersPerSession()}). */
    private final Semaphore transfers;
    private final AtomicInteger refusedBusy = new AtomicInteger();
    /** Messages from secondaries that were not answers; the relay thread's own. */
    private long strayMessages;

    PrimarySession(FileServer server, KwikSession session) {
        this.server = server;
        this.settings = server.settings();
        this.session = session;
        this.transfers = new Semaphore(settings.limits().transfersPerSession());
    }

    void run() {
        server.log(session, "client session opened" + (settings.secondaries().isEmpty() ? "" : "; joining "
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
            server.log(session, "session ended: " + e.getMessage());
        }
        int refused = refusedBusy.get();
        if (refused > 0) server.log(session, "refused " + refused + " request" + (refused == 1 ? "" : "s") + " in all: " + AppProtocol.BUSY);
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
                        stray(raw, "a malformed answer");
                    }
                } else {
                    stray(raw, "an unexpected message");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the session ended
        }
    }

    /** Logs the first message from a secondary that is not an answer; a flood of them logs one line. */
    private void stray(RawData raw, String what) {
        if (strayMessages++ == 0) server.log(session, what + " from " + raw.sourcePathId() + " (later ones are not logged)");
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
            // a slot of this session, then one of the server: a client that floods requests
            // takes its own slots only, and every request past them is answered at once
            if (!transfers.tryAcquire()) {
                busy(stream, "this session has " + settings.limits().transfersPerSession() + " downloads running already");
                return;
            }
            try {
                if (!server.tryStartTransfer()) {
                    busy(stream, "the server has " + settings.limits().transfers() + " downloads running already");
                    return;
                }
                try {
                    answer(stream, path, window, asked, v2);
                } finally {
                    server.endTransfer();
                }
            } finally {
                transfers.release();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stream.reset(1);
        } catch (IOException | RuntimeException e) {
            server.log(session, "stream " + stream.id() + " failed: " + FileServer.reason(e));
            stream.reset(1);
        }
    }

    private void busy(KwikStream stream, String message) throws IOException {
        // one line per session, not per request: a flood must not flood the log too
        if (refusedBusy.getAndIncrement() == 0) server.log(session, "refused a request: " + message + " (" + AppProtocol.BUSY + ")");
        refuse(stream, AppProtocol.BUSY, message);
    }

    /** Answers a request that has its slots: the header, then the bytes. */
    private void answer(KwikStream stream, String path, long window, List<AppProtocol.Range> asked, boolean v2)
            throws IOException, InterruptedException {
        FileCatalog.Entry entry;
        // hashing the file may take a while: keep the client posted
        try (Waiting waiting = new Waiting(stream)) {
            try {
                entry = settings.catalog().resolve(path);
            } catch (FileCatalog.Refusal e) {
                server.log(session, "refused " + path + ": " + e.getMessage());
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
        server.log(session, "request " + path + " (" + Sizes.bytes(entry.size()) + ", sha256 "
                + entry.sha256().substring(0, 16) + "...)" + (v2 ? ", bytes " + ranges.stream().map(Object::toString)
                .collect(java.util.stream.Collectors.joining(",")) : ""));
        byte[] header = AppProtocol.line(new AppProtocol.Header(entry.size(), entry.sha256()).line());
        stream.write(ByteBuffer.wrap(header));
        // the window the request announces is the client's word: planning past MAX_PLAN_WINDOW
        // would let it size this server's refill buffers
        send(stream, path, entry, ranges, Math.min(ServeLimits.MAX_PLAN_WINDOW, Math.max(1024, window)));
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
            server.log(session, "sending " + path + " from " + session.pathId()
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
        server.log(session, "sent " + path + ": " + shares);
        for (MultiSourceTransfer.PathShare share : transfer.shares()) {
            if (share.copied() > 0) {
                server.log(session, "end game: " + share.pathId() + " also wrote " + Sizes.bytes(share.copied()) + " of late ranges");
            }
            if (share.failed()) {
                server.log(session, "path " + share.pathId() + " failed; refilled " + Sizes.bytes(share.lost())
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
            server.log(session, "secondary " + FileServer.format(address) + " did not join: " + FileServer.reason(e));
            return null;
        } catch (TimeoutException e) {
            server.log(session, "secondary " + FileServer.format(address) + " did not join within " + joinWait.toSeconds() + " s");
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
        String address = FileServer.format(joinedAt);
        if (!active(pathId)) {
            server.log(session, "secondary " + pathId + " (" + address + ") left out: the path is " + status(pathId));
            return false;
        }
        long id = nextCheck.incrementAndGet();
        CompletableFuture<String> answer = new CompletableFuture<>();
        checks.put(id, answer);
        try {
            session.sendRawData(pathId, AppProtocol.message(AppProtocol.CHECK + " " + id + " " + path));
        } catch (IOException e) {
            checks.remove(id);
            server.log(session, "cannot ask " + pathId + " about " + path + ": " + e.getMessage());
            return false;
        }
        boolean usable = false;
        try {
            String text = answer.get(settings.checkTimeout().toNanos(), TimeUnit.NANOSECONDS);
            String[] words = text.split(" ", 4);
            String expected = entry.size() + " " + entry.sha256();
            if (words[0].equals(AppProtocol.HAVE) && words.length == 4 && (words[2] + " " + words[3]).equals(expected)) {
                usable = true;
                server.log(session, "secondary " + pathId + " (" + address + ") has " + path + ": same size and SHA-256");
            } else if (words[0].equals(AppProtocol.HAVE) && words.length == 4) {
                server.log(session, "secondary " + pathId + " (" + address + ") left out: its " + path + " has "
                        + words[2] + " bytes, sha256 " + words[3] + "; expected " + expected.replace(" ", " bytes, sha256 "));
            } else {
                String[] none = text.split(" ", 3);
                server.log(session, "secondary " + pathId + " (" + address + ") left out: " + (none.length > 2 ? none[2] : text));
            }
        } catch (ExecutionException e) {
            server.log(session, "secondary " + pathId + " (" + address + ") left out: " + FileServer.reason(e));
        } catch (TimeoutException e) {
            checks.remove(id);
            server.log(session, "secondary " + pathId + " (" + address + ") left out: no answer within "
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
