package io.kwik.engine.stream;

import java.io.IOException;

import io.kwik.api.KwikException;
import io.kwik.proto.ControlFrame;

/** What a logical stream needs from the session and path it lives on. */
public interface StreamContext {

    /** The session's id, for diagnostics. */
    String sessionId();

    /** The path this end writes on. */
    String pathId();

    /** The most data bytes one frame of {@code streamId} at {@code offset} may carry on this path. */
    int maxFrameData(long streamId, long offset);

    /** Queues a control frame on the path's control stream. */
    void sendControl(ControlFrame frame) throws IOException;

    /** The channel that carries this stream's outgoing data frames (the multiplexing seam). */
    DataChannel dataChannel(LogicalStream stream) throws IOException;

    /** Called once, when both directions of {@code stream} are finished. */
    void released(LogicalStream stream);

    /** Why the session failed, or null while it is healthy. */
    KwikException failure();
}
