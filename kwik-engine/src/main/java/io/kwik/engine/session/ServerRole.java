package io.kwik.engine.session;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.nio.ByteBuffer;

import com.google.protobuf.ByteString;

import io.kwik.api.ErrorCode;
import io.kwik.api.KwikException;
import io.kwik.api.PathDeadException;
import io.kwik.api.PathEvent;
import io.kwik.api.PathStatus;
import io.kwik.api.RawData;
import io.kwik.engine.multipath.PathDirectory;
import io.kwik.engine.multipath.RawInbox;
import io.kwik.proto.ControlFrame;
import io.kwik.proto.DelegatedRange;
import io.kwik.proto.PathStatusNotification;
import io.kwik.proto.RawPacket;
import io.kwik.proto.RawPacketTransmission;

/** What the primary and the secondaries share: raw relays and the path list the client reports. */
abstract class ServerRole implements SessionRole {
    /** Room left in a message for the relay's own fields. */
    private static final int RELAY_OVERHEAD = 256;

    final SessionCore core;
    final PathDirectory directory;
    final RawInbox inbox;
    private final int clientMaxMessageSize;

    ServerRole(SessionCore core, PathDirectory directory, int clientMaxMessageSize, long rawInboxBytes) {
        this.core = core;
        this.directory = directory;
        this.clientMaxMessageSize = clientMaxMessageSize;
        this.inbox = new RawInbox(core.pathId(), rawInboxBytes);
    }

    @Override
    public PathDirectory directory() {
        return directory;
    }

    @Override
    public void sendWindowUpdate(ControlFrame frame) throws IOException {
        core.sendControl(frame);
    }

    @Override
    public void onRawPacket(RawPacket packet) throws KwikException, InterruptedException {
        inbox.deliver(packet);
    }

    @Override
    public RawData receiveRawData() throws IOException, InterruptedException {
        return inbox.take();
    }

    @Override
    public void sendRawData(String targetPathId, ByteBuffer data) throws IOException {
        send(targetPathId, data, null);
    }

    /** Sends a relay (with a delegated range, for a delegation) through the client. */
    final void send(String targetPathId, ByteBuffer data, DelegatedRange delegation) throws IOException {
        checkTarget(targetPathId);
        if (data.remaining() > clientMaxMessageSize - RELAY_OVERHEAD) {
            throw new KwikException(ErrorCode.PACKET_TOO_LARGE, data.remaining() + " bytes is more than the client accepts in one"
                    + " relay (" + (clientMaxMessageSize - RELAY_OVERHEAD) + ")");
        }
        RawPacketTransmission.Builder relay = RawPacketTransmission.newBuilder().setTargetPathId(targetPathId)
                .setSourcePathId(core.pathId()).setData(ByteString.copyFrom(data.duplicate()));
        if (delegation != null) relay.setDelegation(delegation);
        core.sendControl(ControlFrame.newBuilder().setRawPacketTransmission(relay).build());
    }

    /**
     * How long a secondary waits to learn of a target it does not know yet: the client's
     * notification of a new path may trail the primary's addPath by a moment.
     */
    static final Duration NEW_PATH_GRACE = Duration.ofSeconds(2);

    /** Refuses a target that is this server, unknown, dead or removed. */
    final void checkTarget(String targetPathId) throws IOException {
        if (targetPathId.equals(core.pathId())) throw new IllegalArgumentException("path " + targetPathId + " is this server");
        if (!directory.contains(targetPathId) && waitsForNewPaths()) {
            try {
                directory.awaitKnown(targetPathId, NEW_PATH_GRACE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while looking up path " + targetPathId);
            }
        }
        PathStatus status = directory.status(targetPathId);
        if (status == null) throw new KwikException(ErrorCode.PATH_NOT_FOUND, "no path " + targetPathId + " in this session");
        if (status == PathStatus.DEAD) {
            // R6.3: the client hears of it too, in case it still thinks the path alive
            try {
                core.sendControl(ControlFrame.newBuilder().setPathStatusNotification(PathStatusNotification.newBuilder()
                        .setPathId(targetPathId).setState(WireStatus.of(PathStatus.DEAD))
                        .setReason("an operation on this server found it dead")).build());
            } catch (IOException e) {
                // the session is ending; the operation fails below either way
            }
            throw new PathDeadException(targetPathId, "path " + targetPathId + " is dead");
        }
        if (status == PathStatus.CLOSED) throw new KwikException(ErrorCode.PATH_REMOVED, "path " + targetPathId + " was removed");
    }

    /** Whether this end learns of new paths from the client (secondaries), rather than adding them. */
    boolean waitsForNewPaths() {
        return true;
    }

    /** The client reports a path's status; listeners hear of new, dead and removed paths. */
    void onPathStatus(PathStatusNotification notification) {
        PathStatus status = WireStatus.of(notification.getState());
        if (status == null) return;
        String id = notification.getPathId();
        if (id.equals(core.pathId())) return;
        if (!directory.contains(id)) {
            if (directory.put(id, WireStatus.address(notification.getAddress()), id.equals("p0"), status, null)
                    && status == PathStatus.ACTIVE) {
                directory.fire(new PathEvent.Added(directory.info(id)));
            }
            return;
        }
        PathStatus previous = directory.update(id, status, notification.getReason());
        if (previous == null || previous == status || previous == PathStatus.DEAD || previous == PathStatus.CLOSED) return;
        if (status == PathStatus.DEAD) directory.fire(new PathEvent.Dead(directory.info(id), notification.getReason()));
        if (status == PathStatus.CLOSED) directory.fire(new PathEvent.Removed(directory.info(id)));
    }

    @Override
    public void ended(KwikException reason) {
        inbox.close();
        boolean died = reason.code() == ErrorCode.PATH_DEAD;
        for (var path : directory.all()) {
            boolean own = path.id().equals(core.pathId());
            directory.update(path.id(), own && died ? PathStatus.DEAD : PathStatus.CLOSED, reason.getMessage());
        }
    }
}
