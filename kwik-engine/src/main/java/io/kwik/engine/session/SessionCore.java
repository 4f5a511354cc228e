package io.kwik.engine.session;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import io.kwik.api.Delegation;
import io.kwik.api.ErrorCode;
import io.kwik.api.KwikException;
import io.kwik.api.SessionClose;
import io.kwik.engine.connection.PathConnection;
import io.kwik.engine.connection.PathHandler;
import io.kwik.engine.stream.DataChannel;
import io.kwik.engine.stream.LogicalStream;
import io.kwik.engine.stream.ReaderWakeups;
import io.kwik.engine.stream.StreamContext;
import io.kwik.engine.stream.StreamRegistry;
import io.kwik.proto.ControlFrame;
import io.kwik.proto.DataFrame;
import io.kwik.proto.Pong;
import io.kwik.proto.RawPacket;

/**
 * Ties a session's streams to its path to the peer (the primary path, on the client): routes
 * the path's frames to the streams, gives the streams what they need of the path, hands
 * role-specific frames to the {@link SessionRole}, and records how the session ended.
 */
final class SessionCore implements StreamContext, PathHandler {
    private static final System.Logger LOG = System.getLogger(SessionCore.class.getName());

    private final String sessionId;
    private final PathConnection path;
    private final StreamRegistry registry;
    private final AtomicReference<KwikException> ended = new AtomicReference<>();
    private final CompletableFuture<SessionClose> closed = new CompletableFuture<>();
    private final Consumer<KwikException> onFailure;
    private volatile SessionRole role;

    /**
     * @param onFailure told of a protocol failure this end detected in the peer's input
     */
    SessionCore(String sessionId, PathConnection path, RegistryFactory registryFactory, Consumer<KwikException> onFailure) {
        this.sessionId = sessionId;
        this.path = path;
        this.onFailure = onFailure;
        this.registry = registryFactory.create(this);
    }

    /** Creates the registry once the context exists. */
    interface RegistryFactory {
        StreamRegistry create(StreamContext context);
    }

    /** Sets the role; before the path starts. */
    void role(SessionRole sessionRole) {
        this.role = sessionRole;
    }

    SessionRole role() {
        return role;
    }

    StreamRegistry registry() {
        return registry;
    }

    PathConnection path() {
        return path;
    }

    CompletableFuture<SessionClose> closed() {
        return closed;
    }

    // ---------------------------------------------------------------- StreamContext

    @Override
    public String sessionId() {
        return sessionId;
    }

    @Override
    public String pathId() {
        return path.pathId();
    }

    @Override
    public int maxFrameData(long streamId, long offset) {
        return path.packetSizes().maxFrameData(streamId, offset, false);
    }

    @Override
    public void sendControl(ControlFrame frame) throws IOException {
        KwikException failure = failure();
        if (failure != null) throw new KwikException(failure.code(), failure.getMessage(), failure);
        path.sendControl(frame);
    }

    @Override
    public void sendWindowUpdate(ControlFrame frame) throws IOException {
        KwikException failure = failure();
        if (failure != null) throw new KwikException(failure.code(), failure.getMessage(), failure);
        role.sendWindowUpdate(frame);
    }

    @Override
    public boolean ownsServerWrites() {
        return role.ownsServerWrites();
    }

    @Override
    public CompletableFuture<Delegation> delegate(Delegation range, ByteBuffer instruction, byte[] sha256) {
        return role.delegate(range, instruction, sha256);
    }

    @Override
    public void refuse(String pathId, KwikException failure) {
        role.refuse(pathId, failure);
    }

    @Override
    public DataChannel dataChannel(LogicalStream stream) throws IOException {
        return path.dataChannel();
    }

    @Override
    public void released(LogicalStream stream) {
        try {
            registry.released(stream);
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "cannot return stream credit for {0}: {1}", stream, e);
        }
    }

    @Override
    public KwikException failure() {
        return ended.get();
    }

    // ---------------------------------------------------------------- PathHandler

    @Override
    public void onControlFrame(ControlFrame frame) throws KwikException, InterruptedException {
        switch (frame.getFrameCase()) {
            case STREAM_CREATE_NOTIFICATION -> registry.onCreateNotification(frame.getStreamCreateNotification().getLogicalStreamId());
            case MAX_STREAM_DATA -> {
                long id = frame.getMaxStreamData().getLogicalStreamId();
                LogicalStream stream = registry.get(id);
                if (stream != null) {
                    stream.onMaxStreamDataFromPeer(frame.getMaxStreamData().getMaxOffset());
                } else {
                    role.onMaxStreamData(id, frame.getMaxStreamData().getMaxOffset());
                }
            }
            case STREAM_RESET_NOTIFICATION -> {
                LogicalStream stream = registry.get(frame.getStreamResetNotification().getLogicalStreamId());
                if (stream != null) stream.onResetFromPeer(frame.getStreamResetNotification().getErrorCode());
            }
            case STOP_SENDING -> {
                LogicalStream stream = registry.forControl(frame.getStopSending().getLogicalStreamId());
                if (stream != null) stream.onStopSendingFromPeer(frame.getStopSending().getErrorCode());
            }
            case MAX_STREAMS -> registry.onMaxStreams(frame.getMaxStreams().getMaxStreams());
            case PING -> {
                try {
                    path.sendControl(ControlFrame.newBuilder().setPong(Pong.newBuilder().setNonce(frame.getPing().getNonce())).build());
                } catch (IOException e) {
                    LOG.log(Level.DEBUG, "cannot answer a ping: {0}", e);
                }
            }
            case PONG, CLOSE_NOTIFICATION -> { }
            case AUTHENTICATION_REQUEST, AUTHENTICATION_RESPONSE ->
                    throw new KwikException(ErrorCode.INVALID_FRAME, "authentication frame after the handshake");
            default -> {
                if (!role.onControlFrame(frame)) {
                    throw new KwikException(ErrorCode.INVALID_FRAME, frame.getFrameCase() + " is not valid at this end");
                }
            }
        }
    }

    @Override
    public void onRawPacket(RawPacket packet) throws KwikException, InterruptedException {
        role.onRawPacket(packet);
    }

    @Override
    public void onDataFrame(DataFrame frame, ReaderWakeups wakeups) throws KwikException, InterruptedException {
        LogicalStream stream = registry.forFrame(frame.getLogicalStreamId(), wakeups);
        if (stream != null) stream.onFrameFromPeer(frame, true, wakeups);
    }

    @Override
    public void onPathClosed(SessionClose close, boolean detectedHere) {
        KwikException failure = close.cause().orElse(null);
        KwikException reason = failure != null ? failure : new KwikException(ErrorCode.SESSION_CLOSED, "session closed");
        if (!ended.compareAndSet(null, reason)) return;
        registry.fail();
        try {
            role.ended(reason);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "the role failed to end the session", e);
        }
        closed.complete(close);
        if (failure != null && detectedHere) onFailure.accept(failure);
    }
}
