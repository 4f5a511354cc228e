package io.kwik.engine.session;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import com.google.protobuf.ByteString;

import io.kwik.api.AuthenticationException;
import io.kwik.api.ByteRange;
import io.kwik.api.Delegation;
import io.kwik.api.ErrorCode;
import io.kwik.api.KwikException;
import io.kwik.api.KwikStream;
import io.kwik.api.PathDeadException;
import io.kwik.api.PathEvent;
import io.kwik.api.PathInfo;
import io.kwik.api.PathReceived;
import io.kwik.api.PathStats;
import io.kwik.api.PathStatus;
import io.kwik.api.ServerConfig;
import io.kwik.engine.auth.JoinTokens;
import io.kwik.engine.multipath.DelegationTracker;
import io.kwik.engine.multipath.PathDirectory;
import io.kwik.engine.stream.LogicalStream;
import io.kwik.engine.util.Timers;
import io.kwik.proto.AddPathRequest;
import io.kwik.proto.AddPathResponse;
import io.kwik.proto.ControlFrame;
import io.kwik.proto.DelegatedRange;
import io.kwik.proto.PathStatusNotification;
import io.kwik.proto.RemovePathRequest;
import io.kwik.proto.RemovePathResponse;
import io.kwik.proto.StreamReceipt;

/**
 * The primary's side of a session: it adds and removes paths through the client (docs/PROTOCOL.md
 * 4.2), signs join tokens, delegates ranges and completes them from the client's receipts
 * (4.4), and keeps the path list the client reports.
 */
final class PrimaryRole extends ServerRole {
    private static final System.Logger LOG = System.getLogger(PrimaryRole.class.getName());
    private final ServerConfig config;
    private final JoinTokens tokens;
    private final DelegationTracker delegations = new DelegationTracker(core.sessionId());
    private final Map<String, PendingAdd> adds = new ConcurrentHashMap<>();
    /** Paths whose add the application cancelled before the client answered; at most MAX_PATHS ids, never reused. */
    private final Set<String> cancelledAdds = ConcurrentHashMap.newKeySet();
    private final Map<String, CompletableFuture<Void>> removals = new ConcurrentHashMap<>();
    private final AtomicInteger nextPath = new AtomicInteger(1);
    private final Duration answerTimeout;
    private final ReceiveReports received;

    private record PendingAdd(InetSocketAddress address, CompletableFuture<PathInfo> future) {}

    PrimaryRole(SessionCore core, PathDirectory directory, ServerConfig config, int clientMaxMessageSize) {
        super(core, directory, clientMaxMessageSize, config.rawInboxBytes());
        this.config = config;
        this.tokens = config.pathTokenKey().map(key -> new JoinTokens(key, Clock.systemUTC())).orElse(null);
        // the client dials and authenticates within its own handshake timeout; allow ours twice over
        this.answerTimeout = config.handshakeTimeout().multipliedBy(2).plusSeconds(5);
        this.received = new ReceiveReports(id -> directory.status(id) == PathStatus.ACTIVE);
    }

    @Override
    public boolean ownsServerWrites() {
        return true;
    }

    @Override
    boolean waitsForNewPaths() {
        return false;
    }

    @Override
    public boolean onControlFrame(ControlFrame frame) throws KwikException {
        switch (frame.getFrameCase()) {
            case ADD_PATH_RESPONSE -> onAddPathResponse(frame.getAddPathResponse());
            case REMOVE_PATH_RESPONSE -> onRemovePathResponse(frame.getRemovePathResponse());
            case PATH_STATUS_NOTIFICATION -> onStatus(frame.getPathStatusNotification());
            case STREAM_RECEIPT -> onReceipt(frame.getStreamReceipt());
            case RECEIVE_REPORT -> received.onReport(frame.getReceiveReport(), System.nanoTime());
            default -> {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- adding and removing paths

    @Override
    public CompletableFuture<PathInfo> addPath(InetSocketAddress secondary) {
        Objects.requireNonNull(secondary, "secondary");
        KwikException failure = core.failure();
        if (failure != null) return CompletableFuture.failedFuture(failure);
        int number = nextPath.getAndIncrement();
        if (number >= PathDirectory.MAX_PATHS) {
            return CompletableFuture.failedFuture(new KwikException(ErrorCode.TOO_MANY_PATHS,
                    "a session has at most " + PathDirectory.MAX_PATHS + " paths"));
        }
        String pathId = "p" + number;
        String target = WireStatus.format(secondary);
        long expiry = System.currentTimeMillis() + answerTimeout.toMillis();
        byte[] token = tokens == null ? new byte[0] : tokens.mint(core.sessionId(), pathId, target, expiry);
        CompletableFuture<PathInfo> future = new CompletableFuture<>();
        adds.put(pathId, new PendingAdd(secondary, future));
        // the client cannot be stopped in time; if its join succeeds, the answer removes the path again
        future.whenComplete((ignored, cancelled) -> {
            if (future.isCancelled() && adds.remove(pathId) != null) cancelledAdds.add(pathId);
        });
        try {
            core.sendControl(ControlFrame.newBuilder().setAddPathRequest(AddPathRequest.newBuilder()
                    .setPathId(pathId).setTargetHost(secondary.getHostString()).setTargetPort(secondary.getPort())
                    .setToken(ByteString.copyFrom(token)).setTokenExpiryEpochMillis(expiry)).build());
        } catch (IOException e) {
            adds.remove(pathId);
            return CompletableFuture.failedFuture(e);
        }
        Timers.scheduler().schedule(() -> {
            PendingAdd pending = adds.remove(pathId);
            if (pending != null) {
                pending.future.completeExceptionally(new KwikException(ErrorCode.PATH_DEAD,
                        "the client did not report on path " + pathId + " to " + target + " within " + answerTimeout));
            }
        }, answerTimeout.toMillis(), TimeUnit.MILLISECONDS);
        return future;
    }

    private void onAddPathResponse(AddPathResponse response) {
        PendingAdd pending = adds.remove(response.getPathId());
        if (pending == null) {
            if (cancelledAdds.contains(response.getPathId()) && response.getSuccess()) undoCancelledJoin(response.getPathId());
            return;
        }
        if (response.getSuccess()) {
            directory.put(response.getPathId(), pending.address, false, PathStatus.ACTIVE, null);
            PathInfo info = directory.info(response.getPathId());
            pending.future.complete(info);
            directory.fire(new PathEvent.Added(info));
            return;
        }
        ErrorCode code = ErrorCode.fromCode(response.getErrorCodeValue());
        KwikException failure = code == ErrorCode.AUTH_FAILED
                ? new AuthenticationException("path " + response.getPathId() + ": " + response.getError())
                : code == ErrorCode.NONE
                ? new KwikException(ErrorCode.PATH_DEAD, "path " + response.getPathId() + ": " + response.getError())
                : new KwikException(response.getErrorCodeValue(), "path " + response.getPathId() + ": " + response.getError(), null);
        pending.future.completeExceptionally(failure);
        directory.fire(new PathEvent.Failed(new PathInfo(response.getPathId(), pending.address, false, PathStatus.DEAD,
                java.time.Instant.now(), java.time.Instant.now(), PathStats.unmeasured(PathStatus.DEAD)), response.getError()));
    }

    /** The client joined a path whose add was cancelled: it is asked to close it, without waiting for its answer. */
    private void undoCancelledJoin(String pathId) {
        try {
            core.sendControl(ControlFrame.newBuilder().setRemovePathRequest(RemovePathRequest.newBuilder().setPathId(pathId)).build());
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "cannot remove {0}, whose add was cancelled: {1}", pathId, e.toString());
        }
    }

    @Override
    public void removePath(String pathId) throws IOException {
        Objects.requireNonNull(pathId, "pathId");
        if (pathId.equals(core.pathId())) {
            throw new KwikException(ErrorCode.PATH_NOT_FOUND, "the primary path is removed by closing the session");
        }
        checkTarget(pathId);
        CompletableFuture<Void> answered = new CompletableFuture<>();
        if (removals.putIfAbsent(pathId, answered) != null) {
            throw new KwikException(ErrorCode.PATH_REMOVED, "path " + pathId + " is being removed already");
        }
        try {
            core.sendControl(ControlFrame.newBuilder().setRemovePathRequest(RemovePathRequest.newBuilder().setPathId(pathId)).build());
            answered.get(answerTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while removing path " + pathId);
        } catch (TimeoutException e) {
            throw new KwikException(ErrorCode.PATH_DEAD, "the client did not answer the removal of " + pathId
                    + " within " + answerTimeout);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof KwikException k) throw new KwikException(k.code(), k.getMessage(), k);
            throw new KwikException(ErrorCode.INTERNAL, "removing " + pathId + " failed", e.getCause());
        } finally {
            removals.remove(pathId, answered);
        }
    }

    private void onRemovePathResponse(RemovePathResponse response) {
        CompletableFuture<Void> answered = removals.get(response.getPathId());
        if (response.getSuccess()) {
            markGone(response.getPathId(), PathStatus.CLOSED, "removed");
            if (answered != null) answered.complete(null);
        } else if (answered != null) {
            answered.completeExceptionally(new KwikException(ErrorCode.PATH_NOT_FOUND, response.getError()));
        }
    }

    private void onStatus(PathStatusNotification notification) throws KwikException {
        PathStatus status = WireStatus.of(notification.getState());
        String id = notification.getPathId();
        // a path being added enters the list with the client's answer, under the address the application gave
        if (adds.containsKey(id)) return;
        // a path whose add was cancelled never enters this end's lists, whatever the client reports of it
        if (cancelledAdds.contains(id)) return;
        if ((status == PathStatus.DEAD || status == PathStatus.CLOSED) && directory.contains(id)) {
            for (StreamReceipt receipt : notification.getReceiptsList()) onReceipt(receipt);
            markGone(id, status, notification.getReason());
            return;
        }
        onPathStatus(notification);
    }

    private void markGone(String id, PathStatus status, String reason) {
        PathStatus previous = directory.update(id, status, reason);
        if (previous == null || previous == PathStatus.DEAD || previous == PathStatus.CLOSED) return;
        delegations.onPathDead(id, reason);
        received.forget(id);
        PathInfo info = directory.info(id);
        directory.fire(status == PathStatus.DEAD ? new PathEvent.Dead(info, reason) : new PathEvent.Removed(info));
    }

    // ---------------------------------------------------------------- multi-source writes

    @Override
    public KwikStream stream(long logicalStreamId) {
        LogicalStream stream = core.registry().get(logicalStreamId);
        if (stream == null) throw new IllegalArgumentException("stream " + logicalStreamId + " is not open in this session");
        return stream;
    }

    @Override
    public CompletableFuture<Delegation> delegate(Delegation range, ByteBuffer instruction, byte[] sha256) {
        CompletableFuture<Delegation> future = delegations.track(range);
        try {
            DelegatedRange.Builder wire = DelegatedRange.newBuilder().setLogicalStreamId(range.streamId())
                    .setOffset(range.offset()).setLength(range.length());
            if (sha256 != null) wire.setSha256(ByteString.copyFrom(sha256));
            send(range.pathId(), instruction, wire.build());
        } catch (PathDeadException e) {
            // nothing of the range was sent: all of it is missing
            delegations.abandon(range, new PathDeadException(range.pathId(), "path " + range.pathId() + " is dead",
                    List.of(new ByteRange(range.offset(), range.end())), range));
        } catch (IOException | RuntimeException e) {
            delegations.abandon(range, e);
        }
        return future;
    }

    @Override
    public Map<String, PathReceived> clientReceived() {
        return received.latest();
    }

    private void onReceipt(StreamReceipt receipt) throws KwikException {
        delegations.onReceipt(receipt.getLogicalStreamId(), Receipts.ranges(receipt));
    }

    @Override
    public void ended(KwikException reason) {
        KwikException cause = reason.code() == ErrorCode.PATH_DEAD
                ? new PathDeadException(core.pathId(), "the primary path died: " + reason.getMessage())
                : reason;
        delegations.failAll(cause);
        adds.values().forEach(p -> p.future.completeExceptionally(cause));
        adds.clear();
        removals.values().forEach(f -> f.completeExceptionally(cause));
        super.ended(reason);
    }
}
