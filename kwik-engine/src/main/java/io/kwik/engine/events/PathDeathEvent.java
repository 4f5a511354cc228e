package io.kwik.engine.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * One end of a session declared a path dead. Recorded by {@link PathLifecycleEvent#record}
 * when the new status is {@code DEAD}, so every place that moves a path to DEAD records it.
 * {@code jfr print --events io.kwik.PathDeath}.
 */
@Name("io.kwik.PathDeath")
@Label("KWIK Path Death")
@Category({"KWIK"})
@Description("A path of a KWIK session was declared dead")
@StackTrace(false)
public final class PathDeathEvent extends Event {
    @Label("Session") public String sessionId;
    @Label("Path") public String pathId;
    @Label("Peer") public String peer;
    @Label("Reason") public String reason;

    /** Records the death if the event is enabled. */
    static void record(String sessionId, String pathId, String peer, String reason) {
        PathDeathEvent event = new PathDeathEvent();
        if (!event.shouldCommit()) return;
        event.sessionId = sessionId;
        event.pathId = pathId;
        event.peer = peer;
        event.reason = reason;
        event.commit();
    }
}
