package io.kwik.engine.connection;

import io.kwik.api.KwikException;
import io.kwik.api.SessionClose;
import io.kwik.engine.stream.ReaderWakeups;
import io.kwik.proto.ControlFrame;
import io.kwik.proto.DataFrame;
import io.kwik.proto.RawPacket;

/** What a path reports to the session that owns it. Called from the path's reader threads. */
public interface PathHandler {

    /** A control frame arrived. Throw to close the path with the exception's code. */
    void onControlFrame(ControlFrame frame) throws KwikException, InterruptedException;

    /**
     * A data frame arrived on one of the path's data streams. Throw to close the path. The
     * stream's reader is woken through {@code wakeups}, which the path wakes before its data
     * reader next waits for the transport.
     */
    void onDataFrame(DataFrame frame, ReaderWakeups wakeups) throws KwikException, InterruptedException;

    /** Bytes relayed from another server arrived on a raw stream (servers only). Throw to close the path. */
    void onRawPacket(RawPacket packet) throws KwikException, InterruptedException;

    /**
     * The path ended: {@code close} says who ended it, with which code and reason (its cause is
     * empty after a graceful close by either end); {@code detectedHere} tells whether this end
     * found the fault (the peer broke the protocol) rather than learning it from the peer or
     * the transport, or closing at the application's request. Called once.
     */
    void onPathClosed(SessionClose close, boolean detectedHere);
}
