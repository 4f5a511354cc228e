package io.kwik.engine.session;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import io.kwik.api.ErrorCode;
import io.kwik.api.KwikException;
import io.kwik.api.KwikSession;
import io.kwik.api.KwikStream;
import io.kwik.api.PathEvent;
import io.kwik.api.PathInfo;
import io.kwik.api.PathStats;
import io.kwik.api.PathStatus;
import io.kwik.api.Role;
import io.kwik.api.SessionStats;
import io.kwik.engine.events.PathLifecycleEvent;
import io.kwik.spi.TransportStats;

/**
 * The public face of a session, at any of its ends. This version has one path per session;
 * everything path-specific lives in {@link SessionCore} and the path below it.
 */
final class EngineSession implements KwikSession {
    private static final System.Logger LOG = System.getLogger(EngineSession.class.getName());

    private final String id;
    private final Role role;
    private final SessionCore core;
    private final InetSocketAddress peer;
    private final Instant createdAt = Instant.now();
    private final List<Consumer<PathEvent>> pathListeners = new CopyOnWriteArrayList<>();
    private final Consumer<? super EngineSession> onClose;

    /**
     * @param onClose run once when the session ends, however it ends (releases the transport or
     *                the listener's bookkeeping)
     */
    EngineSession(String id, Role role, SessionCore core, InetSocketAddress peer, Consumer<? super EngineSession> onClose) {
        this.id = Objects.requireNonNull(id);
        this.role = Objects.requireNonNull(role);
        this.core = core;
        this.peer = peer;
        this.onClose = onClose;
        PathLifecycleEvent.record(id, core.pathId(), String.valueOf(peer), PathStatus.ACTIVE.name(), role.name());
        core.closed().whenComplete((failure, ignored) -> ended(failure));
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public Role role() {
        return role;
    }

    @Override
    public String pathId() {
        return core.pathId();
    }

    @Override
    public KwikStream openStreamSync() throws IOException, InterruptedException {
        return core.registry().open(true);
    }

    @Override
    public KwikStream openStream() throws IOException {
        try {
            return core.registry().open(false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while opening a stream");
        }
    }

    @Override
    public KwikStream acceptStream() throws IOException, InterruptedException {
        return core.registry().accept(null);
    }

    @Override
    public KwikStream acceptStream(Duration timeout) throws IOException, InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        return core.registry().accept(timeout);
    }

    @Override
    public List<PathInfo> activePaths() {
        PathInfo path = pathInfo();
        return path.status() == PathStatus.ACTIVE ? List.of(path) : List.of();
    }

    @Override
    public List<PathInfo> deadPaths() {
        PathInfo path = pathInfo();
        return path.status() == PathStatus.DEAD ? List.of(path) : List.of();
    }

    @Override
    public List<PathInfo> allPaths() {
        return List.of(pathInfo());
    }

    @Override
    public void addPathListener(Consumer<PathEvent> listener) {
        pathListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public SessionStats stats() {
        return new SessionStats(id, Map.of(core.pathId(), pathStats()));
    }

    @Override
    public CompletionStage<KwikException> closed() {
        return core.closed().minimalCompletionStage();
    }

    @Override
    public void close() {
        core.path().close();
    }

    private PathStatus status() {
        if (!core.closed().isDone()) return PathStatus.ACTIVE;
        KwikException failure = core.closed().getNow(null);
        return failure != null && failure.code() == ErrorCode.PATH_DEAD ? PathStatus.DEAD : PathStatus.CLOSED;
    }

    private PathStats pathStats() {
        TransportStats transport = core.path().transportStats();
        return new PathStats(transport.smoothedRtt(), -1, core.path().bytesSent(), core.path().bytesReceived(),
                core.path().packetsSent(), core.path().packetsReceived(), transport.bytesInFlight(), -1,
                core.registry().openStreams(), core.path().openRealStreams(), status());
    }

    private PathInfo pathInfo() {
        return new PathInfo(core.pathId(), peer, true, status(), createdAt, Instant.now(), pathStats());
    }

    private void ended(KwikException failure) {
        try {
            PathInfo path = pathInfo();
            PathLifecycleEvent.record(id, path.id(), String.valueOf(peer), path.status().name(),
                    failure == null ? "closed" : failure.getMessage());
            PathEvent event = path.status() == PathStatus.DEAD
                    ? new PathEvent.Dead(path, failure == null ? "closed" : failure.getMessage())
                    : new PathEvent.Removed(path);
            for (Consumer<PathEvent> listener : pathListeners) {
                try {
                    listener.accept(event);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "path listener failed", e);
                }
            }
        } finally {
            onClose.accept(this);
        }
    }

    @Override
    public String toString() {
        return "KwikSession[" + id + ", " + role + ", " + core.pathId() + " to " + peer + "]";
    }
}
