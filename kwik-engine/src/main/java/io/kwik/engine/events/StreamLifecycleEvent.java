package io.kwik.engine.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * A logical stream opened, closed or was reset. {@code jfr print --events io.kwik.Stream}. No
 * stack trace: streams open and close often, and the stack would cost more than it tells.
 */
@Name("io.kwik.Stream")
@Label("KWIK Stream")
@Category({"KWIK"})
@StackTrace(false)
@Description("A logical stream of a KWIK session opened, closed or was reset")
public final class StreamLifecycleEvent extends Event {
    /**
     * What happened to the stream. {@code STOPPED_*}: one end stopped receiving (StopSending),
     * which ends the other end's sending direction.
     */
    public enum Action { OPENED_LOCALLY, OPENED_BY_PEER, CLOSED, RESET_LOCALLY, RESET_BY_PEER, STOPPED_LOCALLY, STOPPED_BY_PEER }

    @Label("Session") public String sessionId;
    @Label("Path") public String pathId;
    @Label("Stream") public long streamId;
    @Label("Action") public String action;
    @Label("Error Code") public long errorCode;

    /** Records the action if the event is enabled. */
    public static void record(String sessionId, String pathId, long streamId, Action action, long errorCode) {
        StreamLifecycleEvent event = new StreamLifecycleEvent();
        if (!event.shouldCommit()) return;
        event.sessionId = sessionId;
        event.pathId = pathId;
        event.streamId = streamId;
        event.action = action.name();
        event.errorCode = errorCode;
        event.commit();
    }
}
