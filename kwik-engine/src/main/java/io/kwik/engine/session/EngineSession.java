package io.kwik.engine.session;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

import io.kwik.api.ErrorCode;
import io.kwik.api.KwikException;
import io.kwik.api.KwikSession;
import io.kwik.api.KwikStream;
import io.kwik.api.KwikSubscription;
import io.kwik.api.PathEvent;
import io.kwik.api.PathInfo;
import io.kwik.api.PathReceived;
import io.kwik.api.PathStatus;
import io.kwik.api.RawData;
import io.kwik.api.Role;
import io.kwik.api.SessionClose;
import io.kwik.api.SessionStats;
import io.kwik.engine.events.PathStatsSampler;

/**
 * The public face of a session, at any of its ends. Streams live in {@link SessionCore}, path
 * operations in the end's {@link SessionRole}, and what this end knows of the session's paths
 * in the role's directory.
 */
final class EngineSession implements KwikSession {
    private final String id;
    private final Role role;
    private final SessionCore core;
    private final InetSocketAddress peer;
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
        PathStatsSampler.watch(this);
        core.closed().whenComplete((close, ignored) -> ended(close));
    }

    /** The session's streams, path and role: for tests that inspect a session's state. */
    SessionCore core() {
        return core;
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
        refuseOnSecondary();
        return core.registry().open(true);
    }

    @Override
    public KwikStream openStream() throws IOException {
        refuseOnSecondary();
        try {
            return core.registry().open(false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while opening a stream");
        }
    }

    private void refuseOnSecondary() {
        if (role == Role.SECONDARY_SERVER) {
            throw new UnsupportedOperationException("only the client and the primary open streams;"
                    + " a secondary writes into them with stream(id).writeAt(...)");
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
    public CompletableFuture<PathInfo> addPath(InetSocketAddress secondary) {
        return core.role().addPath(secondary);
    }

    @Override
    public void removePath(String pathId) throws IOException {
        core.role().removePath(pathId);
    }

    @Override
    public KwikStream stream(long logicalStreamId) {
        return core.role().stream(logicalStreamId);
    }

    @Override
    public void sendRawData(String targetPathId, ByteBuffer data) throws IOException {
        Objects.requireNonNull(targetPathId, "targetPathId");
        Objects.requireNonNull(data, "data");
        KwikException failure = core.failure();
        if (failure != null) throw new KwikException(failure.code(), failure.getMessage(), failure);
        core.role().sendRawData(targetPathId, data);
    }

    @Override
    public RawData receiveRawData() throws IOException, InterruptedException {
        return core.role().receiveRawData();
    }

    @Override
    public List<PathInfo> activePaths() {
        return core.role().directory().withStatus(PathStatus.ACTIVE, PathStatus.DEGRADED);
    }

    @Override
    public List<PathInfo> deadPaths() {
        return core.role().directory().withStatus(PathStatus.DEAD);
    }

    @Override
    public List<PathInfo> allPaths() {
        return core.role().directory().all();
    }

    @Override
    public KwikSubscription addPathListener(Consumer<PathEvent> listener) {
        return core.role().directory().addListener(listener);
    }

    @Override
    public SessionStats stats() {
        return new SessionStats(id, core.role().directory().stats());
    }

    @Override
    public Map<String, PathReceived> clientReceived() {
        return core.role().clientReceived();
    }

    @Override
    public CompletionStage<SessionClose> closed() {
        return core.closed().minimalCompletionStage();
    }

    @Override
    public void close() {
        core.path().close();
    }

    @Override
    public void close(ErrorCode code, String reason) {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(reason, "reason");
        if (code == ErrorCode.UNKNOWN) throw new IllegalArgumentException("UNKNOWN is never sent");
        int length = reason.getBytes(StandardCharsets.UTF_8).length;
        if (length > MAX_CLOSE_REASON_BYTES) {
            throw new IllegalArgumentException("a close reason of " + length + " bytes; at most " + MAX_CLOSE_REASON_BYTES);
        }
        core.path().close(code, reason);
    }

    private void ended(SessionClose close) {
        PathStatsSampler.unwatch(this);
        try {
            // the role has already moved every path to DEAD or CLOSED
            PathInfo path = core.role().directory().info(core.pathId());
            if (path != null) {
                core.role().directory().fire(path.status() == PathStatus.DEAD
                        ? new PathEvent.Dead(path, close.cause().map(Throwable::getMessage).orElse("closed"), close.cause())
                        : new PathEvent.Removed(path));
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
