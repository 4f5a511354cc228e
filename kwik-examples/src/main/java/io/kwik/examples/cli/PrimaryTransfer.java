package io.kwik.examples.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.kwik.api.ByteRange;
import io.kwik.api.Delegation;
import io.kwik.api.KwikException;
import io.kwik.api.KwikSession;
import io.kwik.api.KwikStream;
import io.kwik.api.PathDeadException;
import io.kwik.api.RangePlanner;
import io.kwik.api.RangePlanner.Assignment;

/**
 * The primary's side of one file download: the file's bytes follow the header on the stream,
 * and a {@link RangePlanner} splits them among the primary ({@code p0}, which writes its ranges
 * itself) and the secondaries that passed the check (which are {@linkplain KwikStream#delegate
 * delegated} theirs), in proportion to each path's goodput and within the client's window.
 *
 * <p>When a secondary dies, its delegations fail with {@link PathDeadException}; the bytes the
 * client lacks ({@link PathDeadException#missingRanges()}) become refills, which the primary
 * writes itself with {@link KwikStream#writeAt}, and the download goes on.
 *
 * <p>One thread (the caller's) owns the planner: it hands out ranges, and takes the outcomes of
 * delegations and of the primary's own writes from a queue. The primary's own ranges are written
 * by one more thread, in order; each refill by a thread of its own (see {@link #dispatch}).
 */
final class PrimaryTransfer {

    /** The share of the client's window the planner keeps outstanding: receipts lag a little. */
    private static final double WINDOW_USE = 0.75;
    private static final long MAX_CHUNK = 4L << 20;
    private static final long MIN_CHUNK = 256L << 10;

    private sealed interface Outcome permits Done, Failed, Broken {}

    private record Done(Assignment assignment) implements Outcome {}

    private record Failed(Assignment assignment, Throwable cause) implements Outcome {}

    private record Broken(Throwable cause) implements Outcome {}

    private final KwikSession session;
    private final KwikStream stream;
    private final FileCatalog.Entry entry;
    private final String path;
    private final long headerLength;
    private final List<String> helpers;
    private final Consumer<String> log;
    private final RangePlanner planner;
    private final BlockingQueue<Outcome> outcomes = new LinkedBlockingQueue<>();
    private final BlockingQueue<Optional<Assignment>> own = new LinkedBlockingQueue<>();
    private final List<Thread> refillers = new ArrayList<>();   // the planner's thread only
    private final Map<String, long[]> refilled = new LinkedHashMap<>();   // path -> {bytes, ranges}

    PrimaryTransfer(KwikSession session, KwikStream stream, FileCatalog.Entry entry, String path, long headerLength,
                    long clientWindow, List<String> helpers, Consumer<String> log) {
        this.session = session;
        this.stream = stream;
        this.entry = entry;
        this.path = path;
        this.headerLength = headerLength;
        this.helpers = List.copyOf(helpers);
        this.log = log;
        long window = Math.max(1024, (long) (clientWindow * WINDOW_USE));
        long minChunk = Math.min(MIN_CHUNK, Math.max(1, window / 4));
        long maxChunk = Math.max(minChunk, Math.min(MAX_CHUNK, window / 2));
        List<String> paths = new ArrayList<>();
        paths.add(session.pathId());
        paths.addAll(helpers);
        this.planner = RangePlanner.builder(headerLength, headerLength + entry.size())
                .window(window).chunkSizes(minChunk, maxChunk)
                .refillPath(session.pathId()).paths(paths).build();
    }

    /** Sends every byte of the file; returns once each range was written or confirmed. */
    void run() throws IOException, InterruptedException {
        log.accept("sending " + path + " over " + (1 + helpers.size()) + " path(s): " + session.pathId()
                + (helpers.isEmpty() ? "" : " + " + String.join(" + ", helpers)));
        Thread writer = Thread.ofVirtual().name("kwik-primary-writer-" + stream.id()).start(this::writeOwnRanges);
        try {
            while (true) {
                Optional<Assignment> next;
                while ((next = planner.next()).isPresent()) dispatch(next.get());
                if (planner.finished()) break;
                Outcome outcome = outcomes.poll(1, TimeUnit.SECONDS);
                if (outcome == null) {
                    if (session.closed().toCompletableFuture().isDone()) throw new IOException("the session ended");
                    continue;
                }
                do {
                    settle(outcome);
                } while ((outcome = outcomes.poll()) != null);
            }
        } finally {
            own.add(Optional.empty());
            writer.interrupt();
            refillers.forEach(Thread::interrupt);
        }
        StringBuilder shares = new StringBuilder();
        for (String pathId : allPaths()) {
            shares.append(shares.isEmpty() ? "" : ", ").append(pathId).append(' ')
                    .append(Sizes.bytes(planner.delivered(pathId)));
        }
        log.accept("sent " + path + ": " + shares);
        for (var refill : refilled.entrySet()) {
            log.accept("refilled " + Sizes.bytes(refill.getValue()[0]) + " in " + refill.getValue()[1]
                    + " range(s) that " + refill.getKey() + " did not deliver");
        }
    }

    private List<String> allPaths() {
        List<String> all = new ArrayList<>();
        all.add(session.pathId());
        all.addAll(helpers);
        return all;
    }

    private void dispatch(Assignment a) throws IOException {
        if (a.pathId().equals(session.pathId())) {
            if (a.refill()) {
                // Never queued behind the own ranges: the writer may be waiting in one of them for
                // the client's window (the planner runs up to WINDOW_USE of it ahead of the
                // frontier, the client re-opens it only as it reads), and the client cannot read
                // past the bytes the failed path lacks, so only this refill can open it again.
                refillers.add(Thread.ofVirtual().name("kwik-primary-refill-" + stream.id()).start(() -> writeRefill(a)));
                return;
            }
            long offset = stream.reserve(a.length());
            if (offset != a.offset()) {
                throw new IllegalStateException("the stream's cursor is at " + offset + ", the plan at " + a.offset());
            }
            own.add(Optional.of(a));
            return;
        }
        long fileOffset = a.offset() - headerLength;
        stream.delegate(a.pathId(), a.length(), AppProtocol.message(AppProtocol.RANGE + " " + fileOffset + " " + path))
                .whenComplete((Delegation done, Throwable failure) -> {
                    if (failure != null) {
                        outcomes.add(new Failed(a, failure));
                    } else if (done.offset() != a.offset() || done.length() != a.length()) {
                        outcomes.add(new Broken(new IllegalStateException("delegated " + done + " for " + a)));
                    } else {
                        outcomes.add(new Done(a));
                    }
                });
    }

    private void settle(Outcome outcome) throws IOException {
        switch (outcome) {
            case Done done -> planner.completed(done.assignment());
            case Broken broken -> throw new IOException("sending failed: " + broken.cause().getMessage(), broken.cause());
            case Failed failed -> {
                Throwable cause = failed.cause();
                while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
                    cause = cause.getCause();
                }
                if (session.closed().toCompletableFuture().isDone()) {
                    throw new IOException("the session ended: " + cause.getMessage(), cause);
                }
                Assignment a = failed.assignment();
                List<ByteRange> missing = List.of(a.range());
                if (cause instanceof PathDeadException dead && !dead.missingRanges().isEmpty()) {
                    missing = dead.missingRanges();
                } else if (!(cause instanceof KwikException)) {
                    throw new IOException("a delegation failed: " + cause, cause);
                }
                boolean first = planner.livePaths().contains(a.pathId());
                planner.failed(a, missing);
                long lost = 0;
                for (ByteRange r : missing) {
                    lost += Math.max(0, Math.min(r.end(), a.range().end()) - Math.max(r.start(), a.offset()));
                }
                long[] sum = refilled.computeIfAbsent(a.pathId(), k -> new long[2]);
                sum[0] += lost;
                sum[1]++;
                if (first) {
                    log.accept("path " + a.pathId() + " failed (" + cause.getMessage() + "); " + session.pathId()
                            + " refills what it did not deliver");
                }
            }
        }
    }

    /** Writes one refill; it has a file channel of its own, as the writer may be in the middle of a range. */
    private void writeRefill(Assignment a) {
        try (FileChannel channel = FileCatalog.open(entry.file())) {
            ByteBuffer bytes = FileCatalog.read(channel, a.offset() - headerLength, Math.toIntExact(a.length()));
            stream.writeAt(a.offset(), bytes);
            outcomes.add(new Done(a));
        } catch (IOException | RuntimeException e) {
            outcomes.add(new Broken(e));
        }
    }

    /** Writes the primary's own new ranges, in the order they were handed out. */
    private void writeOwnRanges() {
        try (FileChannel channel = FileCatalog.open(entry.file())) {
            while (true) {
                Optional<Assignment> next = own.take();
                if (next.isEmpty()) return;
                Assignment a = next.get();
                ByteBuffer bytes = FileCatalog.read(channel, a.offset() - headerLength, Math.toIntExact(a.length()));
                stream.writeAt(a.offset(), bytes);
                outcomes.add(new Done(a));
            }
        } catch (InterruptedException e) {
            // the transfer ended
        } catch (IOException | RuntimeException e) {
            outcomes.add(new Broken(e));
        }
    }
}
