package io.kwik.engine.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * A path changed status. {@code jfr print --events io.kwik.Path} shows a session's paths. No
 * stack trace: the status and reason say what happened, and status changes come from a few
 * known places.
 */
@Name("io.kwik.Path")
@Label("KWIK Path")
@Category({"KWIK"})
@StackTrace(false)
@Description("A path of a KWIK session changed status")
public final class PathLifecycleEvent extends Event {
    @Label("Session") public String sessionId;
    @Label("Path") public String pathId;
    @Label("Peer") public String peer;
    @Label("Status") public String status;
    @Label("Reason") public String reason;

    /** Records a status change if the event is enabled. */
    public static void record(String sessionId, String pathId, String peer, String status, String reason) {
        // every move to DEAD comes through here, so the death has no hook of its own
        if ("DEAD".equals(status)) PathDeathEvent.record(sessionId, pathId, peer, reason);
        PathLifecycleEvent event = new PathLifecycleEvent();
        if (!event.shouldCommit()) return;
        event.sessionId = sessionId;
        event.pathId = pathId;
        event.peer = peer;
        event.status = status;
        event.reason = reason;
        event.commit();
    }
}
