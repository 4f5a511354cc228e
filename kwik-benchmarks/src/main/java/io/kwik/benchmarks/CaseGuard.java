package io.kwik.benchmarks;

import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounds every step of a case: a step not done in time gets thread dumps of every JVM and is
 * aborted, a step that fails is reported with the servers' log tails, and a watchdog dumps
 * threads once when a transfer stops making progress.
 */
final class CaseGuard {

    private final E2eOptions options;
    private final ServerJvms servers;

    CaseGuard(E2eOptions options, ServerJvms servers) {
        this.options = options;
        this.servers = servers;
    }

    /** Runs {@code action} on a virtual thread and waits {@code seconds} for it; {@code abort} runs when it fails or stalls. */
    <T> T within(long seconds, String what, Runnable abort, Callable<T> action) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread.ofVirtual().name(what).start(() -> {
            try {
                result.complete(action.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        try {
            return result.get(seconds, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            String dumps = servers.dumpThreads(what.replace(' ', '-'));
            abort.run();
            throw new CaseFailed("stalled: " + what + " not done after " + seconds + " s; thread dumps: " + dumps, e);
        } catch (ExecutionException e) {
            abort.run();
            throw new CaseFailed(what + " failed: " + describe(e.getCause()) + servers.serverLogs(), e.getCause());
        }
    }

    /**
     * Waits for one stream of a download until {@code deadline} (a {@link System#nanoTime()});
     * a stall gets thread dumps, and either way {@code abort} runs.
     */
    long awaitStream(CompletableFuture<Long> stream, long deadline, String label, Runnable abort) throws Exception {
        try {
            return stream.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            String dumps = servers.dumpThreads(label.replace(' ', '-'));
            abort.run();
            throw new CaseFailed(String.format(Locale.ROOT, "stalled: %s download not done after %d s; thread dumps: %s",
                    label, options.timeoutSeconds(), dumps), e);
        } catch (ExecutionException e) {
            abort.run();
            throw new CaseFailed(label + " download failed: " + describe(e.getCause()) + servers.serverLogs(), e.getCause());
        }
    }

    /**
     * A watchdog: when {@code progress} stays still for {@code --stall-s} before {@code done},
     * it dumps every JVM's threads, once, and says so; the caller goes on waiting.
     */
    Thread watch(String label, AtomicLong progress, long goal, CompletableFuture<?> done) {
        return Thread.ofVirtual().name("stall-watchdog").start(() -> {
            long seen = -1;
            long since = System.nanoTime();
            try {
                while (!done.isDone()) {
                    Thread.sleep(250);
                    long now = progress.get();
                    if (now != seen) {
                        seen = now;
                        since = System.nanoTime();
                    } else if (System.nanoTime() - since > TimeUnit.SECONDS.toNanos(options.stallSeconds())) {
                        String dumps = servers.dumpThreads(label.replace(' ', '-') + "-no-progress");
                        System.out.printf(Locale.ROOT, "  %s: no progress for %d s at %d of %d; thread dumps: %s%n", label,
                                options.stallSeconds(), now, goal, dumps);
                        return;
                    }
                }
            } catch (InterruptedException e) {
                // done
            }
        });
    }

    /** The servers' log lines that look like errors, for a failure's message. */
    String serverLogs() {
        return servers.serverLogs();
    }

    /** A failure in one line: the cause that says what went wrong, not its wrappers. */
    static String describe(Throwable e) {
        if (e instanceof CaseFailed) return e.getMessage();
        if (e instanceof UncheckedIOException u) e = u.getCause();
        if (e instanceof ExecutionException && e.getCause() != null) e = e.getCause();
        return e.toString();
    }
}
