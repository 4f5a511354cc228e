package io.kwik.api;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * Splits the bytes {@code [start, end)} of one stream among the paths of a session, in
 * proportion to each path's measured goodput (docs/PROTOCOL.md 4.4, R8.5 "send scheduling"). A primary
 * uses it to decide which range it writes itself and which it {@link KwikStream#delegate
 * delegates}; it is pure bookkeeping and does no I/O.
 *
 * <p>How it plans:
 * <ul>
 *   <li><b>In order, near the reader.</b> New ranges are handed out in ascending offset order,
 *       so the paths' ranges interleave right behind each other. Every range handed out and not
 *       yet {@linkplain #completed completed} lies in {@code [frontier(), frontier() + window)}:
 *       the planner never runs further ahead of the lowest outstanding byte than the client's
 *       stream window, so no path is asked to write bytes the client has no room for.</li>
 *   <li><b>In proportion to goodput.</b> A measured live path may have about
 *       {@code share × window} bytes outstanding, where its share is its goodput over the sum of
 *       the live paths' goodputs (a path with no estimate yet counts as the mean of those that
 *       have one; when none has, the shares are equal), and never less than two smallest
 *       ranges, so that its ranges are always pipelined (see below). A path with no estimate
 *       yet gets one smallest range and nothing more until that range completes: a larger
 *       first allowance is what lets an unknown slow path hold the reader back for a long time.
 *       There is no other floor: a straggler keeps only what its speed earns. Ranges are about
 *       half a path's allowance, within {@code [minChunk, maxChunk]}. Whenever a path completes
 *       a range it may get the next one, so the bytes each path carries follow its real speed.</li>
 *   <li><b>Measured as it goes, without the lag.</b> A range's completion is seen some time
 *       after its last byte left (the instruction's way out, the receipt's way back), and that
 *       lag is in every sample taken from one range alone: small ranges would measure slow, get
 *       smaller shares and measure slower still. So a completion is a full goodput sample only
 *       when the range was handed out before the path's previous completion (the path had it
 *       queued, so the lag cancels out): the bytes of the recent completions of such a run
 *       over the time they spanned, at least 100 ms (one receipt may confirm several ranges
 *       at once, so a shorter run gives no sample). A range the path was idle for gives a lower bound of its speed, which may
 *       only raise the estimate (or make the first one). Better still, when the client
 *       reports what arrived on each path ({@link #arrived}), the arrival rate between
 *       reports replaces the completions as the path's samples: it carries no lag at all.
 *       Samples, and any external estimate
 *       given to {@link #observe}, are smoothed with an exponentially weighted moving average,
 *       so the shares re-balance as the estimates move.</li>
 *   <li><b>The end game.</b> When no new range may go and the refill path has no refill or
 *       copy in flight, {@link #next()} may hand the refill path a <em>copy</em> of a late range.
 *       Once every byte is handed out, that is the earliest range whose holder would need more
 *       than {@value #RESCUE_MARGIN} times as long as the refill path for what it has probably
 *       not written yet: the copy runs from the holder's estimated position to the end. Before
 *       that (the window is full), only the range that holds the reader back is copied, and
 *       only once its holder is {@linkplain Builder#rescueGrace a grace period} past its
 *       expected finish. A copy made after the grace is of the whole range, and its holder
 *       then gets no new range until it completes one. Whichever copy arrives first wins (the client drops duplicates): the range
 *       completes when its holder's completion comes in, or when the refill path has copied all
 *       of it, and the other outcome is then ignored. Copies are flagged {@link
 *       Assignment#refill()}: they are written with {@link KwikStream#writeAt}.</li>
 *   <li><b>Refills first.</b> When a path {@linkplain #failed fails}, the bytes it did not
 *       deliver are queued as refills. They are the lowest outstanding offsets, so the reader is
 *       waiting for them: {@link #next()} hands them out before any new range, to the
 *       {@linkplain Builder#refillPath refill path} (typically the primary's own {@code "p0"},
 *       which writes them with {@link KwikStream#writeAt}). A failed path gets no new range.</li>
 * </ul>
 *
 * <p>Typical use on a primary: call {@link #next()} until it is empty and send each
 * {@link Assignment} on its way ({@code reserve} plus {@code writeAt} for the primary's own
 * ranges, {@code delegate} for the others; the planner's new ranges follow the stream's cursor
 * exactly when they are reserved in the order they are handed out), report each outcome with
 * {@link #completed} or {@link #failed}, and call {@link #next()} again, until
 * {@link #finished()}.
 *
 * <p>Not thread-safe: confine an instance to one thread, or guard it with one lock.
 *
 * @since 0.1.0
 */
public final class RangePlanner {

    /** Default {@link Builder#smoothing(double)}: 0.3. */
    public static final double DEFAULT_SMOOTHING = 0.3;
    /** Default {@link Builder#window(long)}: 16 MiB. */
    public static final long DEFAULT_WINDOW = 16L << 20;
    /** Default smallest range: 256 KiB. */
    public static final long DEFAULT_MIN_CHUNK = 256L << 10;
    /** Default largest range: 4 MiB. */
    public static final long DEFAULT_MAX_CHUNK = 4L << 20;
    /** Default {@link Builder#rescueGrace}: 500 ms, about twice the lag from a range's last byte to its completion. */
    public static final Duration DEFAULT_RESCUE_GRACE = Duration.ofMillis(500);
    /** How many times slower than the refill path a holder must be for its range to be copied. */
    public static final double RESCUE_MARGIN = 1.5;

    /**
     * One range handed to one path.
     *
     * @param pathId          the path that writes it
     * @param range           its bytes
     * @param refill          whether its offsets were handed out before, so it must be written with
     *                        {@link KwikStream#writeAt} and never reserved again: bytes a failed
     *                        path did not deliver, or an end-game copy of a late range
     * @param assignedAtNanos when {@link #next()} handed it out, by the planner's clock
     */
    public record Assignment(String pathId, ByteRange range, boolean refill, long assignedAtNanos) {
        /**
         * Checks the components.
         *
         * @throws NullPointerException when {@code pathId} or {@code range} is null
         */
        public Assignment {
            Objects.requireNonNull(pathId, "pathId");
            Objects.requireNonNull(range, "range");
        }

        /** The first offset. */
        public long offset() {
            return range.start();
        }

        /** How many bytes. */
        public long length() {
            return range.length();
        }
    }

    /**
     * The most recent completions a path remembers for its goodput samples; it forgets those
     * that a newer one, itself older than {@link #SAMPLE_SPAN_NANOS}, makes useless.
     */
    private static final int MARKS = 1024;
    /** How many recent hand-outs a path remembers for {@link #arrived}. */
    private static final int HAND_OUTS = 64;
    /** The time an arrival sample spans at least: reports come about every 100 ms, with jitter. */
    private static final long ARRIVAL_SPAN_NANOS = 200_000_000L;
    /**
     * How long before an arrival sample starts a range must have been handed out to count as
     * work its path held during the sample: the instruction's way to the server (a median
     * 40 ms), the report's way back, and the time until the primary reads it.
     */
    private static final long DISPATCH_NANOS = 200_000_000L;
    /** Rates above this (1 TB/s) are taken as this: a client's report is its word, not a fact. */
    private static final double MAX_RATE = 1e12;
    /**
     * The time a goodput sample from completions spans at least; a run of completions shorter
     * than this gives no sample. Receipts come in bunches (one may confirm several ranges at
     * once, and a client short of CPU sends them late and together). Before, a run shorter
     * than this was measured over whatever span it had, down to microseconds, which put a
     * 9.5 MiB/s path at gigabytes per second in the capped benchmark (docs/PERFORMANCE.md,
     * "Where a secondary's time goes"), and the shares then sent nearly everything to it.
     */
    private static final long SAMPLE_SPAN_NANOS = 100_000_000L;

    private static final class PathState {
        final String id;
        boolean live = true;
        /** Its estimate comes from {@link #observe} alone, once the first one came. */
        boolean observedOnly;
        boolean observed;
        /** A range of it was copied whole after the grace: no new range until it completes one. */
        boolean stalled;
        double goodput = -1;           // bytes per second, smoothed; -1 until measured
        long lastCompletionNanos = Long.MIN_VALUE;
        long inFlight;
        long assigned;
        long delivered;
        long copied;
        /** Recent completions of the current run of queued ranges: {nanos, bytes completed so far}. */
        final ArrayDeque<long[]> marks = new ArrayDeque<>();
        long completedBytes;
        /** Whether {@link #arrived} has reported on it: its completions are no longer samples. */
        boolean reported;
        /** The arrival report a sample starts from: {client nanos, bytes arrived, planner nanos}; null before the first. */
        long[] arrivalAnchor;
        /** Recent hand-outs: {planner nanos, bytes assigned so far}, to tell what it had been given by a past moment. */
        final ArrayDeque<long[]> handOuts = new ArrayDeque<>();

        PathState(String id) {
            this.id = id;
        }
    }

    private final long start;
    private final long end;
    private final long window;
    private final long minChunk;
    private final long maxChunk;
    private final double smoothing;
    private final String refillPath;
    private final LongSupplier clock;
    private final boolean endgame;
    private final long rescueGraceNanos;

    private final Map<String, PathState> paths = new LinkedHashMap<>();
    /** Handed out and not yet completed or failed, by first offset. */
    private final TreeMap<Long, Assignment> outstanding = new TreeMap<>();
    /** Bytes a failed path did not deliver and nobody has been given yet, by first offset. */
    private final TreeMap<Long, ByteRange> refills = new TreeMap<>();
    /** End-game copies, by the outstanding range they copy (its first offset). */
    private final Map<Long, Copy> copies = new HashMap<>();
    /** Copies the refill path is writing now, with the range each is part of. */
    private final Map<Assignment, Copy> pieces = new HashMap<>();
    /** Ranges the refill path copied whole: their holder's late outcome is ignored. */
    private final Set<Assignment> takenOver = new HashSet<>();
    /** Refills and copies in flight on the refill path (its own new ranges are not counted). */
    private long rescuing;
    private long nextOffset;

    /** What the refill path copied of one outstanding range: the suffix {@code [from, end)}. */
    private static final class Copy {
        final Assignment owner;
        long from;
        Assignment piece;
        /** Whether the piece in flight was cut after the grace (the holder should have written it all). */
        boolean whole;

        Copy(Assignment owner) {
            this.owner = owner;
            this.from = owner.range().end();
        }
    }

    private RangePlanner(Builder builder) {
        this.start = builder.start;
        this.end = builder.end;
        this.window = builder.window;
        this.minChunk = builder.minChunk;
        this.maxChunk = builder.maxChunk;
        this.smoothing = builder.smoothing;
        this.refillPath = builder.refillPath;
        this.clock = builder.clock;
        this.endgame = builder.endgame;
        this.rescueGraceNanos = builder.rescueGrace.toNanos();
        this.nextOffset = start;
        if (!builder.paths.contains(refillPath)) addPath(refillPath);
        for (String path : builder.paths) addPath(path);
        for (String path : builder.observedOnly) {
            if (paths.containsKey(path)) paths.get(path).observedOnly = true;
        }
    }

    /**
     * A builder for the bytes {@code [start, end)}.
     *
     * @throws IllegalArgumentException when {@code start} is negative or {@code end} below it
     */
    public static Builder builder(long start, long end) {
        return new Builder(start, end);
    }

    // ---------------------------------------------------------------- paths

    /**
     * Adds a live path; it gets ranges from the next {@link #next()} on.
     *
     * @throws IllegalArgumentException when the planner knows the path already
     */
    public void addPath(String pathId) {
        Objects.requireNonNull(pathId, "pathId");
        if (paths.containsKey(pathId)) throw new IllegalArgumentException("path " + pathId + " is known already");
        paths.put(pathId, new PathState(pathId));
    }

    /**
     * Stops giving {@code pathId} new ranges, for example because it was left out or removed.
     * Its outstanding ranges stay outstanding until they are {@linkplain #completed completed}
     * or {@linkplain #failed failed}. Unknown paths are ignored.
     *
     * @throws IllegalArgumentException for the refill path, which must stay to the end
     */
    public void removePath(String pathId) {
        if (pathId.equals(refillPath)) throw new IllegalArgumentException("the refill path " + pathId + " cannot be removed");
        PathState path = paths.get(pathId);
        if (path != null) path.live = false;
    }

    /** The paths that may get new ranges, in the order they were added. */
    public List<String> livePaths() {
        List<String> live = new ArrayList<>();
        for (PathState path : paths.values()) {
            if (path.live) live.add(path.id);
        }
        return Collections.unmodifiableList(live);
    }

    /**
     * Folds an external goodput estimate for {@code pathId} (for example
     * {@link PathStats#goodputBytesPerSecond()}) into the planner's own. Values of 0 or less
     * mean "not measured" and are ignored, and so are unknown paths and paths that
     * {@link #arrived} reported on.
     */
    public void observe(String pathId, long bytesPerSecond) {
        PathState path = paths.get(pathId);
        // the client's arrival reports are the better measure: once they come, they alone count
        if (path != null && bytesPerSecond > 0 && !path.reported) {
            sample(path, bytesPerSecond);
            path.observed = true;
        }
    }

    /**
     * The client reports that {@code bytesArrived} bytes of this plan had arrived on
     * {@code pathId} at {@code clientNanos}, a time on the client's clock (for example from
     * {@link KwikSession#clientReceived()}; a count that includes a few other bytes, framing or
     * what the path carried before the plan, is fine). This is the planner's preferred measure:
     * from the first report on, the path's completions are no longer goodput samples.
     *
     * <p>Two reports at least 200 ms apart (client time) give the path's arrival rate between
     * them. That rate is a full sample only when the path was busy all along: it had not yet
     * delivered, by the second report, every byte handed to it well before the first (200 ms
     * before the planner saw the first report: the instruction's way out and the report's way
     * back). Otherwise the path may have idled part
     * of the time, waiting for its next range, so the rate is a lower bound of its speed that
     * may only raise the estimate: a path the planner under-feeds can then never be measured
     * slower for it, which is the loop that completion samples, with their lag, fell into.
     *
     * <p>Reports that go back in time or count fewer bytes than an earlier one are ignored, and
     * rates are capped at 10^12 bytes per second, so a forged report skews shares but never
     * breaks the plan. Unknown paths are ignored.
     */
    public void arrived(String pathId, long bytesArrived, long clientNanos) {
        PathState path = paths.get(pathId);
        if (path == null || bytesArrived < 0) return;
        long now = clock.getAsLong();
        long[] anchor = path.arrivalAnchor;
        path.reported = true;
        if (anchor == null) {
            path.arrivalAnchor = new long[] {clientNanos, bytesArrived, now};
            return;
        }
        if (clientNanos <= anchor[0] || bytesArrived < anchor[1]) return;
        long elapsed = clientNanos - anchor[0];
        if (elapsed < ARRIVAL_SPAN_NANOS) return;
        double rate = Math.min(MAX_RATE, (bytesArrived - anchor[1]) * 1e9 / elapsed);
        boolean busy = bytesArrived < assignedBy(path, anchor[2] - DISPATCH_NANOS);
        if (busy) {
            sample(path, rate);
        } else if (rate > 0 && (path.goodput < 0 || rate > path.goodput)) {
            sample(path, rate);
        }
        path.arrivalAnchor = new long[] {clientNanos, bytesArrived, now};
    }

    /** Bytes handed to {@code path} by {@code nanos}, by the planner's clock. */
    private static long assignedBy(PathState path, long nanos) {
        long assigned = 0;
        for (long[] handOut : path.handOuts) {
            if (handOut[0] - nanos > 0) break;
            assigned = handOut[1];
        }
        return assigned;
    }

    /** The smoothed goodput estimate of {@code pathId} in bytes per second, or -1 while unmeasured or unknown. */
    public long goodput(String pathId) {
        PathState path = paths.get(pathId);
        return path == null || path.goodput < 0 ? -1 : Math.round(path.goodput);
    }

    /** The share of new ranges {@code pathId} gets now, in {@code [0, 1]}: 0 for a path that is not live. */
    public double share(String pathId) {
        PathState path = paths.get(pathId);
        if (path == null || !path.live) return 0;
        double total = 0;
        for (PathState other : paths.values()) {
            if (other.live) total += weight(other);
        }
        return total <= 0 ? 0 : weight(path) / total;
    }

    /** Bytes of {@code pathId}'s ranges handed out and not yet completed or failed. */
    public long inFlight(String pathId) {
        PathState path = paths.get(pathId);
        return path == null ? 0 : path.inFlight;
    }

    /** Every byte ever handed to {@code pathId}, refills included. */
    public long assigned(String pathId) {
        PathState path = paths.get(pathId);
        return path == null ? 0 : path.assigned;
    }

    /**
     * Bytes of {@code pathId}'s ranges that completed, or that it delivered before it failed;
     * the parts the refill path copied in the end game count for the refill path.
     */
    public long delivered(String pathId) {
        PathState path = paths.get(pathId);
        return path == null ? 0 : path.delivered;
    }

    /** Bytes {@code pathId} wrote as end-game copies (only the refill path writes any), duplicates included. */
    public long copied(String pathId) {
        PathState path = paths.get(pathId);
        return path == null ? 0 : path.copied;
    }

    // ---------------------------------------------------------------- planning

    /**
     * The next range to send, or empty when none may go now: every range is out, the window
     * is full, or every live path has its allowance in flight. Refills come first. Call it again
     * after each {@link #completed} or {@link #failed}.
     */
    public Optional<Assignment> next() {
        if (!refills.isEmpty()) return Optional.of(nextRefill());
        Optional<Assignment> fresh = nextNew();
        if (fresh.isPresent() || !endgame) return fresh;
        return rescue();
    }

    private Optional<Assignment> nextNew() {
        if (nextOffset >= end) return Optional.empty();
        long room = frontier() + window - nextOffset;
        long left = end - nextOffset;
        if (room < Math.min(minChunk, left)) return Optional.empty();

        PathState chosen = null;
        double chosenFill = Double.MAX_VALUE;
        long chosenAllowance = 0;
        for (PathState path : paths.values()) {
            if (!path.live || path.stalled) continue;
            long allowance = allowance(path);
            if (path.inFlight >= allowance) continue;
            double fill = (double) path.inFlight / allowance;
            if (fill < chosenFill) {
                chosen = path;
                chosenFill = fill;
                chosenAllowance = allowance;
            }
        }
        if (chosen == null) return Optional.empty();

        long length = clamp(chosenAllowance / 2, minChunk, maxChunk);
        length = Math.min(length, Math.max(minChunk, chosenAllowance - chosen.inFlight));
        length = Math.min(length, Math.min(room, left));
        // never leave a tail smaller than a chunk behind, when the window has room for it
        if (left - length < minChunk && left <= room) length = left;
        ByteRange range = new ByteRange(nextOffset, nextOffset + length);
        nextOffset += length;
        return Optional.of(handOut(chosen, range, false));
    }

    private Assignment nextRefill() {
        Map.Entry<Long, ByteRange> first = refills.pollFirstEntry();
        ByteRange range = first.getValue();
        if (range.length() > maxChunk) {
            ByteRange rest = new ByteRange(range.start() + maxChunk, range.end());
            refills.put(rest.start(), rest);
            range = new ByteRange(range.start(), range.start() + maxChunk);
        }
        rescuing += range.length();
        return handOut(paths.get(refillPath), range, true);
    }

    /** An end-game copy for the refill path, or empty when none is due (see the class comment). */
    private Optional<Assignment> rescue() {
        if (rescuing > 0 || outstanding.isEmpty()) return Optional.empty();
        PathState copier = paths.get(refillPath);
        double copierRate = weight(copier);
        long now = clock.getAsLong();
        // before every byte is handed out, only the range that holds the reader back is looked
        // at, and only once its holder is past the grace: the refill path has its own ranges to
        // write, and a copy queued behind them gains nothing
        boolean planned = nextOffset >= end;
        Assignment first = outstanding.firstEntry().getValue();
        // each holder writes its ranges one after another, in the order (and offsets) handed out
        Map<String, Double> queuedBefore = new HashMap<>();
        for (Assignment a : outstanding.values()) {
            if (!planned && a != first) break;
            if (a.pathId().equals(refillPath)) continue;
            PathState holder = paths.get(a.pathId());
            double rate = Math.max(1, weight(holder));
            double before = queuedBefore.getOrDefault(holder.id, 0.0);
            queuedBefore.put(holder.id, before + a.length());
            Copy copy = copies.get(a.offset());
            long limit = copy == null ? a.range().end() : copy.from;
            if (limit <= a.offset()) continue;
            long busySince = Math.max(holder.lastCompletionNanos, firstAssigned(holder.id));
            double written = rate * Math.max(0, now - busySince) / 1e9 - before;
            long position = a.offset() + (long) Math.max(0, Math.min(a.length(), written));
            long from;
            if (position < limit && !planned) {
                continue;
            } else if (position < limit) {
                double holderSeconds = (limit - position) / rate;
                double copierSeconds = (limit - position) / Math.max(1, copierRate);
                if (holderSeconds <= RESCUE_MARGIN * copierSeconds) continue;
                from = position;
            } else {
                long expectedFinish = busySince + (long) ((before + a.length()) / rate * 1e9);
                if (now - expectedFinish < rescueGraceNanos) continue;
                from = a.offset();
            }
            if (copy == null) {
                copy = new Copy(a);
                copies.put(a.offset(), copy);
            }
            Assignment piece = new Assignment(refillPath, new ByteRange(from, limit), true, now);
            copy.piece = piece;
            copy.whole = position >= limit;
            pieces.put(piece, copy);
            copier.inFlight += piece.length();
            assigned(copier, piece.length(), now);
            rescuing += piece.length();
            return Optional.of(piece);
        }
        return Optional.empty();
    }

    private static void assigned(PathState path, long bytes, long nanos) {
        path.assigned += bytes;
        path.handOuts.addLast(new long[] {nanos, path.assigned});
        // the oldest is forgotten: a past moment before every remembered hand-out then counts
        // as "nothing handed out", which makes a sample a lower bound, never a false full one
        if (path.handOuts.size() > HAND_OUTS) path.handOuts.removeFirst();
    }

    /** When the earliest outstanding range of {@code pathId} was handed out. */
    private long firstAssigned(String pathId) {
        for (Assignment a : outstanding.values()) {
            if (a.pathId().equals(pathId)) return a.assignedAtNanos();
        }
        return Long.MIN_VALUE;
    }

    private Assignment handOut(PathState path, ByteRange range, boolean refill) {
        Assignment assignment = new Assignment(path.id, range, refill, clock.getAsLong());
        outstanding.put(range.start(), assignment);
        path.inFlight += range.length();
        assigned(path, range.length(), assignment.assignedAtNanos());
        return assignment;
    }

    /**
     * {@code assignment}'s bytes have all arrived; its time is a goodput sample of its path.
     *
     * @throws IllegalArgumentException when it is not outstanding
     */
    public void completed(Assignment assignment) {
        if (pieces.containsKey(assignment)) {
            pieceDone(assignment);
            return;
        }
        if (takenOver.remove(assignment)) {
            paths.get(assignment.pathId()).stalled = false;   // late, but it moves
            return;
        }
        if (assignment.refill()) rescuing -= assignment.length();
        PathState path = settle(assignment);
        path.stalled = false;
        Copy copy = copies.remove(assignment.offset());
        long copied = copy == null ? 0 : assignment.range().end() - copy.from;
        path.delivered += assignment.length() - copied;
        paths.get(refillPath).delivered += copied;
        long now = clock.getAsLong();
        boolean queued = assignment.assignedAtNanos() < path.lastCompletionNanos && !path.marks.isEmpty();
        if (path.reported || (path.observedOnly && path.observed)) {
            // measured elsewhere: by the client's arrival reports, or (the primary's own path)
            // its completions say when it took the bytes, not when they arrived
        } else if (queued) {
            // over the recent completions of the run that span at least SAMPLE_SPAN, as
            // completions arrive in bunches (one receipt may confirm several ranges): one
            // interval alone may be near zero, so a shorter run gives no sample yet
            long[] from = null;
            for (var it = path.marks.descendingIterator(); it.hasNext(); ) {
                long[] mark = it.next();
                if (now - mark[0] >= SAMPLE_SPAN_NANOS) {
                    from = mark;
                    break;
                }
            }
            if (from != null) sample(path, (path.completedBytes + assignment.length() - from[1]) * 1e9 / (now - from[0]));
        } else {
            // a range the path was idle for carries the whole lag: only a lower bound of its speed
            path.marks.clear();
            long elapsed = Math.max(1_000, now - assignment.assignedAtNanos());
            double rate = assignment.length() * 1e9 / elapsed;
            if (path.goodput < 0 || rate > path.goodput) sample(path, rate);
        }
        path.completedBytes += assignment.length();
        path.marks.addLast(new long[] {now, path.completedBytes});
        // one mark older than the span is all a sample needs: the ones before it go
        while (path.marks.size() > 1) {
            long[] oldest = path.marks.removeFirst();
            if (now - path.marks.peekFirst()[0] < SAMPLE_SPAN_NANOS) {
                path.marks.addFirst(oldest);
                break;
            }
        }
        if (path.marks.size() > MARKS) path.marks.removeFirst();
        path.lastCompletionNanos = now;
    }

    private void pieceDone(Assignment piece) {
        Copy copy = pieces.remove(piece);
        PathState copier = paths.get(refillPath);
        copier.inFlight -= piece.length();
        rescuing -= piece.length();
        copier.copied += piece.length();
        if (copy.piece != piece || copies.get(copy.owner.offset()) != copy) return;   // its range completed meanwhile
        copy.piece = null;
        copy.from = piece.offset();
        if (copy.from > copy.owner.offset()) return;
        // the refill path wrote all of it: the range is done, whatever its holder does; a holder
        // that was past the grace gets nothing new until it shows it moves
        copies.remove(copy.owner.offset());
        PathState holder = settle(copy.owner);
        if (copy.whole) holder.stalled = true;
        takenOver.add(copy.owner);
        copier.delivered += copy.owner.length();
    }

    /**
     * {@code assignment}'s path failed before delivering {@code missing} (ranges that may reach
     * beyond the assignment; only the part inside it counts). Those bytes are queued as refills,
     * and the path gets no new range. The refill path itself must not fail.
     *
     * @return how many bytes were queued as refills
     * @throws IllegalArgumentException when the assignment is not outstanding, or is the refill path's
     */
    public long failed(Assignment assignment, List<ByteRange> missing) {
        if (assignment.pathId().equals(refillPath)) {
            throw new IllegalArgumentException("the refill path " + refillPath + " cannot fail; end the transfer instead");
        }
        if (takenOver.remove(assignment)) {
            paths.get(assignment.pathId()).live = false;
            return 0;
        }
        PathState path = settle(assignment);
        path.live = false;
        ByteRange range = assignment.range();
        // what the refill path copied, or is copying, needs no refill
        Copy copy = copies.remove(assignment.offset());
        long covered = copy == null ? range.end() : copy.piece != null ? copy.piece.offset() : copy.from;
        if (copy != null) {
            copy.piece = null;
            paths.get(refillPath).delivered += range.end() - covered;
        }
        long lost = 0;
        for (ByteRange gap : missing) {
            long from = Math.max(gap.start(), range.start());
            long to = Math.min(gap.end(), covered);
            if (from >= to) continue;
            addRefill(new ByteRange(from, to));
            lost += to - from;
        }
        path.delivered += (covered - range.start()) - Math.min(lost, covered - range.start());
        return lost;
    }

    private PathState settle(Assignment assignment) {
        Assignment known = outstanding.get(assignment.offset());
        if (known == null || !known.equals(assignment)) {
            throw new IllegalArgumentException("not an outstanding assignment: " + assignment);
        }
        outstanding.remove(assignment.offset());
        PathState path = paths.get(assignment.pathId());
        path.inFlight -= assignment.length();
        return path;
    }

    private void addRefill(ByteRange range) {
        // refills never overlap: each comes from one outstanding assignment, and those are disjoint
        refills.put(range.start(), range);
    }

    /**
     * The lowest offset not yet delivered: the first byte of the earliest outstanding range or
     * refill, else the first byte not handed out yet ({@code end} once everything is done).
     */
    public long frontier() {
        long frontier = nextOffset;
        if (!outstanding.isEmpty()) frontier = Math.min(frontier, outstanding.firstKey());
        if (!refills.isEmpty()) frontier = Math.min(frontier, refills.firstKey());
        return frontier;
    }

    /** The first offset never handed out yet. */
    public long nextOffset() {
        return nextOffset;
    }

    /**
     * Whether every byte of {@code [start, end)} was handed out and delivered. End-game copies
     * may still be in flight then; their outcome no longer matters.
     */
    public boolean finished() {
        return nextOffset >= end && outstanding.isEmpty() && refills.isEmpty();
    }

    /** The ranges handed out and not yet completed or failed, by offset. */
    public List<Assignment> outstanding() {
        return List.copyOf(outstanding.values());
    }

    /** The planned bytes: {@code [start, end)}. */
    public ByteRange range() {
        return new ByteRange(start, end);
    }

    /** The most bytes outstanding at once, counted from {@link #frontier()}. */
    public long window() {
        return window;
    }

    // ---------------------------------------------------------------- shares

    private long allowance(PathState path) {
        if (path.goodput < 0) return minChunk;
        return Math.max(2 * minChunk, (long) (share(path.id) * window));
    }

    /** The goodput a path counts with: its estimate, else the mean of the live paths that have one, else 1. */
    private double weight(PathState path) {
        if (path.goodput > 0) return path.goodput;
        double sum = 0;
        int known = 0;
        for (PathState other : paths.values()) {
            if (other.live && other.goodput > 0) {
                sum += other.goodput;
                known++;
            }
        }
        return known == 0 ? 1 : sum / known;
    }

    private void sample(PathState path, double bytesPerSecond) {
        path.goodput = path.goodput < 0 ? bytesPerSecond : path.goodput + smoothing * (bytesPerSecond - path.goodput);
    }

    private static long clamp(long value, long min, long max) {
        return Math.max(min, Math.min(max, value));
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("RangePlanner[").append(start).append(", ").append(end)
                .append("), next ").append(nextOffset).append(", frontier ").append(frontier());
        for (PathState path : paths.values()) {
            text.append(", ").append(path.id).append(path.live ? "" : " (out)").append(": ")
                    .append(path.inFlight).append(" in flight, goodput ").append(goodput(path.id));
        }
        return text.append(']').toString();
    }

    /** Builds a {@link RangePlanner}; every value is checked at {@link #build()}. */
    public static final class Builder {
        private final long start;
        private final long end;
        private long window = DEFAULT_WINDOW;
        private long minChunk = DEFAULT_MIN_CHUNK;
        private long maxChunk = DEFAULT_MAX_CHUNK;
        private double smoothing = DEFAULT_SMOOTHING;
        private String refillPath = "p0";
        private LongSupplier clock = System::nanoTime;
        private boolean endgame = true;
        private Duration rescueGrace = DEFAULT_RESCUE_GRACE;
        private final List<String> paths = new ArrayList<>();
        private final Set<String> observedOnly = new HashSet<>();

        private Builder(long start, long end) {
            if (start < 0 || end < start) throw new IllegalArgumentException("bad range [" + start + ", " + end + ")");
            this.start = start;
            this.end = end;
        }

        /**
         * The most bytes outstanding at once, from the lowest one not delivered: the client's
         * stream receive window, or a little less. Default {@link #DEFAULT_WINDOW}; at least
         * the smallest range.
         */
        public Builder window(long bytes) {
            this.window = bytes;
            return this;
        }

        /**
         * The smallest and largest range handed out. Only the last range of the plan, or a
         * refill, may be smaller than {@code min}. Default {@link #DEFAULT_MIN_CHUNK} and
         * {@link #DEFAULT_MAX_CHUNK}.
         */
        public Builder chunkSizes(long min, long max) {
            this.minChunk = min;
            this.maxChunk = max;
            return this;
        }

        /** The weight of a new goodput sample in the moving average, in {@code (0, 1]}. Default {@link #DEFAULT_SMOOTHING}. */
        public Builder smoothing(double alpha) {
            this.smoothing = alpha;
            return this;
        }

        /** The path that is given the refills, and that must never fail. Default {@code "p0"}. */
        public Builder refillPath(String pathId) {
            this.refillPath = Objects.requireNonNull(pathId, "pathId");
            return this;
        }

        /**
         * Whether {@link #next()} hands out end-game copies of late ranges to the refill path
         * (see the class comment). Default {@code true}.
         */
        public Builder endgame(boolean enabled) {
            this.endgame = enabled;
            return this;
        }

        /**
         * How long past its expected finish a range whose holder should have written it all
         * waits for its completion before the refill path copies the whole of it. It covers the
         * lag of a completion (receipts come some 200 ms after the bytes), and it is what takes
         * a range back from a holder that stopped without dying. Default
         * {@link #DEFAULT_RESCUE_GRACE}.
         */
        public Builder rescueGrace(Duration grace) {
            if (grace.isNegative()) throw new IllegalArgumentException("the grace must not be negative: " + grace);
            this.rescueGrace = grace;
            return this;
        }

        /** The clock, in nanoseconds (like {@link System#nanoTime()}, the default). Tests pass a fake one. */
        public Builder clock(LongSupplier nanoTime) {
            this.clock = Objects.requireNonNull(nanoTime, "nanoTime");
            return this;
        }

        /**
         * Once {@link #observe} has given {@code pathId} an estimate, its completions are no
         * longer goodput samples: for a primary's own path, whose writes complete when the
         * stream takes the bytes, which may be long before they arrive, while its session
         * measures what the client acknowledged ({@link PathStats#goodputBytesPerSecond()}).
         */
        public Builder observedOnly(String pathId) {
            observedOnly.add(Objects.requireNonNull(pathId, "pathId"));
            return this;
        }

        /** Adds a path, in order; the refill path is added first when it is not listed. */
        public Builder path(String pathId) {
            paths.add(Objects.requireNonNull(pathId, "pathId"));
            return this;
        }

        /** Adds paths, in order. */
        public Builder paths(List<String> pathIds) {
            pathIds.forEach(this::path);
            return this;
        }

        /**
         * Builds the planner.
         *
         * @throws IllegalArgumentException when a value is out of range or a path is listed twice
         */
        public RangePlanner build() {
            if (minChunk < 1 || maxChunk < minChunk) {
                throw new IllegalArgumentException("chunk sizes must satisfy 1 <= min <= max: " + minChunk + ", " + maxChunk);
            }
            if (window < minChunk) throw new IllegalArgumentException("window " + window + " is below the smallest range " + minChunk);
            if (!(smoothing > 0 && smoothing <= 1)) throw new IllegalArgumentException("smoothing must be in (0, 1]: " + smoothing);
            if (paths.stream().distinct().count() != paths.size()) throw new IllegalArgumentException("a path is listed twice: " + paths);
            return new RangePlanner(this);
        }
    }
}
