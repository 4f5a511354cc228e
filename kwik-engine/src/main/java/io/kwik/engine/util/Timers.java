package io.kwik.engine.util;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * The engine's one timer thread, shared by every session. Tasks run on it must be short and
 * never block: they only flip state or hand work to other threads.
 */
public final class Timers {
    private Timers() {}

    private static final ScheduledThreadPoolExecutor SCHEDULER = new ScheduledThreadPoolExecutor(1, runnable -> {
        Thread thread = new Thread(runnable, "kwik-timer");
        thread.setDaemon(true);
        return thread;
    });

    static {
        SCHEDULER.setRemoveOnCancelPolicy(true);
    }

    /** The shared scheduler. */
    public static ScheduledExecutorService scheduler() {
        return SCHEDULER;
    }
}
