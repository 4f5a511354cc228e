package io.kwik.engine.session;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.regex.Pattern;

import io.kwik.api.ClientConfig;
import io.kwik.api.ErrorCode;
import io.kwik.api.KwikException;
import io.kwik.api.KwikTimeoutException;
import io.kwik.api.PathEvent;
import io.kwik.api.PathInfo;
import io.kwik.api.PathStats;
import io.kwik.api.SessionClose;
import io.kwik.api.PathStatus;
import io.kwik.engine.ack.AckTracker;
import io.kwik.engine.connection.Liveness;
import io.kwik.engine.connection.PathConnection;
import io.kwik.engine.connection.PathHandler;
import io.kwik.engine.connection.PathSettings;
import io.kwik.engine.multipath.DelegatedRanges;
import io.kwik.engine.multipath.Heartbeat;
import io.kwik.engine.multipath.PathDirectory;
import io.kwik.engine.multipath.ReceiptSender;
import io.kwik.engine.stream.LogicalStream;
import io.kwik.engine.stream.ReaderWakeups;
import io.kwik.proto.AddPathRequest;
import io.kwik.proto.AddPathResponse;
import io.kwik.proto.AuthenticationRequest;
import io.kwik.proto.AuthenticationResponse;
import io.kwik.proto.ControlFrame;
import io.kwik.proto.DataFrame;
import io.kwik.proto.DelegatedRange;
import io.kwik.proto.PathRole;
import io.kwik.proto.PathStatusNotification;
import io.kwik.proto.Ping;
import io.kwik.proto.Pong;
import io.kwik.proto.RawPacket;
import io.kwik.proto.RawPacketTransmission;
import io.kwik.proto.RemovePathRequest;
import io.kwik.proto.RemovePathResponse;
import io.kwik.proto.WireErrorCode;
import io.kwik.spi.QuicTransport;

/**
 * The client's side of a session: it joins the secondaries the primary names (docs/PROTOCOL.md 4.2),
 * reads every path into the one set of logical streams, relays raw packets between servers
 * (4.6), sends window updates to every path and receipts to the primary (4.4), and reports
 * every path's status to the servers. A secondary path that fails is closed alone; the
 * session lives as long as its primary path.
 */
final class ClientRole implements SessionRole {
    private static final System.Logger LOG = System.getLogger(ClientRole.class.getName());
    /** A path is never declared dead before this many smoothed round trips of silence. */
    private static final int RTT_MULTIPLE = 4;
    /** Path requests handled at once: joins dial in parallel, a few at a time. */
    private static final int PATH_REQUEST_WORKERS = 4;
    private static final Pattern PATH_ID = Pattern.compile("p[1-9][0-9]{0,2}");

    private final SessionCore core;
    private final PathDirectory directory;
    private final QuicTransport transport;
    private final ThreadFactory threads;
    private final ClientConfig config;
    private final ReceiptSender receipts;
    private final DelegatedRanges delegated;
    private final RequestWorkers requests;
    private final Heartbeat heartbeat;
    private final Map<String, Secondary> secondaries = new ConcurrentHashMap<>();
    private volatile boolean ended;

    /** A joined secondary path. */
    private final class Secondary implements PathHandler {
        final String id;
        final InetSocketAddress address;
        volatile PathConnection connection;
        volatile boolean removing;

        Secondary(String id, InetSocketAddress address) {
            this.id = id;
            this.address = address;
        }

        @Override
        public void onControlFrame(ControlFrame frame) throws KwikException, InterruptedException {
            directory.touch(id);
            switch (frame.getFrameCase()) {
                case RAW_PACKET_TRANSMISSION -> relay(id, frame.getRawPacketTransmission());
                case PING -> {
                    try {
                        connection.sendControl(ControlFrame.newBuilder().setPong(Pong.newBuilder()
                                .setNonce(frame.getPing().getNonce())).build());
                    } catch (IOException e) {
                        LOG.log(Level.DEBUG, "cannot answer a ping on {0}: {1}", id, e);
                    }
                }
                // the client writes to the primary only, so a secondary's window and stream grants do not apply
                case PONG, CLOSE_NOTIFICATION, PATH_STATUS_NOTIFICATION, MAX_STREAM_DATA, MAX_STREAMS -> { }
                default -> throw new KwikException(ErrorCode.INVALID_FRAME,
                        frame.getFrameCase() + " is not valid from a secondary server");
            }
        }

        @Override
        public void onDataFrame(DataFrame frame, ReaderWakeups wakeups) throws KwikException, InterruptedException {
            directory.touch(id);
            checkDelegated(id, frame);
            LogicalStream stream = core.registry().forFrame(frame.getLogicalStreamId(), wakeups);
            if (stream == null) return;
            stream.onFrameFromPeer(frame, false, wakeups);
            receipts.received(stream);
        }

        @Override
        public void onRawPacket(RawPacket packet) throws KwikException {
            throw new KwikException(ErrorCode.INVALID_FRAME, "raw streams go from the client to servers only");
        }

        @Override
        public void onPathClosed(SessionClose close, boolean detectedHere) {
            secondaryEnded(this, close.cause().orElse(null));
        }
    }

    ClientRole(SessionCore core, PathDirectory directory, InetSocketAddress primary, QuicTransport transport,
               ThreadFactory threads, ClientConfig config) {
        this.core = core;
        this.directory = directory;
        this.transport = transport;
        this.threads = threads;
        this.config = config;
        this.receipts = new ReceiptSender(core::sendControl, config.maxReceiptRanges(),
                core.path().packetSizes().maxPacketSize(), () -> ReceiveReports.report(directory.stats(), System.nanoTime()));
        this.delegated = new DelegatedRanges(config.maxDelegatedRangesPerPath());
        this.requests = new RequestWorkers(core.pathId() + "-path-requests", threads, PATH_REQUEST_WORKERS,
                config.controlBacklog(), config.controlBacklogBytes());
        this.heartbeat = new Heartbeat(config.pathTimeout(), new Heartbeat.Paths() {
            @Override
            public void check(long quietSinceNanos, long deadSinceNanos) {
                checkPaths(quietSinceNanos, deadSinceNanos);
            }

            @Override
            public void forgive(long lateNanos) {
                core.path().liveness().forgive(lateNanos);
                for (Secondary path : secondaries.values()) {
                    PathConnection connection = path.connection;
                    if (connection != null) connection.liveness().forgive(lateNanos);
                }
            }
        }, System::nanoTime);
        directory.put(core.pathId(), primary, true, PathStatus.ACTIVE,
                PathStatsSource.of(core.path(), () -> core.registry().openStreams()));
    }

    @Override
    public PathDirectory directory() {
        return directory;
    }

    @Override
    public boolean onControlFrame(ControlFrame frame) throws KwikException, InterruptedException {
        directory.touch(core.pathId());
        switch (frame.getFrameCase()) {
            // dialing blocks, and answering may wait on the control queue: the primary's control
            // stream must keep flowing meanwhile, so the work goes to the bounded workers
            case ADD_PATH_REQUEST -> {
                AddPathRequest request = frame.getAddPathRequest();
                submit(frame, () -> join(request));
            }
            case REMOVE_PATH_REQUEST -> {
                RemovePathRequest request = frame.getRemovePathRequest();
                submit(frame, () -> remove(request.getPathId()));
            }
            case RAW_PACKET_TRANSMISSION -> relay(core.pathId(), frame.getRawPacketTransmission());
            case PATH_STATUS_NOTIFICATION -> {
                // the primary found a path dead (R6.3)
                PathStatusNotification notification = frame.getPathStatusNotification();
                Secondary path = secondaries.get(notification.getPathId());
                if (path != null && WireStatus.of(notification.getState()) == PathStatus.DEAD && path.connection != null) {
                    path.connection.fail(new KwikException(ErrorCode.PATH_DEAD,
                            "the primary reports path " + path.id + " dead: " + notification.getReason()));
                }
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    @Override
    public void sendWindowUpdate(ControlFrame frame) throws IOException {
        core.path().sendControl(frame);
        // any server may write into the stream, so each needs the window (docs/PROTOCOL.md 4.4)
        for (Secondary path : secondaries.values()) {
            PathConnection connection = path.connection;
            if (connection == null || directory.status(path.id) != PathStatus.ACTIVE) continue;
            try {
                connection.sendControl(frame);
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "cannot send a window update on {0}: {1}", path.id, e);
            }
        }
    }

    /**
     * Refuses a secondary's frame unless every byte of it lies inside a range the primary
     * delegated to that secondary: a server that does not own the stream may only fill what it
     * was asked to, and never finish the stream (docs/ENGINE.md, "Hostile peers").
     */
    private void checkDelegated(String pathId, DataFrame frame) throws KwikException {
        long stream = frame.getLogicalStreamId();
        long start = frame.getOffset();
        long end = start + frame.getData().size();
        if (start < 0 || end < start) {
            throw new KwikException(ErrorCode.INVALID_FRAME, "path " + pathId + ": stream " + Long.toUnsignedString(stream)
                    + " offset " + Long.toUnsignedString(start) + " is out of range");
        }
        if (frame.getFin()) {
            throw new KwikException(ErrorCode.INVALID_FRAME, "path " + pathId + ": FIN on stream " + stream
                    + " from a server that does not own it");
        }
        if (!delegated.permits(pathId, stream, start, end)) {
            throw new KwikException(ErrorCode.INVALID_FRAME, "path " + pathId + " wrote [" + start + ", " + end
                    + ") of stream " + stream + " outside the ranges delegated to it");
        }
    }

    // ---------------------------------------------------------------- joining and removing

    private void join(AddPathRequest request) {
        String pathId = request.getPathId();
        String target = request.getTargetHost() + ":" + request.getTargetPort();
        if (!PATH_ID.matcher(pathId).matches() || Integer.parseInt(pathId.substring(1)) >= PathDirectory.MAX_PATHS) {
            answerAdd(pathId, ErrorCode.INVALID_FRAME, "malformed path id");
            return;
        }
        if (directory.contains(pathId) || secondaries.containsKey(pathId)) {
            answerAdd(pathId, ErrorCode.INVALID_FRAME, "path " + pathId + " exists already");
            return;
        }
        InetSocketAddress address;
        try {
            address = new InetSocketAddress(request.getTargetHost(), request.getTargetPort());
            if (address.isUnresolved()) throw new IllegalArgumentException("cannot resolve " + request.getTargetHost());
        } catch (IllegalArgumentException e) {
            answerAdd(pathId, ErrorCode.PATH_DEAD, "bad target " + target + ": " + e.getMessage());
            return;
        }
        Secondary path = new Secondary(pathId, address);
        if (secondaries.putIfAbsent(pathId, path) != null) {
            answerAdd(pathId, ErrorCode.INVALID_FRAME, "path " + pathId + " exists already");
            return;
        }
        ClientDialer.Handshake handshake;
        try {
            handshake = ClientDialer.authenticate(transport, threads, address, config, pathId,
                    AuthenticationRequest.newBuilder().setRole(PathRole.PATH_ROLE_SECONDARY)
                            .setSessionId(com.google.protobuf.ByteString.copyFrom(HexFormat.of().parseHex(core.sessionId())))
                            .setPathId(pathId).setToken(request.getToken())
                            .setTokenExpiryEpochMillis(request.getTokenExpiryEpochMillis()).setTarget(target));
            AuthenticationResponse response = handshake.response();
            if (!HexFormat.of().formatHex(response.getSessionId().toByteArray()).equals(core.sessionId())
                    || !response.getPathId().equals(pathId)) {
                handshake.control().abort();
                handshake.quic().close(ErrorCode.AUTH_FAILED.code(), "the secondary answered for another session or path");
                throw new KwikException(ErrorCode.AUTH_FAILED, "the secondary answered for another session or path");
            }
        } catch (IOException | RuntimeException e) {
            secondaries.remove(pathId, path);
            // a join that timed out is reported to the primary as before, as a dead path: TIMEOUT is local only
            ErrorCode code = e instanceof KwikException k && k.code() != ErrorCode.TIMEOUT ? k.code() : ErrorCode.PATH_DEAD;
            String reason = e.getMessage() == null ? e.toString() : e.getMessage();
            answerAdd(pathId, code, "cannot join " + target + ": " + reason);
            directory.fire(new PathEvent.Failed(new PathInfo(pathId, address, false, PathStatus.DEAD,
                    java.time.Instant.now(), java.time.Instant.now(), PathStats.unmeasured(PathStatus.DEAD)), reason,
                    e instanceof KwikException k ? Optional.of(k) : Optional.empty()));
            return;
        }
        PathConnection connection = new PathConnection(pathId, handshake.quic(), handshake.reader(), handshake.control(),
                threads, PathSettings.of(config, handshake.response().getMaxMessageSize()));
        path.connection = connection;
        if (!directory.put(pathId, address, false, PathStatus.ACTIVE, PathStatsSource.of(connection, () -> 0)) || ended) {
            secondaries.remove(pathId, path);
            connection.close();
            answerAdd(pathId, ErrorCode.SESSION_CLOSED, ended ? "session closed" : "too many paths");
            return;
        }
        // silence is counted from now, not from before the handshake
        connection.liveness().heard();
        connection.start(path);
        // the new server learns every path, and every other server the new one, before the
        // primary hears of it: its answer is what lets the application use the path
        for (PathInfo known : directory.all()) {
            if (!known.id().equals(pathId)) sendTo(connection, notification(known.id(), known.address(), known.status(), ""));
        }
        broadcast(notification(pathId, address, PathStatus.ACTIVE, "joined"), pathId);
        answerAdd(pathId, null, "");
        directory.fire(new PathEvent.Added(directory.info(pathId)));
    }

    private void answerAdd(String pathId, ErrorCode failure, String error) {
        AddPathResponse.Builder response = AddPathResponse.newBuilder().setPathId(pathId).setSuccess(failure == null);
        if (failure != null) response.setError(error).setErrorCodeValue(failure.code());
        else response.setErrorCode(WireErrorCode.WIRE_ERROR_NONE);
        sendTo(core.path(), ControlFrame.newBuilder().setAddPathResponse(response).build());
    }

    private void remove(String pathId) {
        Secondary path = secondaries.get(pathId);
        if (path == null || path.connection == null) {
            sendTo(core.path(), ControlFrame.newBuilder().setRemovePathResponse(RemovePathResponse.newBuilder()
                    .setPathId(pathId).setSuccess(false).setError("no path " + pathId + " at the client")).build());
            return;
        }
        path.removing = true;
        // what the path delivered is in the streams already; the receipts tell the primary so
        receipts.flush();
        path.connection.close();
        sendTo(core.path(), ControlFrame.newBuilder().setRemovePathResponse(RemovePathResponse.newBuilder()
                .setPathId(pathId).setSuccess(true)).build());
    }

    private void secondaryEnded(Secondary path, KwikException failure) {
        secondaries.remove(path.id, path);
        delegated.forget(path.id);
        PathStatus status = path.removing || ended ? PathStatus.CLOSED : PathStatus.DEAD;
        PathStatus previous = directory.update(path.id, status, failure == null ? "closed" : failure.getMessage());
        if (previous == null || previous == PathStatus.DEAD || previous == PathStatus.CLOSED || ended) return;
        String reason = failure == null ? (path.removing ? "removed" : "the server closed the path") : failure.getMessage();
        receipts.flush();
        broadcast(notification(path.id, path.address, status, reason), path.id);
        PathInfo info = directory.info(path.id);
        directory.fire(status == PathStatus.DEAD ? new PathEvent.Dead(info, reason, Optional.ofNullable(failure))
                : new PathEvent.Removed(info));
    }

    // ---------------------------------------------------------------- path health (docs/PROTOCOL.md 4.5)

    /**
     * Pings every path that has been quiet for a quarter of the path timeout, or whose
     * acknowledgement of our data is overdue, and declares dead a secondary silent for the
     * whole timeout. The primary is pinged too, which keeps a quiet session from reaching the
     * idle timeout, but only the QUIC idle timeout judges it: its death ends the session, and
     * nothing could refill what it owed.
     */
    private void checkPaths(long quietSinceNanos, long deadSinceNanos) {
        ping(core.path(), quietSinceNanos);
        for (Secondary path : List.copyOf(secondaries.values())) {
            PathConnection connection = path.connection;
            if (connection == null || directory.status(path.id) != PathStatus.ACTIVE) continue;
            long heard = connection.liveness().lastHeardNanos();
            // never below a few round trips, however short the configured timeout
            long rttFloor = RTT_MULTIPLE * connection.transportRtt().toNanos();
            if (heard - deadSinceNanos < 0 && System.nanoTime() - heard > rttFloor) {
                connection.fail(new KwikTimeoutException(KwikTimeoutException.Kind.PATH, config.pathTimeout(),
                        ErrorCode.PATH_DEAD, "path " + path.id + " was silent for " + config.pathTimeout().toMillis() + " ms",
                        null));
            } else {
                ping(connection, quietSinceNanos);
            }
        }
    }

    /**
     * Pings {@code connection} if it is quiet or owes us an acknowledgement, and was not pinged
     * since {@code quietSinceNanos}. Never waits: a path whose control queue is full must not
     * hold up the heartbeat of the others, and a ping would not get through it anyway.
     */
    private static void ping(PathConnection connection, long quietSinceNanos) {
        Liveness liveness = connection.liveness();
        boolean quiet = liveness.lastHeardNanos() - quietSinceNanos < 0;
        if ((quiet || connection.sendWindow().ackOverdue(AckTracker.MAX_ACK_DELAY))
                && liveness.lastPingNanos() - quietSinceNanos < 0) {
            ControlFrame ping = ControlFrame.newBuilder().setPing(Ping.newBuilder().setNonce(liveness.pinged())).build();
            if (!connection.offerControl(ping)) {
                LOG.log(Level.DEBUG, "no room for a ping on {0}: its control queue is full", connection.pathId());
            }
        }
    }

    // ---------------------------------------------------------------- raw relay (docs/PROTOCOL.md 4.6)

    private void relay(String sourcePathId, RawPacketTransmission relay) throws KwikException, InterruptedException {
        boolean fromPrimary = sourcePathId.equals(core.pathId());
        if (relay.hasDelegation() && !fromPrimary) {
            throw new KwikException(ErrorCode.INVALID_FRAME, "path " + sourcePathId + " delegated a range; only the primary delegates");
        }
        String target = relay.getTargetPathId();
        PathConnection connection = target.equals(core.pathId()) ? core.path() : connectionOf(target);
        if (connection == null || target.equals(sourcePathId) || directory.status(target) != PathStatus.ACTIVE) {
            LOG.log(Level.DEBUG, "dropping a relay from {0} to {1}: no such active path", sourcePathId, target);
            return;
        }
        // the source is the path it came on, whatever the sender claims
        RawPacket.Builder packet = RawPacket.newBuilder().setSourcePathId(sourcePathId).setData(relay.getData());
        if (relay.hasDelegation()) {
            DelegatedRange range = relay.getDelegation();
            if (range.getOffset() < 0 || range.getLength() < 0 || range.getOffset() + range.getLength() < range.getOffset()) {
                throw new KwikException(ErrorCode.INVALID_FRAME, "the primary delegated an out-of-range range of stream "
                        + Long.toUnsignedString(range.getLogicalStreamId()) + " to " + target);
            }
            // recorded before the secondary can learn of it, so its bytes never arrive first
            if (!range.getSha256().isEmpty()) {
                // the stream's creation came earlier on this same control stream; a stream
                // already gone needs no verifying
                LogicalStream stream = core.registry().get(range.getLogicalStreamId());
                if (stream != null) stream.expectDigest(target, range.getOffset(), range.getLength(), range.getSha256().toByteArray());
            }
            if (!delegated.record(target, range.getLogicalStreamId(), range.getOffset(), range.getLength())) {
                connection.fail(new KwikException(ErrorCode.INVALID_FRAME, "path " + target + " was delegated more than "
                        + config.maxDelegatedRangesPerPath() + " separate ranges"));
                return;
            }
            packet.setDelegation(range);
        }
        try {
            connection.sendRaw(packet.build());
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "relay from {0} to {1} failed: {2}", sourcePathId, target, e);
        }
        if (Thread.currentThread().isInterrupted()) throw new InterruptedException();
    }

    @Override
    public void refuse(String pathId, KwikException failure) {
        PathConnection connection = connectionOf(pathId);
        if (connection != null) connection.fail(failure);
    }

    private PathConnection connectionOf(String pathId) {
        Secondary path = secondaries.get(pathId);
        return path == null ? null : path.connection;
    }

    // ---------------------------------------------------------------- status reports

    private static ControlFrame notification(String pathId, InetSocketAddress address, PathStatus status, String reason) {
        return ControlFrame.newBuilder().setPathStatusNotification(PathStatusNotification.newBuilder()
                .setPathId(pathId).setState(WireStatus.of(status)).setReason(reason)
                .setAddress(WireStatus.format(address))).build();
    }

    /** Sends to the primary and every active secondary but {@code except}. */
    private void broadcast(ControlFrame frame, String except) {
        sendTo(core.path(), frame);
        for (Secondary path : List.copyOf(secondaries.values())) {
            if (!path.id.equals(except) && path.connection != null) sendTo(path.connection, frame);
        }
    }

    private static void sendTo(PathConnection connection, ControlFrame frame) {
        try {
            connection.sendControl(frame);
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "cannot send {0} on {1}: {2}", frame.getFrameCase(), connection.pathId(), e);
        }
    }

    private void submit(ControlFrame request, Runnable work) throws KwikException {
        if (!requests.submit(work, request.getSerializedSize())) {
            throw new KwikException(ErrorCode.FLOW_CONTROL, "the primary sent path requests faster than they are answered: "
                    + "more than " + config.controlBacklog() + " requests or " + config.controlBacklogBytes() + " bytes waiting");
        }
    }

    @Override
    public void ended(KwikException reason) {
        ended = true;
        requests.close();
        heartbeat.close();
        receipts.close();
        for (Secondary path : List.copyOf(secondaries.values())) {
            if (path.connection != null) path.connection.close();
        }
        boolean died = reason.code() == ErrorCode.PATH_DEAD;
        for (PathInfo path : directory.all()) {
            directory.update(path.id(), path.primary() && died ? PathStatus.DEAD : PathStatus.CLOSED, reason.getMessage());
        }
    }
}
