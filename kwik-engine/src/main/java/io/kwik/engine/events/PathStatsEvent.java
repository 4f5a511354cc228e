package io.kwik.engine.events;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Frequency;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * The figures of one live path, sampled every second by {@link PathStatsSampler} (the period
 * can be changed in the recording's settings). One event per end of the session that has a
 * connection on the path, so that JMC can graph RTT, goodput and bytes in flight per path.
 * {@code jfr print --events io.kwik.PathStats}.
 */
@Name("io.kwik.PathStats")
@Label("KWIK Path Statistics")
@Category({"KWIK"})
@Description("Figures of one live path of a KWIK session, sampled periodically")
@Period("1 s")
@StackTrace(false)
public final class PathStatsEvent extends Event {
    @Label("Session") public String sessionId;
    @Label("Role") @Description("The end that measured: CLIENT, PRIMARY_SERVER or SECONDARY_SERVER")
    public String role;
    @Label("Path") public String pathId;
    @Label("Status") public String status;
    @Label("RTT") @Timespan(Timespan.NANOSECONDS) public long rtt;
    @Label("Goodput") @Description("Application bytes delivered per second, recently; -1 when not measured")
    @DataAmount @Frequency public long goodput;
    @Label("Bytes In Flight") @DataAmount public long bytesInFlight;
    @Label("Send Window") @DataAmount public long sendWindow;
    @Label("Bytes Sent") @DataAmount public long bytesSent;
    @Label("Bytes Received") @DataAmount public long bytesReceived;
    @Label("Open Logical Streams") public int openLogicalStreams;
    @Label("Open Real Streams") public int openRealStreams;
}
