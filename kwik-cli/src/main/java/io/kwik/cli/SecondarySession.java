package io.kwik.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import io.kwik.api.Delegation;
import io.kwik.api.ErrorCode;
import io.kwik.api.KwikSession;
import io.kwik.api.KwikStream;
import io.kwik.api.RawData;

/** One session served as a secondary: answers checks, writes delegated ranges in order. */
final class SecondarySession {
    /** The most files one session's writer keeps open: a primary may name many. */
    private static final int OPEN_FILES = 8;
    /** A check's id is a number the primary chose; it is echoed back, so it is kept short. */
    private static final Pattern CHECK_ID = Pattern.compile("[0-9]{1,19}");

    private final FileServer server;
    private final FileServer.Settings settings;
    private final KwikSession session;
    /** The delegations received and not yet written, bounded by {@link ServeLimits#delegationsQueued()}. */
    private final BlockingQueue<RawData> ranges;
    /** The instruction bytes in {@link #ranges}, bounded by {@link ServeLimits#delegationBytesQueued()}. */
    private final AtomicLong queuedBytes = new AtomicLong();
    /** This session's checks waiting or running, bounded by {@link ServeLimits#checksPerSession()}. */
    private final AtomicInteger pendingChecks = new AtomicInteger();
    private final AtomicInteger refusedChecks = new AtomicInteger();
    /** The files the writer reads, at most {@link #OPEN_FILES}; the writer thread's own. */
    private final Map<String, FileChannel> open = new HashMap<>();
    private long strayMessages;

    SecondarySession(FileServer server, KwikSession session) {
        this.server = server;
        this.settings = server.settings();
        this.session = session;
        this.ranges = new ArrayBlockingQueue<>(settings.limits().delegationsQueued());
    }

    void run() {
        server.log(session, "joined a session as a secondary");
        Thread writer = Thread.ofVirtual().name("kwik-secondary-writer-" + session.pathId()).start(this::writeRanges);
        try (session) {
            while (true) {
                RawData raw = session.receiveRawData();
                if (raw.delegated().isPresent()) {
                    if (!queue(raw)) return;
                } else {
                    check(raw);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            server.log(session, "session ended: " + e.getMessage());
        } finally {
            writer.interrupt();
            int refused = refusedChecks.get();
            if (refused > 0) server.log(session, "answered " + refused + " check" + (refused == 1 ? "" : "s") + " " + AppProtocol.BUSY + " in all");
        }
    }

    /**
     * Queues a delegation for the writer. A primary that delegates past the bounds, faster than
     * this server writes, is told so by the end of the session ({@link ErrorCode#FLOW_CONTROL}):
     * its delegations fail with the path, and it refills them itself.
     *
     * @return false when the session was closed for it
     */
    private boolean queue(RawData raw) {
        ServeLimits limits = settings.limits();
        int bytes = raw.data().remaining();
        // the receiving thread is the only one that adds, so the checks cannot race another add
        if (ranges.size() >= limits.delegationsQueued() || queuedBytes.get() + bytes > limits.delegationBytesQueued()) {
            String reason = "more than " + limits.delegationsQueued() + " delegations or "
                    + Sizes.bytes(limits.delegationBytesQueued()) + " of instructions queued";
            server.log(session, "closing the session: " + reason);
            session.close(ErrorCode.FLOW_CONTROL, reason);
            return false;
        }
        queuedBytes.addAndGet(bytes);
        ranges.add(raw);
        if (Timeline.on()) {
            Delegation range = raw.delegated().orElseThrow();
            Timeline.log("got path=" + session.pathId() + " stream=" + range.streamId() + " at=" + range.offset()
                    + " len=" + range.length() + " queued=" + ranges.size());
        }
        server.delegationsQueued(ranges.size());
        return true;
    }

    /**
     * Hands a check to the server's check threads, or answers {@code NONE <id> busy} at once
     * when this session, or the server, has too many waiting: the primary leaves this server
     * out of that download, which still completes from the others.
     */
    private void check(RawData raw) throws IOException {
        String source = raw.sourcePathId();
        if (raw.data().remaining() > AppProtocol.MAX_LINE) {
            stray(source, "a message longer than " + AppProtocol.MAX_LINE + " bytes");
            return;
        }
        String[] words = AppProtocol.text(raw.data()).split(" ", 3);
        if (words.length != 3 || !words[0].equals(AppProtocol.CHECK) || !CHECK_ID.matcher(words[1]).matches()) {
            stray(source, "an unexpected message");
            return;
        }
        String id = words[1];
        String path = words[2];
        if (pendingChecks.incrementAndGet() <= settings.limits().checksPerSession()
                && server.submitCheck(() -> {
                    try {
                        answer(source, id, path);
                    } finally {
                        pendingChecks.decrementAndGet();
                    }
                })) {
            return;
        }
        pendingChecks.decrementAndGet();
        if (refusedChecks.getAndIncrement() == 0) {
            server.log(session, "answering checks " + AppProtocol.BUSY + ": too many at once (later ones are not logged)");
        }
        // sent from the receiving thread: if the primary does not read its answers, this waits,
        // and the relay's flow control slows the primary down
        session.sendRawData(source, AppProtocol.message(AppProtocol.NONE + " " + id + " " + AppProtocol.BUSY
                + ": too many checks at once"));
    }

    private void stray(String source, String what) {
        if (strayMessages++ == 0) server.log(session, what + " from " + source + " (later ones are not logged)");
    }

    private void answer(String source, String id, String path) {
        String reply;
        try {
            FileCatalog.Entry entry = settings.catalog().resolve(path);
            reply = AppProtocol.HAVE + " " + id + " " + entry.size() + " " + entry.sha256();
        } catch (FileCatalog.Refusal e) {
            reply = AppProtocol.NONE + " " + id + " " + e.getMessage();
        } catch (IOException e) {
            reply = AppProtocol.NONE + " " + id + " cannot read it: " + e.getMessage();
        }
        try {
            session.sendRawData(source, AppProtocol.message(reply));
        } catch (IOException e) {
            server.log(session, "cannot answer " + source + ": " + e.getMessage());
        }
    }

    private void writeRanges() {
        // one buffer for every range, whatever the length a primary delegates
        ByteBuffer buffer = ByteBuffer.allocate(ServeLimits.WRITE_STEP);
        try {
            while (true) {
                RawData raw = ranges.take();
                queuedBytes.addAndGet(-raw.data().remaining());
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
                if (range.length() > entry.size() || fileOffset > entry.size() - range.length()) {
                    throw new IOException("range [" + fileOffset + ", +" + range.length() + ") is past the end of " + words[2]);
                }
                FileChannel channel = channel(words[2], entry);
                KwikStream stream = session.stream(range.streamId());
                boolean timeline = Timeline.on();
                long started = System.nanoTime();
                long blocked = 0;
                if (timeline) {
                    Timeline.log("write-start path=" + session.pathId() + " stream=" + range.streamId() + " at=" + range.offset()
                            + " len=" + range.length() + " queued=" + ranges.size());
                }
                for (long done = 0; done < range.length(); ) {
                    int n = (int) Math.min(buffer.capacity(), range.length() - done);
                    buffer.clear().limit(n);
                    while (buffer.hasRemaining()) {
                        if (channel.read(buffer, fileOffset + done + buffer.position()) < 0) {
                            throw new IOException("the file " + words[2] + " ended before " + (fileOffset + range.length()));
                        }
                    }
                    long before = timeline ? System.nanoTime() : 0;
                    stream.writeAt(range.offset() + done, buffer.flip());
                    if (timeline) blocked += System.nanoTime() - before;
                    done += n;
                }
                if (timeline) {
                    var stats = session.stats().paths().get(session.pathId());
                    Timeline.log("write-end path=" + session.pathId() + " stream=" + range.streamId() + " at=" + range.offset()
                            + " len=" + range.length() + String.format(java.util.Locale.ROOT, " ms=%.1f writeat-ms=%.1f", (System.nanoTime() - started) / 1e6,
                            blocked / 1e6) + (stats == null ? "" : " inflight=" + stats.bytesInFlight() + " window="
                            + stats.sendWindow() + " rtt-ms=" + stats.rtt().toMillis()));
                }
            }
        } catch (InterruptedException e) {
            // the session ended
        } catch (IOException | RuntimeException e) {
            if (!server.isClosed() && !session.closed().toCompletableFuture().isDone()) {
                // this server cannot write its share: leaving the session makes the primary refill it
                server.log(session, "cannot write a delegated range (" + FileServer.reason(e) + "); leaving the session");
                session.close();
            }
        } finally {
            closeFiles();
        }
    }

    private FileChannel channel(String path, FileCatalog.Entry entry) throws IOException {
        FileChannel channel = open.get(path);
        if (channel == null) {
            if (open.size() >= OPEN_FILES) closeFiles();
            channel = FileCatalog.open(entry.file());
            open.put(path, channel);
        }
        return channel;
    }

    private void closeFiles() {
        for (FileChannel channel : open.values()) {
            try {
                channel.close();
            } catch (IOException e) {
                // nothing to do
            }
        }
        open.clear();
    }
}
