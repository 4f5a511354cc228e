package io.kwik.tck.tools;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The bounds on the engine suites' waits, every one multiplied by {@link TimeoutScale#factor()}
 * ({@code -Dkwik.tck.timeoutScale}). A suite declares its own bound as
 * {@code Bounds.scaled(Duration.ofSeconds(90))} and waits with {@link #await(Future, Duration)},
 * so no wait of the kit escapes the scale. Durations that are the behaviour under test (an idle
 * timeout, a path timeout, a period in which nothing may happen) are not bounds and stay as
 * they are.
 *
 * @since 0.1.0
 */
public final class Bounds {

    /** The bound on one step of an engine suite (a handshake, a stream, a short transfer): 30 s, scaled. */
    public static final Duration WAIT = scaled(Duration.ofSeconds(30));

    private Bounds() {
    }

    /**
     * {@code bound} multiplied by the kit's scale.
     *
     * @param bound the bound a fast machine needs
     * @return the bound to use on this machine
     */
    public static Duration scaled(Duration bound) {
        return TimeoutScale.scaled(bound);
    }

    /**
     * The value of {@code future} within {@link #WAIT}.
     *
     * @param future what to wait for
     * @param <T> its value's type
     * @return its value
     * @throws TimeoutException if it is not done within {@link #WAIT}
     * @throws Exception the failure's cause when it failed
     */
    public static <T> T await(Future<T> future) throws Exception {
        return await(future, WAIT);
    }

    /**
     * The value of {@code future} within {@code bound}, unwrapping the failure's cause.
     *
     * @param future what to wait for
     * @param bound an already scaled bound: {@link #WAIT} or a constant made with {@link #scaled}
     * @param <T> its value's type
     * @return its value
     * @throws TimeoutException if it is not done within {@code bound}
     * @throws Exception the failure's cause when it failed
     */
    public static <T> T await(Future<T> future, Duration bound) throws Exception {
        try {
            return future.get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) throw cause;
            throw e;
        }
    }
}
