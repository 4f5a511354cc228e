package io.kwik.engine.session;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.kwik.api.ClientConfig;
import io.kwik.api.ErrorCode;
import io.kwik.api.KwikTimeoutException;
import io.kwik.engine.util.Timers;
import io.kwik.proto.AuthenticationRequest;
import io.kwik.spi.DialRace;
import io.kwik.spi.QuicConnection;
import io.kwik.spi.QuicTransport;

/**
 * One dial or join as a race of at most {@value #MAX_ATTEMPTS} authentication attempts, each a
 * QUIC connection of its own (itself dialed through {@link DialRace}) with its own
 * authentication request (docs/ENGINE.md, "Dialing").
 *
 * <p>Why: kwik 0.10.8's client can leave a small write unsent until the stream's next write
 * when the packet that carried it is lost (kwik-backend-kwik/README.md, "The raw-join flake,
 * reproduced"). The authentication request is the only write on the control stream before the
 * answer, so such a dial would wait for its whole handshake timeout. When no answer arrives for
 * the stall time after the request was handed to the control stream's sender, a second attempt
 * starts on a new connection; the first attempt to authenticate wins and every other attempt is
 * closed at once (code 0), so the server drops its half-authenticated connection, or ends the
 * session it may have opened for it, as soon as the close arrives. The stall time is
 * {@link ClientConfig#handshakeStallTimeout()}, or {@value DialRace#RTT_MULTIPLE} times the
 * connection's smoothed round-trip time or {@value #HANDSHAKE_MULTIPLE} times its QUIC
 * handshake's duration when that is longer.
 *
 * <p>An attempt that fails while another still runs does not end the race: a server that saw
 * the first request late refuses the second join as a replay ("joined already") and answers the
 * first. The race fails with the failure of the last attempt to end, or with a
 * {@link KwikTimeoutException} ({@link KwikTimeoutException.Kind#HANDSHAKE}) at the handshake
 * timeout, which closes every attempt still running.
 */
final class AuthenticationRace {

    /** The most attempts one race starts. */
    static final int MAX_ATTEMPTS = 2;

    /**
     * How many times its QUIC handshake's duration an attempt waits at least for the answer: on
     * a loaded machine a slow handshake announces a slow answer, and a second attempt whose
     * first one then authenticates too leaves the server a session the client closes at once.
     */
    static final int HANDSHAKE_MULTIPLE = 2;

    private static final System.Logger LOG = System.getLogger(AuthenticationRace.class.getName());

    private final QuicTransport transport;
    private final ThreadFactory threads;
    private final InetSocketAddress server;
    private final ClientConfig config;
    private final String pathId;
    private final AuthenticationRequest request;
    private final long deadline;
    private final CompletableFuture<ClientDialer.Handshake> result = new CompletableFuture<>();
    /** Guarded by {@code this}. */
    private final List<Attempt> attempts = new ArrayList<>(MAX_ATTEMPTS);
    /** Guarded by {@code this}: set once the result is known; attempts connected later close at once. */
    private boolean decided;

    /**
     * One attempt's progress: what the race must close when it abandons the attempt, and its
     * phase for the timeout's message. Written by the attempt's thread, read by the timer.
     */
    final class Attempt {
        final int number;
        final long startNanos = System.nanoTime();
        /** How long the QUIC handshake took; set when connected. */
        volatile long handshakeNanos;
        volatile String phase = "connecting";
        volatile boolean ended;
        /** Guarded by the race: the connection, once dialed. */
        private QuicConnection quic;
        /** Guarded by the race: the dial, while it runs. */
        private CompletableFuture<QuicConnection> dial;

        Attempt(int number) {
            this.number = number;
        }

        /**
         * Records the dial, or cancels it if the race is decided already.
         *
         * @return the dial
         */
        CompletableFuture<QuicConnection> dialing(CompletableFuture<QuicConnection> dial) {
            boolean cancel;
            synchronized (AuthenticationRace.this) {
                this.dial = dial;
                cancel = decided;
            }
            if (cancel) dial.cancel(true);
            return dial;
        }

        /**
         * Records the connection, or closes it if the race is decided already.
         *
         * @throws IOException if the race is decided
         */
        void connected(QuicConnection connection) throws IOException {
            handshakeNanos = System.nanoTime() - startNanos;
            boolean late;
            synchronized (AuthenticationRace.this) {
                this.quic = connection;
                late = decided;
            }
            if (late) {
                connection.close(0, "another attempt authenticated first");
                throw new IOException("attempt " + number + " was abandoned: the race is decided");
            }
        }

        /** The request is on its way: the attempt stalls if nothing answers within the stall time. */
        void requestSent(QuicConnection connection) {
            phase = "authenticating";
            long stall = Math.max(stallNanos(connection), HANDSHAKE_MULTIPLE * handshakeNanos);
            ScheduledFuture<?> check = Timers.scheduler().schedule(() -> stalled(this), stall, TimeUnit.NANOSECONDS);
            // a decided race drops its timer tasks, which would otherwise hold it until they run
            result.whenComplete((handshake, failure) -> check.cancel(false));
        }
    }

    private AuthenticationRace(QuicTransport transport, ThreadFactory threads, InetSocketAddress server, ClientConfig config,
                               String pathId, AuthenticationRequest request) {
        this.transport = transport;
        this.threads = threads;
        this.server = server;
        this.config = config;
        this.pathId = pathId;
        this.request = request;
        this.deadline = System.nanoTime() + config.handshakeTimeout().toNanos();
    }

    /**
     * Runs the race; see the class comment.
     *
     * @throws KwikTimeoutException when no attempt authenticated within the handshake timeout
     * @throws IOException          the last attempt's failure when every attempt failed
     */
    static ClientDialer.Handshake run(QuicTransport transport, ThreadFactory threads, InetSocketAddress server,
                                      ClientConfig config, String pathId, AuthenticationRequest request) throws IOException {
        AuthenticationRace race = new AuthenticationRace(transport, threads, server, config, pathId, request);
        return race.await();
    }

    private ClientDialer.Handshake await() throws IOException {
        result.whenComplete(this::abandonOthers);
        ScheduledFuture<?> timeout = Timers.scheduler().schedule(this::deadlinePassed,
                Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        result.whenComplete((handshake, failure) -> timeout.cancel(false));
        launch();
        try {
            // the deadline task completes the result; the extra second only guards against a stuck timer
            return result.get(Math.max(0, deadline - System.nanoTime()) + TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            result.completeExceptionally(new InterruptedIOException("interrupted while dialing " + server));
            throw new InterruptedIOException("interrupted while dialing " + server);
        } catch (TimeoutException e) {
            deadlinePassed();
            return join();
        } catch (ExecutionException e) {
            return join();
        }
    }

    /** The result, which is done: its value, or its failure as thrown by {@link #run}. */
    private ClientDialer.Handshake join() throws IOException {
        try {
            return result.getNow(null);
        } catch (java.util.concurrent.CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) throw io;
            if (cause instanceof RuntimeException runtime) throw runtime;
            if (cause instanceof Error error) throw error;
            throw new IOException(cause);
        }
    }

    /** Starts the next attempt on a thread of its own, unless the race is decided or has them all. */
    private void launch() {
        Attempt attempt;
        synchronized (this) {
            if (decided || attempts.size() >= MAX_ATTEMPTS) return;
            attempt = new Attempt(attempts.size() + 1);
            attempts.add(attempt);
        }
        if (attempt.number > 1) {
            // INFO: rare, and the only trace of a request the transport lost
            LOG.log(System.Logger.Level.INFO, () -> "no authentication answer from " + server + " for path " + pathId
                    + " within the stall time: attempt " + attempt.number + " on a new connection");
        }
        Thread thread = threads.newThread(() -> {
            ClientDialer.Handshake handshake = null;
            Throwable failure = null;
            try {
                handshake = ClientDialer.attempt(transport, threads, server, config, pathId, request, deadline, attempt);
            } catch (IOException | RuntimeException | Error e) {
                failure = e;
            }
            settled(attempt, handshake, failure);
        });
        thread.setName("kwik-authenticate-" + pathId + "-" + attempt.number);
        thread.start();
    }

    /** The timer found {@code attempt} without an answer for its stall time. */
    private void stalled(Attempt attempt) {
        if (attempt.ended || result.isDone() || deadline - System.nanoTime() <= 0) return;
        launch();
    }

    private long stallNanos(QuicConnection connection) {
        long stall = config.handshakeStallTimeout().toNanos();
        try {
            Duration rtt = connection.stats().smoothedRtt();
            if (rtt != null && !rtt.isNegative()) stall = Math.max(stall, DialRace.RTT_MULTIPLE * rtt.toNanos());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "no round-trip estimate for the stall time: {0}", e.toString());
        }
        return stall;
    }

    private void settled(Attempt attempt, ClientDialer.Handshake handshake, Throwable failure) {
        boolean othersRunning;
        synchronized (this) {
            attempt.ended = true;
            othersRunning = attempts.stream().anyMatch(a -> !a.ended);
        }
        if (handshake != null) {
            if (!result.complete(handshake)) {
                // lost to another attempt, or authenticated just after the deadline
                handshake.control().abort();
                handshake.quic().close(0, "another attempt authenticated first");
            }
            return;
        }
        if (!othersRunning) result.completeExceptionally(failure);
    }

    private void deadlinePassed() {
        if (result.isDone()) return;
        String phase;
        synchronized (this) {
            // the furthest any attempt got, for the message
            phase = attempts.stream().anyMatch(a -> a.phase.equals("authenticating")) ? "authenticating"
                    : attempts.isEmpty() ? "connecting" : attempts.getLast().phase;
        }
        int count = attemptCount();
        result.completeExceptionally(new KwikTimeoutException(KwikTimeoutException.Kind.HANDSHAKE, config.handshakeTimeout(),
                ErrorCode.TIMEOUT, "no KWIK session with " + server + " within the handshake timeout of "
                + config.handshakeTimeout().toMillis() + " ms (still " + phase + ", " + count + " attempt(s))",
                new IOException("authentication timed out")));
    }

    private synchronized int attemptCount() {
        return attempts.size();
    }

    /** Closes every attempt but the winner's; a timed-out race closes them as "authentication timed out". */
    private void abandonOthers(ClientDialer.Handshake winner, Throwable failure) {
        List<Attempt> all;
        synchronized (this) {
            decided = true;
            all = List.copyOf(attempts);
        }
        long code;
        String reason;
        if (winner != null) {
            code = 0;
            reason = "another attempt authenticated first";
        } else if (failure instanceof KwikTimeoutException) {
            code = ErrorCode.AUTH_FAILED.code();
            reason = "authentication timed out";
        } else {
            code = ErrorCode.INTERNAL.code();
            reason = "handshake failed";
        }
        for (Attempt attempt : all) {
            QuicConnection quic;
            CompletableFuture<QuicConnection> dial;
            synchronized (this) {
                quic = attempt.quic;
                dial = attempt.dial;
            }
            if (dial != null) dial.cancel(true);
            // closing the connection also unblocks the attempt's read; its thread then ends
            if (quic != null && (winner == null || quic != winner.quic())) quic.close(code, reason);
        }
    }
}
