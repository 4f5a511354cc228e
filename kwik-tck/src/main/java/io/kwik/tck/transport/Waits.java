package io.kwik.tck.transport;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import io.kwik.tck.tools.TimeoutScale;

/**
 * Bounded waits. Every blocking step of the suite goes through one of these, so a backend that
 * hangs fails with a message naming the step instead of stalling the build. Every bound is
 * multiplied by {@link TimeoutScale#factor()} ({@code -Dkwik.tck.timeoutScale}) for slow machines.
 *
 * @since 0.1.0
 */
public final class Waits {

    private Waits() {
    }

    /**
     * The value of {@code future}, or an {@link AssertionError} naming {@code what} after
     * {@code timeout} times the kit's {@linkplain TimeoutScale#factor() scale}.
     */
    public static <T> T await(Future<T> future, Duration timeout, String what) throws Exception {
        Duration bound = TimeoutScale.scaled(timeout);
        try {
            return future.get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new AssertionError("timed out after " + bound + ": " + what, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    /**
     * Like {@link #await(Future, Duration, String)}, with the step's description built only on
     * timeout, so it can report the state the step was waiting on at that moment.
     */
    public static <T> T await(Future<T> future, Duration timeout, Supplier<String> what) throws Exception {
        Duration bound = TimeoutScale.scaled(timeout);
        try {
            return future.get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("timed out after " + bound + ": " + what.get(), e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** Runs blocking {@code work} on a virtual thread and waits at most {@code timeout} (scaled) for it. */
    public static <T> T within(Duration timeout, String what, Callable<T> work) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread worker = Thread.ofVirtual().name("tck-" + what).start(() -> {
            try {
                result.complete(work.call());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        try {
            return await(result, timeout, what);
        } finally {
            if (!result.isDone()) {
                worker.interrupt();
            }
        }
    }

    /** Starts blocking {@code work} on a virtual thread; its outcome is the returned future. */
    public static <T> CompletableFuture<T> async(String what, Callable<T> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread.ofVirtual().name("tck-" + what).start(() -> {
            try {
                result.complete(work.call());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }
}
