package io.kwik.api;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.kwik.api.RangePlanner.Assignment;

/**
 * Sends the bytes of one source as one stream, written by several servers at once: the
 * primary's side of a multi-source download (docs/PROTOCOL.md 4.4, 4.5).
 *
 * <pre>{@code
 * MultiSourceTransfer transfer = MultiSourceTransfer.builder(session, stream, Source.of(channel), size)
 *         .instruction((pathId, offset, length) -> ByteBuffer.wrap(("RANGE " + offset + " " + name).getBytes()))
 *         .build();
 * transfer.addPath("p1");            // any time, from any thread: when p1 is known to serve the source
 * transfer.run();                    // returns once the client holds every byte
 * stream.close();
 * }</pre>
 *
 * <p>Byte {@code i} of the source becomes byte {@code base + i} of the stream, where
 * {@code base} is the stream's write cursor when {@link #run()} starts (what the primary wrote
 * before, a header for example, stays in front). A {@link RangePlanner} splits the bytes:
 * <ul>
 *   <li>The primary's own path starts at once; every other path joins when {@link #addPath}
 *       names it, so a secondary that is slow to answer never delays the first byte.</li>
 *   <li>The primary {@linkplain KwikStream#reserve reserves} and writes its own ranges with
 *       {@link KwikStream#writeAt}, in order, on one thread; the other paths are
 *       {@linkplain KwikStream#delegate delegated} theirs, each with the message
 *       {@link Instruction} makes, which that server receives from
 *       {@link KwikSession#receiveRawData()} and answers by writing the range.</li>
 *   <li>Shares follow each path's measured goodput; an unmeasured path starts with one small
 *       range. A secondary is measured by its delegations' completions, the primary's own
 *       path by what its session measures from the client's acknowledgements
 *       ({@link PathStats#goodputBytesPerSecond()}); with
 *       {@link Builder#planByReceiveReports(boolean)}, every path by what the client reports
 *       receiving on it ({@link KwikSession#clientReceived()}, which a KWIK client sends while
 *       secondaries write) once it has reported.</li>
 *   <li>When a path dies, the bytes the client lacks of its ranges are written by the primary.</li>
 *   <li>With {@link Builder#verifyRanges(boolean)}, each delegation carries the SHA-256 of its
 *       range, read from the source and hashed before the range is delegated: the client
 *       refuses a range a secondary got wrong, closes that path, and the primary refills it
 *       (see {@link KwikStream#delegate(String, long, ByteBuffer, byte[])}).</li>
 *   <li>End game: when no new range may go, the primary also writes the tail of a range whose
 *       holder is late; the first copy to reach the client wins, the client drops the other.
 *       The primary writes these copies itself, which needs no delegation the client must
 *       know about.</li>
 * </ul>
 *
 * <p>Refills and end-game copies are written on threads of their own, never behind the
 * primary's own ranges: those may wait for the client's window, which the client opens only
 * once it has the very bytes a refill or a copy carries.
 *
 * <p>Why a final class on the public API and not an engine interface: everything it needs
 * ({@code reserve}, {@code writeAt}, {@code delegate} and its receipts, path death, the
 * client's receive reports) is public, it runs the same on every backend, and an application
 * can read it as an example. The planner works around the lag that a delegation's completion
 * carries, or, with {@link Builder#planByReceiveReports(boolean)}, measures each path by the
 * client's per-path arrival figures ({@link KwikSession#clientReceived()}, see
 * {@link RangePlanner#arrived}).
 *
 * <p>One instance sends one stream once. {@link #addPath} is thread-safe; the other methods
 * belong to the thread that runs it. Memory: one buffer of the largest range for the
 * primary's own writes, and one per refill or copy in flight (at most a window's worth).
 *
 * @since 0.1.0
 */
public final class MultiSourceTransfer {
    private static final System.Logger LOG = System.getLogger(MultiSourceTransfer.class.getName());

    /**
     * The name of the {@code System.Logger} that takes a multi-source transfer's timeline at
     * {@code DEBUG}: one line per event, each starting with {@link System#nanoTime()} in
     * milliseconds, which on one host is one clock for every process, so the lines of a
     * primary, its secondaries and the client can be merged. The primary writes
     * {@code dispatch} (a range handed to a path), {@code done} (its completion, with the time
     * since its dispatch) and, every 100 ms, {@code tick} (per path: ranges and bytes
     * outstanding, the planner's goodput estimate, what the client reported receiving); the
     * engine adds {@code window-wait} and {@code credit-wait}, and an application may add its
     * own (the {@code kwik} command line's secondaries and client do). Off unless that logger is
     * enabled at {@code DEBUG}; then it costs a few lines per range and ten per second.
     */
    public static final String TIMELINE_LOGGER = "io.kwik.timeline";
    private static final System.Logger TIMELINE = System.getLogger(TIMELINE_LOGGER);

    /**
     * The {@link Builder#window} when the stream does not know the client's window
     * ({@link KwikStream#peerReceiveWindow()} is -1): 12 MiB. Otherwise the default is
     * {@link #WINDOW_USE} of the client's window.
     */
    public static final long DEFAULT_WINDOW = 12L << 20;
    /**
     * The part of the client's stream window that the default {@link Builder#window} uses:
     * half. A KWIK client re-opens its window once half of it is read, so only half is sure to
     * be open ahead of its reader; a range planned further out may wait for the client's
     * credit, and at three quarters (before 2026-12-07) the secondaries of the capped benchmark
     * did, a third of their writing time (docs/PERFORMANCE.md, "Where a secondary's time goes").
     */
    public static final double WINDOW_USE = 0.5;
    /** How often the loop looks at the clock when nothing happens: the end game acts on time passing. */
    private static final long TICK_MILLIS = 50;
    /** How often the primary's own goodput is read from its session's figures. */
    private static final long OBSERVE_NANOS = 100_000_000L;
    /**
     * The longest an own range waits for the client's acknowledgement before it counts as
     * complete anyway: acknowledgements come within a round trip plus the path's queue, so this
     * only bounds what an acknowledgement count that stopped moving could cost.
     */
    private static final long OWN_ACK_GRACE_NANOS = 2_000_000_000L;
    /** The most bytes one {@code writeAt} of a refill or copy carries, so that a copy that lost the race stops soon. */
    private static final int COPY_STEP = 256 << 10;

    /** Where the bytes come from. */
    @FunctionalInterface
    public interface Source {
        /**
         * Reads bytes from {@code offset} into {@code dst}, like {@link FileChannel#read(ByteBuffer, long)}:
         * may be called from several threads at once, with distinct buffers.
         *
         * @return how many bytes were read, at least 1 while {@code dst} has room and bytes are left
         */
        int read(long offset, ByteBuffer dst) throws IOException;

        /** A source that reads {@code channel} at absolute positions; the caller keeps it open until {@link #run()} returns. */
        static Source of(FileChannel channel) {
            Objects.requireNonNull(channel, "channel");
            return (offset, dst) -> channel.read(dst, offset);
        }
    }

    /** The message a secondary receives with a range to write. */
    @FunctionalInterface
    public interface Instruction {
        /**
         * @param pathId       the path that is asked to write the range
         * @param sourceOffset the range's first byte in the source
         * @param length       how many bytes
         */
        ByteBuffer forRange(String pathId, long sourceOffset, long length);
    }

    /**
     * What one path carried, for a report.
     *
     * @param pathId         the path
     * @param bytes          bytes of its ranges that it delivered (end-game copies and refills count for the primary)
     * @param copied         bytes the primary wrote as end-game copies (duplicates included; 0 for other paths)
     * @param lost           bytes of its ranges it did not deliver before it failed, which the primary refilled
     * @param goodput        the planner's final goodput estimate in bytes per second, -1 if never measured
     * @param failed         whether it failed during the transfer
     * @param reported       whether the client reported what arrived on it
     *                       ({@link KwikSession#clientReceived()}), so that its goodput is measured at
     *                       the client rather than from its completions
     */
    public record PathShare(String pathId, long bytes, long copied, long lost, long goodput, boolean failed, boolean reported) {}

    private sealed interface Event permits Done, OwnWritten, Failed, Broken, Added {}

    private record Done(Assignment assignment) implements Event {}

    /**
     * One of the primary's own ranges went into the stream, when its path had sent
     * {@code sentMark} bytes; it completes once the client has acknowledged that many
     * (see {@link #completeAcknowledgedOwnRanges()}).
     */
    private record OwnWritten(Assignment assignment, long sentMark, long writtenAtNanos) implements Event {}

    private record Failed(Assignment assignment, Throwable cause) implements Event {}

    private record Broken(Throwable cause) implements Event {}

    private record Added(String pathId) implements Event {}

    private final KwikSession session;
    private final KwikStream stream;
    private final Source source;
    private final long length;
    private final Instruction instruction;
    private final RangePlanner.Builder plan;
    private final int maxChunk;
    private final boolean verify;
    private final boolean planByReports;
    private final long window;
    private final String own;
    // one event per outstanding range, copy or refill (bounded by the window) and per added path
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final BlockingQueue<Optional<Assignment>> ownRanges = new LinkedBlockingQueue<>();
    private final List<Thread> helpers = new ArrayList<>();
    /** The primary's own ranges written and not yet acknowledged by the client, in order; the loop's. */
    private final ArrayDeque<OwnWritten> unacknowledged = new ArrayDeque<>();
    private final Map<String, long[]> lost = new LinkedHashMap<>();
    private final List<String> failedPaths = new ArrayList<>();
    /** What the client had received on each path when the transfer started, as it last reported. */
    private final Map<String, Long> receivedAtStart = new HashMap<>();
    /** Paths the client reported on during the transfer. */
    private final Set<String> reported = new HashSet<>();
    private volatile boolean over;
    private RangePlanner planner;
    private ByteBuffer hashBuffer;    // the loop's, for verifyRanges
    private long base;
    private boolean started;
    /** Whether the {@link #TIMELINE_LOGGER} is on, read once when {@link #run()} starts. */
    private boolean timeline;
    private long tickedAt;

    private MultiSourceTransfer(Builder builder) {
        this.session = builder.session;
        this.stream = builder.stream;
        this.source = builder.source;
        this.length = builder.length;
        this.instruction = builder.instruction;
        this.maxChunk = (int) builder.maxChunk;
        this.verify = builder.verify;
        this.planByReports = builder.planByReports;
        this.window = builder.window;
        this.own = stream.pathId();
        this.plan = RangePlanner.builder(0, builder.length).window(builder.window).chunkSizes(builder.minChunk, builder.maxChunk)
                .rescueGrace(builder.rescueGrace).endgame(builder.endgame).refillPath(own).observedOnly(own);
    }

    /**
     * A builder for sending {@code length} bytes of {@code source} on {@code stream}, a stream
     * of {@code session} on the primary.
     */
    public static Builder builder(KwikSession session, KwikStream stream, Source source, long length) {
        return new Builder(session, stream, source, length);
    }

    /**
     * Lets {@code pathId} write ranges from now on, for example once its server confirmed it
     * serves the same bytes. Thread-safe; may be called before {@link #run()}. Ignored once the
     * transfer is over, and for a path added before.
     */
    public void addPath(String pathId) {
        Objects.requireNonNull(pathId, "pathId");
        if (!over) events.add(new Added(pathId));
    }

    /**
     * Sends every byte and returns once the client holds them all: the primary's own writes
     * are done, and the client confirmed every delegated range (or the primary wrote it).
     * Leaves the stream open.
     *
     * @throws IOException when the session ends, the source fails, or a delegation fails in a
     *                     way a refill cannot mend
     * @throws IllegalStateException when called twice
     */
    public void run() throws IOException, InterruptedException {
        if (started) throw new IllegalStateException("a transfer runs once");
        started = true;
        base = stream.reserve(0);
        planner = plan.build();
        timeline = TIMELINE.isLoggable(Level.DEBUG);
        session.clientReceived().forEach((path, received) -> receivedAtStart.put(path, received.bytesReceived()));
        Thread writer = Thread.ofVirtual().name("kwik-transfer-own-" + stream.id()).start(this::writeOwnRanges);
        boolean sent = false;
        try {
            long observedAt = System.nanoTime();
            while (true) {
                if (System.nanoTime() - observedAt >= OBSERVE_NANOS) {
                    observedAt = System.nanoTime();
                    observePaths();
                }
                if (timeline && System.nanoTime() - tickedAt >= OBSERVE_NANOS) tick();
                completeAcknowledgedOwnRanges();
                Optional<Assignment> next;
                while ((next = planner.next()).isPresent()) dispatch(next.get());
                if (planner.finished()) break;
                Event event = events.poll(TICK_MILLIS, TimeUnit.MILLISECONDS);
                if (event == null) {
                    if (session.closed().toCompletableFuture().isDone()) throw new IOException("the session ended");
                    continue;
                }
                do {
                    handle(event);
                } while ((event = events.poll()) != null);
            }
            sent = true;
        } finally {
            over = true;
            ownRanges.add(Optional.empty());
            if (sent) {
                // the writers are done or stop at their next step (the client's window is open to the
                // end): nothing may write once the caller closes the stream
                writer.join();
                for (Thread helper : helpers) helper.join();
            } else {
                // they may wait for a window that never opens
                writer.interrupt();
                helpers.forEach(Thread::interrupt);
            }
        }
        LOG.log(Level.DEBUG, () -> "stream " + stream.id() + " sent: " + shares());
    }

    /**
     * Feeds the planner what the client reports receiving on each path
     * ({@link KwikSession#clientReceived()}), counted from what it had received when the
     * transfer started. Until the client reports on the primary's own path, that path's
     * goodput is what its session measures from the client's acknowledgements: its writes
     * complete when the stream takes the bytes, which would make it look far faster than it is.
     */
    private void observePaths() {
        Map<String, PathReceived> received = planByReports ? session.clientReceived() : Map.of();
        for (PathReceived path : received.values()) {
            // a path with no count at the start counts from zero: bytes from before the
            // transfer can only make a path look less busy, never slower
            long since = path.bytesReceived() - receivedAtStart.getOrDefault(path.pathId(), 0L);
            planner.arrived(path.pathId(), Math.max(0, since), path.clientNanos());
            reported.add(path.pathId());
        }
        if (!received.containsKey(own)) {
            PathStats stats = session.stats().paths().get(own);
            if (stats != null && stats.goodputBytesPerSecond() > 0) planner.observe(own, stats.goodputBytesPerSecond());
        }
    }

    /** The most bytes outstanding past the lowest one the client lacks (see {@link Builder#window}). */
    public long window() {
        return window;
    }

    /** What each path carried; complete once {@link #run()} has returned. */
    public List<PathShare> shares() {
        List<PathShare> shares = new ArrayList<>();
        if (planner == null) return shares;
        List<String> all = new ArrayList<>(planner.livePaths());
        for (String path : failedPaths) if (!all.contains(path)) all.add(path);
        for (String path : all) {
            long[] gone = lost.getOrDefault(path, new long[1]);
            shares.add(new PathShare(path, planner.delivered(path), planner.copied(path), gone[0], planner.goodput(path),
                    failedPaths.contains(path), reported.contains(path)));
        }
        return shares;
    }

    private void handle(Event event) throws IOException {
        switch (event) {
            case Added added -> {
                if (!planner.livePaths().contains(added.pathId()) && !failedPaths.contains(added.pathId())
                        && !added.pathId().equals(own)) {
                    try {
                        planner.addPath(added.pathId());
                    } catch (IllegalArgumentException e) {
                        // a path that was removed before: it stays out
                    }
                }
            }
            case Done done -> {
                if (timeline) trace("done", done.assignment());
                planner.completed(done.assignment());
            }
            case OwnWritten written -> unacknowledged.add(written);
            case Broken broken -> throw new IOException("sending failed: " + broken.cause().getMessage(), broken.cause());
            case Failed failed -> onFailure(failed.assignment(), failed.cause());
        }
    }

    private void onFailure(Assignment a, Throwable failure) throws IOException {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (session.closed().toCompletableFuture().isDone()) {
            throw new IOException("the session ended: " + cause.getMessage(), cause);
        }
        List<ByteRange> missing = List.of(a.range());
        if (cause instanceof PathDeadException dead && !dead.missingRanges().isEmpty()) {
            missing = new ArrayList<>();
            for (ByteRange r : dead.missingRanges()) {
                long from = Math.max(r.start(), base) - base;
                long to = Math.max(r.end(), base) - base;
                if (to > from) missing.add(new ByteRange(from, to));
            }
        } else if (!(cause instanceof KwikException)) {
            throw new IOException("a delegation failed: " + cause, cause);
        }
        if (!failedPaths.contains(a.pathId())) {
            failedPaths.add(a.pathId());
            LOG.log(Level.INFO, "path {0} failed ({1}); {2} writes what it did not deliver", a.pathId(), cause.getMessage(), own);
        }
        lost.computeIfAbsent(a.pathId(), k -> new long[1])[0] += planner.failed(a, missing);
    }

    /** A timeline line about one range. */
    private void trace(String what, Assignment a) {
        long now = System.nanoTime();
        TIMELINE.log(Level.DEBUG, String.format(java.util.Locale.ROOT, "%.3f %s path=%s stream=%d at=%d len=%d refill=%b ms=%.1f", now / 1e6, what,
                a.pathId(), stream.id(), base + a.offset(), a.length(), a.refill(), (now - a.assignedAtNanos()) / 1e6));
    }

    /** The timeline's line every 100 ms: per path what is outstanding, estimated and reported. */
    private void tick() {
        tickedAt = System.nanoTime();
        Map<String, PathReceived> received = session.clientReceived();
        Map<String, Integer> ranges = new HashMap<>();
        for (Assignment a : planner.outstanding()) ranges.merge(a.pathId(), 1, Integer::sum);
        StringBuilder line = new StringBuilder(String.format(java.util.Locale.ROOT, "%.3f tick stream=%d frontier=%d next=%d", tickedAt / 1e6,
                stream.id(), base + planner.frontier(), base + planner.nextOffset()));
        for (String path : planner.livePaths()) {
            PathReceived r = received.get(path);
            line.append(' ').append(path).append("=ranges:").append(ranges.getOrDefault(path, 0))
                    .append(",inflight:").append(planner.inFlight(path)).append(",goodput:").append(planner.goodput(path))
                    .append(",share:").append(String.format(java.util.Locale.ROOT, "%.3f", planner.share(path)))
                    .append(",client:").append(r == null ? -1 : r.bytesReceived());
        }
        TIMELINE.log(Level.DEBUG, line.toString());
    }

    private void dispatch(Assignment a) throws IOException {
        if (timeline) trace("dispatch", a);
        if (a.pathId().equals(own)) {
            if (a.refill()) {
                helpers.removeIf(helper -> !helper.isAlive());
                helpers.add(Thread.ofVirtual().name("kwik-transfer-copy-" + stream.id()).start(() -> writeCopy(a)));
                return;
            }
            long offset = stream.reserve(a.length());
            if (offset != base + a.offset()) {
                throw new IllegalStateException("the stream's cursor is at " + offset + ", the plan at " + (base + a.offset())
                        + ": something else wrote on the stream during the transfer");
            }
            ownRanges.add(Optional.of(a));
            return;
        }
        ByteBuffer message = instruction.forRange(a.pathId(), a.offset(), a.length());
        (verify ? stream.delegate(a.pathId(), a.length(), message, sha256(a.offset(), a.length()))
                : stream.delegate(a.pathId(), a.length(), message))
                .whenComplete((Delegation done, Throwable failure) -> {
                    if (failure != null) {
                        events.add(new Failed(a, failure));
                    } else if (done.offset() != base + a.offset() || done.length() != a.length()) {
                        events.add(new Broken(new IllegalStateException("delegated " + done + " for " + a)));
                    } else {
                        events.add(new Done(a));
                    }
                });
    }

    /** A refill or an end-game copy, in steps; a copy stops once the transfer is over (its race is lost). */
    private void writeCopy(Assignment a) {
        try {
            ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(COPY_STEP, a.length()));
            for (long at = a.offset(); at < a.range().end() && !over; ) {
                int n = (int) Math.min(buffer.capacity(), a.range().end() - at);
                read(at, buffer, n);
                stream.writeAt(base + at, buffer);
                at += n;
            }
            events.add(new Done(a));
        } catch (IOException | RuntimeException e) {
            events.add(new Broken(e));
        }
    }

    /** Writes the primary's own new ranges, in the order they were handed out. */
    private void writeOwnRanges() {
        ByteBuffer buffer = ByteBuffer.allocate(maxChunk);
        try {
            while (true) {
                Optional<Assignment> next = ownRanges.take();
                if (next.isEmpty()) return;
                Assignment a = next.get();
                // the plan's last range may be longer than the largest one, rather than leave a crumb behind
                if (buffer.capacity() < a.length()) buffer = ByteBuffer.allocate(Math.toIntExact(a.length()));
                read(a.offset(), buffer, Math.toIntExact(a.length()));
                stream.writeAt(base + a.offset(), buffer);
                events.add(new OwnWritten(a, bytesSentOnOwnPath(), System.nanoTime()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            events.add(new Broken(e));
        }
    }

    /** What the primary's own path has sent so far ({@link PathStats#bytesSent()}), 0 once it is gone. */
    private long bytesSentOnOwnPath() {
        PathStats stats = session.stats().paths().get(own);
        return stats == null ? 0 : stats.bytesSent();
    }

    /**
     * Completes the primary's own ranges that the client has acknowledged: those written before
     * the path's acknowledged bytes ({@link PathStats#bytesSent()} minus
     * {@link PathStats#bytesInFlight()}) reached what it had sent when the range went in.
     *
     * <p>Why not when {@code writeAt} returns: that only means the stream took the bytes. On a
     * full link the primary's path holds a whole send window of them (4 MiB and more) that the
     * client has yet to receive, so the planner's frontier ran that far ahead of the client's,
     * its window was partly spent on bytes still queued at the primary, and the secondaries, whose
     * ranges lie above, waited for the client's credit at every half-window step
     * (docs/PERFORMANCE.md, "The same side by side on a quiet machine"). It also makes
     * {@link #run()} return only once the client has the primary's bytes, as it says.
     */
    private void completeAcknowledgedOwnRanges() {
        if (unacknowledged.isEmpty()) return;
        PathStats stats = session.stats().paths().get(own);
        long acknowledged = stats == null ? Long.MAX_VALUE : stats.bytesSent() - stats.bytesInFlight();
        long now = System.nanoTime();
        OwnWritten written;
        while ((written = unacknowledged.peek()) != null
                && (written.sentMark() <= acknowledged || now - written.writtenAtNanos() >= OWN_ACK_GRACE_NANOS)) {
            unacknowledged.poll();
            if (timeline) trace("done", written.assignment());
            planner.completed(written.assignment());
        }
    }

    /**
     * The SHA-256 of source bytes {@code [offset, offset + length)}, read in steps on the
     * loop's thread (its cost is the price of {@link Builder#verifyRanges(boolean)}).
     */
    private byte[] sha256(long offset, long length) throws IOException {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
        if (hashBuffer == null) hashBuffer = ByteBuffer.allocate(COPY_STEP);
        for (long at = offset; at < offset + length; ) {
            int n = (int) Math.min(hashBuffer.capacity(), offset + length - at);
            read(at, hashBuffer, n);
            sha256.update(hashBuffer);
            at += n;
        }
        return sha256.digest();
    }

    /** Fills {@code buffer} with exactly {@code n} bytes from {@code offset} and flips it. */
    private void read(long offset, ByteBuffer buffer, int n) throws IOException {
        buffer.clear().limit(n);
        while (buffer.hasRemaining()) {
            int got = source.read(offset + buffer.position(), buffer);
            if (got <= 0) {
                throw new IOException("the source ended at " + (offset + buffer.position()) + ", before " + length + " bytes");
            }
        }
        buffer.flip();
    }

    /** Builds a {@link MultiSourceTransfer}; every value is checked at {@link #build()}. */
    public static final class Builder {
        private final KwikSession session;
        private final KwikStream stream;
        private final Source source;
        private final long length;
        private Instruction instruction;
        /** 0 until set: then derived from the client's window at {@link #build()}. */
        private long window;
        private long minChunk = RangePlanner.DEFAULT_MIN_CHUNK;
        private long maxChunk = RangePlanner.DEFAULT_MAX_CHUNK;
        private Duration rescueGrace = RangePlanner.DEFAULT_RESCUE_GRACE;
        private boolean endgame = true;
        private boolean verify;
        private boolean planByReports;

        private Builder(KwikSession session, KwikStream stream, Source source, long length) {
            this.session = Objects.requireNonNull(session, "session");
            this.stream = Objects.requireNonNull(stream, "stream");
            this.source = Objects.requireNonNull(source, "source");
            if (length < 0) throw new IllegalArgumentException("length must not be negative: " + length);
            this.length = length;
        }

        /** What a secondary is told with each range; required once a path is {@linkplain #addPath added}. */
        public Builder instruction(Instruction instruction) {
            this.instruction = Objects.requireNonNull(instruction, "instruction");
            return this;
        }

        /**
         * The most bytes outstanding past the lowest one the client lacks: at most the part of the
         * client's stream receive window that is sure to be open ahead of its reader. Default
         * {@link #WINDOW_USE} of the window the client announced for the stream
         * ({@link KwikStream#peerReceiveWindow()}), or {@link #DEFAULT_WINDOW} when the stream
         * does not know it. The largest range is cut to half of it and the smallest to a
         * quarter when needed. A window past the client's makes writers wait for its credit, and
         * with {@link #verifyRanges} a range over half the client's window is refused.
         */
        public Builder window(long bytes) {
            if (bytes < 1) throw new IllegalArgumentException("window must be positive: " + bytes);
            this.window = bytes;
            return this;
        }

        /** The smallest and largest range; defaults {@link RangePlanner#DEFAULT_MIN_CHUNK} and {@link RangePlanner#DEFAULT_MAX_CHUNK}. */
        public Builder chunkSizes(long min, long max) {
            this.minChunk = min;
            this.maxChunk = max;
            return this;
        }

        /** See {@link RangePlanner.Builder#rescueGrace}; default {@link RangePlanner#DEFAULT_RESCUE_GRACE}. */
        public Builder rescueGrace(Duration grace) {
            this.rescueGrace = Objects.requireNonNull(grace, "grace");
            return this;
        }

        /** Whether the primary copies late ranges in the end game; default {@code true}. For measurements. */
        public Builder endgame(boolean enabled) {
            this.endgame = enabled;
            return this;
        }

        /**
         * Whether each delegation carries the SHA-256 of its range, so that the client
         * verifies a secondary's bytes before its reader sees them; default {@code false}.
         * Costs one read and hash of every delegated byte on the primary, and cuts the
         * largest range to a quarter of the {@link #window} and the smallest to an eighth, so
         * that every range, the plan's longer last one included, fits in half the client's
         * stream receive window, as a range with a digest must (the window must then be at
         * most the client's).
         */
        public Builder verifyRanges(boolean enabled) {
            this.verify = enabled;
            return this;
        }

        /**
         * Whether the planner measures each path by what the client reports receiving on it
         * ({@link KwikSession#clientReceived()}) instead of by its delegations' completions;
         * default {@code false}. The reports remove the completion lag from the estimates
         * (see {@link RangePlanner#arrived}), but side-by-side runs of the capped benchmark
         * (docs/PERFORMANCE.md, 2026-12-07) were slower with them in the straggler case, on a
         * loaded machine; the default stays off until a quiet measurement says otherwise.
         */
        public Builder planByReceiveReports(boolean enabled) {
            this.planByReports = enabled;
            return this;
        }

        /** @throws IllegalArgumentException when a value is out of range */
        public MultiSourceTransfer build() {
            if (window == 0) {
                long client = stream.peerReceiveWindow();
                window = client > 0 ? Math.max(1, (long) (client * WINDOW_USE)) : DEFAULT_WINDOW;
            }
            if (window < 1) throw new IllegalArgumentException("window must be positive: " + window);
            if (minChunk < 1 || maxChunk < minChunk || maxChunk > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("chunk sizes must satisfy 1 <= min <= max <= 2^31-1: " + minChunk + ", " + maxChunk);
            }
            // verified: the last range may reach maxChunk + minChunk, which must stay within half the client's window
            minChunk = Math.min(minChunk, Math.max(1, window / (verify ? 8 : 4)));
            maxChunk = Math.max(minChunk, Math.min(maxChunk, Math.max(1, window / (verify ? 4 : 2))));
            if (instruction == null) {
                instruction = (pathId, offset, n) -> {
                    throw new IllegalStateException("no instruction was given: path " + pathId + " cannot be delegated a range");
                };
            }
            return new MultiSourceTransfer(this);
        }
    }
}
