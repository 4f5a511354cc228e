package io.kwik.spi;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Dials with a second attempt when the first handshake stalls, in the manner of happy
 * eyeballs: the first attempt to complete wins, the other is abandoned (or closed, if it
 * completes later), and the whole race ends at its deadline.
 *
 * <p>An attempt <em>stalls</em> when no datagram from the server arrived for
 * {@code stallTimeout} (counted from the attempt's start, then from its last datagram), or for
 * {@value #RTT_MULTIPLE} times the delay of the server's first answer when that is longer (so
 * a long path does not count as a stall). That is always less than {@value #RTT_MULTIPLE}
 * times {@code stallTimeout}: an attempt whose first answer takes longer than
 * {@code stallTimeout} has already stalled. A slow handshake whose packets keep arriving is left
 * alone. The backend reports datagrams through
 * {@link QuicTransport#connect(InetSocketAddress, ClientTransportConfig, HandshakeObserver)};
 * a backend that does not looks stalled until it completes. At most {@value #MAX_ATTEMPTS}
 * attempts run; a failed attempt (refused, untrusted certificate, unreachable) starts none,
 * since a new connection would meet the same answer, and fails the race once no other attempt
 * is running.
 *
 * <p>Why: kwik 0.10.8's client sometimes stops retransmitting during the handshake (see the
 * kwik backend's README), and a server behind a NAT or a load balancer may drop the first
 * 4-tuple's packets; a new connection has a new source port and a fresh timer.
 *
 * @since 0.1.0
 */
public final class DialRace {

    /** The most attempts one race starts. */
    public static final int MAX_ATTEMPTS = 2;
    /** How many times the server's first answer delay an attempt may stay silent at least. */
    public static final int RTT_MULTIPLE = 3;

    /** The clock and the one timer a race uses; replaced in tests. */
    interface Timer {
        long nanoTime();

        void schedule(Runnable task, long delayNanos);
    }

    private static final Timer SYSTEM = new Timer() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void schedule(Runnable task, long delayNanos) {
            CompletableFuture.delayedExecutor(Math.max(0, delayNanos), TimeUnit.NANOSECONDS).execute(task);
        }
    };

    private final QuicTransport transport;
    private final InetSocketAddress remote;
    private final ClientTransportConfig config;
    private final long stallNanos;
    private final long deadlineNanos;
    private final Timer timer;
    private final CompletableFuture<QuicConnection> result = new CompletableFuture<>();
    private final List<Attempt> attempts = new ArrayList<>(MAX_ATTEMPTS);

    /** One handshake: when it started, and when the server was heard during it (0: never). */
    private final class Attempt implements HandshakeObserver {
        final long startNanos;
        volatile long firstHeardNanos;
        volatile long lastHeardNanos;
        volatile CompletableFuture<QuicConnection> future;

        Attempt(long startNanos) {
            this.startNanos = startNanos;
        }

        @Override
        public void packetReceived() {
            long now = timer.nanoTime();
            if (firstHeardNanos == 0) firstHeardNanos = now;
            lastHeardNanos = now;
        }

        /** When this attempt counts as stalled if nothing more arrives. */
        long stallsAt() {
            long first = firstHeardNanos;
            long last = lastHeardNanos;
            long bound = first == 0 ? stallNanos : Math.max(stallNanos, RTT_MULTIPLE * (first - startNanos));
            return (last == 0 ? startNanos : last) + bound;
        }
    }

    private DialRace(QuicTransport transport, InetSocketAddress remote, ClientTransportConfig config,
                     Duration stallTimeout, Duration timeout, Timer timer) {
        this.transport = Objects.requireNonNull(transport, "transport");
        this.remote = Objects.requireNonNull(remote, "remote");
        this.config = Objects.requireNonNull(config, "config");
        if (stallTimeout.isNegative() || stallTimeout.isZero()) {
            throw new IllegalArgumentException("stallTimeout must be positive: " + stallTimeout);
        }
        this.stallNanos = stallTimeout.toNanos();
        this.timer = timer;
        this.deadlineNanos = timer.nanoTime() + Math.max(0, timeout.toNanos());
    }

    /**
     * Dials {@code remote} through {@code transport}, starting a second attempt if the first
     * stalls for {@code stallTimeout}; see the class comment.
     *
     * <p>The future completes with the first connection whose handshake completes, or fails
     * with an {@link IOException}: the last attempt's failure once every attempt failed, or a
     * {@link java.net.SocketTimeoutException} once {@code timeout} has passed. Cancelling it
     * abandons every attempt. A connection that completes after the race is decided is closed
     * with code 0.
     *
     * @throws IllegalArgumentException if {@code stallTimeout} is not positive
     */
    public static CompletableFuture<QuicConnection> connect(QuicTransport transport, InetSocketAddress remote,
                                                            ClientTransportConfig config, Duration stallTimeout,
                                                            Duration timeout) {
        return connect(transport, remote, config, stallTimeout, timeout, SYSTEM);
    }

    static CompletableFuture<QuicConnection> connect(QuicTransport transport, InetSocketAddress remote,
                                                     ClientTransportConfig config, Duration stallTimeout,
                                                     Duration timeout, Timer timer) {
        DialRace race = new DialRace(transport, remote, config, stallTimeout, timeout, timer);
        race.start();
        return race.result;
    }

    private void start() {
        // abandoned by the caller, timed out or decided: no attempt still running is needed
        result.whenComplete((connection, failure) -> abandonAll());
        // a SocketTimeoutException, so that a caller tells the deadline from a refusal by its type
        timer.schedule(() -> result.completeExceptionally(new SocketTimeoutException("handshake with " + remote
                + " did not complete in time (" + attemptCount() + " attempt(s))")), deadlineNanos - timer.nanoTime());
        Attempt first = launch();
        if (first != null) watch(first);
    }

    /** Starts an attempt, or returns null when the race is over or has all its attempts. */
    private Attempt launch() {
        Attempt attempt;
        synchronized (this) {
            if (result.isDone() || attempts.size() >= MAX_ATTEMPTS) return null;
            attempt = new Attempt(timer.nanoTime());
            attempts.add(attempt);
        }
        CompletableFuture<QuicConnection> future;
        try {
            future = transport.connect(remote, config, attempt);
        } catch (RuntimeException e) {
            future = CompletableFuture.failedFuture(e);
        }
        attempt.future = future;
        future.whenComplete((connection, failure) -> settled(attempt, connection, failure));
        // the race may have ended while connect() ran, before the future was known
        if (result.isDone()) abandonAll();
        return attempt;
    }

    /** Checks {@code attempt} when it would stall, and starts the next attempt if it did. */
    private void watch(Attempt attempt) {
        long delay = attempt.stallsAt() - timer.nanoTime();
        timer.schedule(() -> {
            if (result.isDone() || attempt.future.isDone()) return;
            long now = timer.nanoTime();
            if (now - attempt.stallsAt() < 0) {
                watch(attempt);  // heard from since: look again when it would stall now
            } else if (deadlineNanos - now > 0) {
                Attempt next = launch();
                if (next != null) watch(next);
            }
        }, delay);
    }

    private void settled(Attempt attempt, QuicConnection connection, Throwable failure) {
        if (failure == null) {
            if (!result.complete(connection)) connection.close(0, "another attempt completed the handshake first");
            return;
        }
        boolean othersRunning;
        synchronized (this) {
            othersRunning = attempts.stream().anyMatch(a -> a != attempt && (a.future == null || !a.future.isDone()));
        }
        if (!othersRunning) result.completeExceptionally(asIoException(unwrap(failure)));
    }

    private void abandonAll() {
        List<Attempt> running;
        synchronized (this) {
            running = List.copyOf(attempts);
        }
        for (Attempt attempt : running) {
            CompletableFuture<QuicConnection> future = attempt.future;
            // the winner's future is done already; cancel() leaves a done future alone
            if (future != null) future.cancel(true);
        }
    }

    private synchronized int attemptCount() {
        return attempts.size();
    }

    private static Throwable unwrap(Throwable failure) {
        while ((failure instanceof CompletionException || failure instanceof ExecutionException) && failure.getCause() != null) {
            failure = failure.getCause();
        }
        return failure;
    }

    private static IOException asIoException(Throwable failure) {
        if (failure instanceof IOException io) return io;
        if (failure instanceof CancellationException) return new IOException("the handshake was cancelled", failure);
        return new IOException(String.valueOf(failure.getMessage() == null ? failure : failure.getMessage()), failure);
    }
}
