package io.kwik.engine.multipath;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import io.kwik.api.ByteRange;
import io.kwik.api.Delegation;
import io.kwik.api.KwikException;
import io.kwik.api.PathDeadException;
import io.kwik.engine.events.DelegationFailedEvent;

/**
 * The primary's delegations that the client has not confirmed yet (docs/PROTOCOL.md 4.4). A
 * delegation completes when a receipt from the client covers its whole range; it fails with
 * the ranges still missing when its path dies. Bounded by the ranges the application
 * delegates; each completes or fails, and all fail when the session ends.
 */
public final class DelegationTracker {
    private record Pending(Delegation range, CompletableFuture<Delegation> future) {}

    private final String sessionId;
    private final Map<Long, List<Pending>> byStream = new ConcurrentHashMap<>();
    private final Map<Long, List<ByteRange>> received = new ConcurrentHashMap<>();

    /** @param sessionId the session, named in the {@code io.kwik.DelegationFailed} events */
    public DelegationTracker(String sessionId) {
        this.sessionId = sessionId;
    }

    /** Tracks a delegation; the returned future completes when the client confirms it. */
    public CompletableFuture<Delegation> track(Delegation range) {
        CompletableFuture<Delegation> future = new CompletableFuture<>();
        Pending pending = new Pending(range, future);
        byStream.compute(range.streamId(), (id, list) -> {
            List<Pending> updated = list == null ? new ArrayList<>() : list;
            updated.add(pending);
            return updated;
        });
        // a receipt may already cover it
        check(range.streamId());
        return future;
    }

    /** Forgets a delegation that could not be sent, failing its future. */
    public void abandon(Delegation range, Throwable cause) {
        byStream.computeIfPresent(range.streamId(), (id, list) -> {
            list.removeIf(p -> {
                if (!p.range.equals(range)) return false;
                failed(range, range.length(), cause);
                p.future.completeExceptionally(cause);
                return true;
            });
            return list.isEmpty() ? null : list;
        });
    }

    /** The client reports what it has of a stream: every range, from offset 0. */
    public void onReceipt(long streamId, List<ByteRange> ranges) {
        if (!byStream.containsKey(streamId)) return;
        received.put(streamId, List.copyOf(ranges));
        check(streamId);
    }

    /** A path died: its delegations fail, naming what the client is missing of each. */
    public void onPathDead(String pathId, String reason) {
        List<Pending> failed = new ArrayList<>();
        for (Long streamId : byStream.keySet()) {
            byStream.computeIfPresent(streamId, (id, list) -> {
                for (Iterator<Pending> it = list.iterator(); it.hasNext(); ) {
                    Pending p = it.next();
                    if (p.range.pathId().equals(pathId)) {
                        failed.add(p);
                        it.remove();
                    }
                }
                return list.isEmpty() ? null : list;
            });
        }
        for (Pending p : failed) {
            List<ByteRange> missing = missing(p.range, received.getOrDefault(p.range.streamId(), List.of()));
            PathDeadException dead = new PathDeadException(pathId,
                    "path " + pathId + " died before the client received stream " + p.range.streamId() + " ["
                            + p.range.offset() + ", " + p.range.end() + "): " + reason, missing, p.range);
            failed(p.range, missing.stream().mapToLong(ByteRange::length).sum(), dead);
            p.future.completeExceptionally(dead);
        }
    }

    /** The session ended: every pending delegation fails with {@code cause}. */
    public void failAll(KwikException cause) {
        for (Long streamId : List.copyOf(byStream.keySet())) {
            List<Pending> list = byStream.remove(streamId);
            if (list == null) continue;
            for (Pending p : list) {
                failed(p.range, p.range.length(), cause);
                p.future.completeExceptionally(cause);
            }
        }
        received.clear();
    }

    private void failed(Delegation range, long missingBytes, Throwable cause) {
        DelegationFailedEvent.record(sessionId, range.pathId(), range.streamId(), range.offset(), range.length(),
                missingBytes, String.valueOf(cause.getMessage()));
    }

    private void check(long streamId) {
        List<ByteRange> have = received.getOrDefault(streamId, List.of());
        List<Pending> done = new ArrayList<>();
        byStream.computeIfPresent(streamId, (id, list) -> {
            list.removeIf(p -> {
                if (!missing(p.range, have).isEmpty()) return false;
                done.add(p);
                return true;
            });
            return list.isEmpty() ? null : list;
        });
        // a stream with nothing pending no longer needs its receipts
        if (!byStream.containsKey(streamId)) received.remove(streamId);
        for (Pending p : done) p.future.complete(p.range);
    }

    /** The parts of {@code range} not covered by {@code have} (sorted, non-overlapping). */
    static List<ByteRange> missing(Delegation range, List<ByteRange> have) {
        List<ByteRange> missing = new ArrayList<>();
        long cursor = range.offset();
        for (ByteRange r : have) {
            if (r.end() <= cursor) continue;
            if (r.start() >= range.end()) break;
            if (r.start() > cursor) missing.add(new ByteRange(cursor, r.start()));
            cursor = Math.max(cursor, r.end());
            if (cursor >= range.end()) break;
        }
        if (cursor < range.end()) missing.add(new ByteRange(cursor, range.end()));
        return missing;
    }
}
