package io.kwik.engine.multipath;

import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;

import io.kwik.api.KwikSubscription;
import io.kwik.api.PathEvent;
import io.kwik.api.PathInfo;
import io.kwik.api.PathStats;
import io.kwik.api.PathStatus;
import io.kwik.engine.events.Listeners;
import io.kwik.engine.events.PathLifecycleEvent;

/**
 * Every path one end of a session knows of, in the order they were added, with their status,
 * and the listeners for their events. Bounded: a session has at most {@link #MAX_PATHS} paths.
 * Thread-safe; listeners are called outside any lock.
 */
public final class PathDirectory {
    private static final System.Logger LOG = System.getLogger(PathDirectory.class.getName());

    /** Paths a session may have, the primary included; path numbers must fit a stream id's 8 bits. */
    public static final int MAX_PATHS = 64;

    private static PathStats unmeasured(PathStatus status) {
        return PathStats.unmeasured(status);
    }

    private final String sessionId;
    private final Map<String, Entry> paths = new ConcurrentHashMap<>();
    private final Listeners<PathEvent> listeners = new Listeners<>("path");
    private final ReentrantLock added = new ReentrantLock();
    private final Condition pathAdded = added.newCondition();

    private static final class Entry {
        final String id;
        final InetSocketAddress address;
        final boolean primary;
        final Instant createdAt;
        final long order;
        volatile PathStatus status;
        volatile Function<PathStatus, PathStats> stats;
        volatile Instant lastActive;

        Entry(String id, InetSocketAddress address, boolean primary, PathStatus status, long order,
              Function<PathStatus, PathStats> stats) {
            this.id = id;
            this.address = address;
            this.primary = primary;
            this.status = status;
            this.order = order;
            this.stats = stats;
            this.createdAt = Instant.now();
            this.lastActive = createdAt;
        }
    }

    public PathDirectory(String sessionId) {
        this.sessionId = sessionId;
    }

    /**
     * Adds a path, or updates the status of a known one.
     *
     * @param stats the path's figures by status, or null when this end has no connection to it
     * @return false when the directory is full and the path was not added
     */
    public boolean put(String id, InetSocketAddress address, boolean primary, PathStatus status,
                       Function<PathStatus, PathStats> stats) {
        Objects.requireNonNull(id, "id");
        synchronized (paths) {
            Entry known = paths.get(id);
            if (known != null) {
                known.status = status;
                if (stats != null) known.stats = stats;
                return true;
            }
            if (paths.size() >= MAX_PATHS) return false;
            paths.put(id, new Entry(id, address, primary, status, paths.size(), stats));
        }
        PathLifecycleEvent.record(sessionId, id, String.valueOf(address), status.name(), "known");
        added.lock();
        try {
            pathAdded.signalAll();
        } finally {
            added.unlock();
        }
        return true;
    }

    /**
     * Waits up to {@code timeout} for a path to become known. A server learns of a path the
     * client joined from the client's notification, which may arrive a moment after the
     * primary's addPath completed.
     *
     * @return whether it is known
     */
    public boolean awaitKnown(String id, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        added.lock();
        try {
            while (!paths.containsKey(id)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) return false;
                pathAdded.awaitNanos(left);
            }
            return true;
        } finally {
            added.unlock();
        }
    }

    /** Whether the path is known. */
    public boolean contains(String id) {
        return paths.containsKey(id);
    }

    /** The status of a known path, or null. */
    public PathStatus status(String id) {
        Entry entry = paths.get(id);
        return entry == null ? null : entry.status;
    }

    /**
     * Moves a path to {@code status}.
     *
     * @return the path's previous status, or null when it is unknown
     */
    public PathStatus update(String id, PathStatus status, String reason) {
        Entry entry = paths.get(id);
        if (entry == null) return null;
        PathStatus previous;
        synchronized (entry) {
            previous = entry.status;
            // DEAD and CLOSED are final
            if (previous == PathStatus.DEAD || previous == PathStatus.CLOSED) return previous;
            entry.status = status;
        }
        if (previous != status) {
            PathLifecycleEvent.record(sessionId, id, String.valueOf(entry.address), status.name(), reason);
        }
        return previous;
    }

    /** Notes that something arrived on a path. */
    public void touch(String id) {
        Entry entry = paths.get(id);
        if (entry != null) entry.lastActive = Instant.now();
    }

    /** A snapshot of one path, or null. */
    public PathInfo info(String id) {
        Entry entry = paths.get(id);
        return entry == null ? null : snapshot(entry);
    }

    /** Every path, in the order they were added. */
    public List<PathInfo> all() {
        List<Entry> entries = new ArrayList<>(paths.values());
        entries.sort((a, b) -> Long.compare(a.order, b.order));
        List<PathInfo> infos = new ArrayList<>(entries.size());
        for (Entry entry : entries) infos.add(snapshot(entry));
        return List.copyOf(infos);
    }

    /** Paths with one of {@code statuses}. */
    public List<PathInfo> withStatus(PathStatus... statuses) {
        List<PathInfo> matching = new ArrayList<>();
        for (PathInfo info : all()) {
            for (PathStatus status : statuses) {
                if (info.status() == status) matching.add(info);
            }
        }
        return List.copyOf(matching);
    }

    /** Every known path's figures. */
    public Map<String, PathStats> stats() {
        Map<String, PathStats> stats = new java.util.LinkedHashMap<>();
        for (PathInfo info : all()) stats.put(info.id(), info.stats());
        return stats;
    }

    /** Registers a listener for path events; closing the result removes it. */
    public KwikSubscription addListener(Consumer<PathEvent> listener) {
        return listeners.add(listener);
    }

    /** Tells every listener; a listener that throws is logged and skipped. */
    public void fire(PathEvent event) {
        listeners.fire(event);
    }

    private static PathInfo snapshot(Entry entry) {
        PathStatus status = entry.status;
        Function<PathStatus, PathStats> stats = entry.stats;
        return new PathInfo(entry.id, entry.address, entry.primary, status, entry.createdAt, entry.lastActive,
                stats == null ? unmeasured(status) : stats.apply(status));
    }
}
