package io.kwik.engine.events;

import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.kwik.api.KwikSession;
import io.kwik.api.PathStats;
import io.kwik.api.PathStatus;
import io.kwik.api.SessionStats;
import jdk.jfr.FlightRecorder;

/**
 * Emits {@link PathStatsEvent} for every live path of every live session, on JFR's periodic
 * thread while a recording has the event enabled. A session is watched from its creation until
 * it ends, and only then: the set holds live sessions only, so it is bounded by them and keeps
 * nothing alive after its end. The hook is registered once per JVM, on the first session.
 */
public final class PathStatsSampler {
    private static final System.Logger LOG = System.getLogger(PathStatsSampler.class.getName());
    private static final Set<KwikSession> LIVE = ConcurrentHashMap.newKeySet();

    static {
        try {
            FlightRecorder.addPeriodicEvent(PathStatsEvent.class, PathStatsSampler::emit);
        } catch (RuntimeException | LinkageError e) {
            // sessions must work without JFR; they just go unsampled
            LOG.log(Level.WARNING, "io.kwik.PathStats will not be recorded", e);
        }
    }

    private PathStatsSampler() {}

    /** Samples {@code session}'s paths until {@link #unwatch} is called for it. */
    public static void watch(KwikSession session) {
        LIVE.add(session);
    }

    /** Stops sampling {@code session}: call it once the session has ended. */
    public static void unwatch(KwikSession session) {
        LIVE.remove(session);
    }

    /** Whether {@code session} is being sampled now. */
    static boolean isWatched(KwikSession session) {
        return LIVE.contains(session);
    }

    private static void emit() {
        for (KwikSession session : LIVE) {
            try {
                emit(session);
            } catch (RuntimeException e) {
                // a session ending under our feet must not stop the others' samples
                LOG.log(Level.DEBUG, () -> "no path statistics for " + session, e);
            }
        }
    }

    private static void emit(KwikSession session) {
        SessionStats stats = session.stats();
        String role = session.role().name();
        for (Map.Entry<String, PathStats> entry : stats.paths().entrySet()) {
            PathStats path = entry.getValue();
            // a path this end has no connection to has no figures of its own (send window -1)
            if (!live(path.status()) || path.sendWindow() < 0) continue;
            PathStatsEvent event = new PathStatsEvent();
            event.sessionId = stats.sessionId();
            event.role = role;
            event.pathId = entry.getKey();
            event.status = path.status().name();
            event.rtt = path.rtt().toNanos();
            event.goodput = path.goodputBytesPerSecond();
            event.bytesInFlight = path.bytesInFlight();
            event.sendWindow = path.sendWindow();
            event.bytesSent = path.bytesSent();
            event.bytesReceived = path.bytesReceived();
            event.openLogicalStreams = path.openLogicalStreams();
            event.openRealStreams = path.openRealStreams();
            event.commit();
        }
    }

    private static boolean live(PathStatus status) {
        return status == PathStatus.ACTIVE || status == PathStatus.DEGRADED;
    }
}
