package io.kwik.engine.events;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * A range the primary delegated to a secondary failed: its path died before the client had
 * all of it, it could not be sent, or the session ended. The primary must now refill the
 * missing bytes itself. {@code jfr print --events io.kwik.DelegationFailed}.
 */
@Name("io.kwik.DelegationFailed")
@Label("KWIK Delegation Failed")
@Category({"KWIK"})
@Description("A range delegated to a secondary failed; the missing bytes must be refilled by the primary")
@StackTrace(false)
public final class DelegationFailedEvent extends Event {
    @Label("Session") public String sessionId;
    @Label("Path") @Description("The path the range was delegated to") public String pathId;
    @Label("Stream") public long streamId;
    @Label("Offset") @Description("KWIK offset of the delegated range") public long offset;
    @Label("Length") @DataAmount public long length;
    @Label("Missing") @Description("Bytes of the range the client had not received") @DataAmount public long missing;
    @Label("Reason") public String reason;

    /** Records the failure if the event is enabled. */
    public static void record(String sessionId, String pathId, long streamId, long offset, long length, long missing,
                              String reason) {
        DelegationFailedEvent event = new DelegationFailedEvent();
        if (!event.shouldCommit()) return;
        event.sessionId = sessionId;
        event.pathId = pathId;
        event.streamId = streamId;
        event.offset = offset;
        event.length = length;
        event.missing = missing;
        event.reason = reason;
        event.commit();
    }
}
