package io.kwik.engine.session;

import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.concurrent.ThreadFactory;

/**
 * Runs the work a peer's control messages ask for that may block (joining a path dials and
 * waits), off the control reader: at most {@code workers} threads at once, which end when
 * the backlog is empty, and a backlog bounded in requests and in bytes. A peer cannot make
 * the client start a thread per message: past the bounds {@link #submit} refuses, and the
 * caller closes the path the requests came on.
 */
final class RequestWorkers {
    private static final System.Logger LOG = System.getLogger(RequestWorkers.class.getName());

    private record Job(Runnable body, int bytes) {}

    private final String name;
    private final ThreadFactory threads;
    private final int workers;
    private final int maxJobs;
    private final long maxBytes;
    private final ArrayDeque<Job> backlog = new ArrayDeque<>();
    private int running;
    private long bytes;
    private boolean closed;

    /**
     * @param workers  threads at most at once
     * @param maxJobs  requests waiting at most
     * @param maxBytes bytes of waiting requests at most
     */
    RequestWorkers(String name, ThreadFactory threads, int workers, int maxJobs, long maxBytes) {
        this.name = name;
        this.threads = threads;
        this.workers = workers;
        this.maxJobs = maxJobs;
        this.maxBytes = maxBytes;
    }

    /**
     * Queues {@code body}, which came in a message of {@code size} bytes.
     *
     * @return false, queuing nothing, when the backlog is full; true once closed, when the work is dropped
     */
    boolean submit(Runnable body, int size) {
        boolean start;
        synchronized (this) {
            if (closed) return true;
            if (backlog.size() >= maxJobs || bytes + size > maxBytes) return false;
            backlog.addLast(new Job(body, size));
            bytes += size;
            start = running < workers;
            if (start) running++;
        }
        if (start) {
            Thread thread = threads.newThread(this::work);
            thread.setName(name);
            thread.start();
        }
        return true;
    }

    /** Requests waiting, not counting those being worked on. */
    synchronized int backlog() {
        return backlog.size();
    }

    private void work() {
        while (true) {
            Job job;
            synchronized (this) {
                job = closed ? null : backlog.pollFirst();
                if (job == null) {
                    running--;
                    return;
                }
                bytes -= job.bytes;
            }
            try {
                job.body.run();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, name + ": a request failed", e);
            }
        }
    }

    /** Drops what waits; running work finishes on its own. */
    synchronized void close() {
        closed = true;
        backlog.clear();
        bytes = 0;
    }
}
