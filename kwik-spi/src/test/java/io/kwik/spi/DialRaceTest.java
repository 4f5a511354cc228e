package io.kwik.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

/** The racing logic of {@link DialRace}, against a fake transport and a manual clock. */
final class DialRaceTest {

    private static final InetSocketAddress SERVER = new InetSocketAddress("127.0.0.1", 4433);
    private static final ClientTransportConfig CONFIG = new ClientTransportConfig("kwik/1", "localhost", List.of(), true,
            TransportLimits.DEFAULTS);
    private static final Duration STALL = Duration.ofSeconds(1);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** A clock that moves only when told, and runs the tasks that fall due. */
    private static final class ManualTimer implements DialRace.Timer {
        private record Task(long at, long seq, Runnable run) {}

        private final PriorityQueue<Task> tasks = new PriorityQueue<>((a, b) -> a.at != b.at
                ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
        private long now = 1_000_000_000L;
        private long seq;

        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public void schedule(Runnable task, long delayNanos) {
            tasks.add(new Task(now + Math.max(0, delayNanos), seq++, task));
        }

        void advance(Duration by) {
            long until = now + by.toNanos();
            while (!tasks.isEmpty() && tasks.peek().at <= until) {
                Task task = tasks.poll();
                now = Math.max(now, task.at);
                task.run.run();
            }
            now = until;
        }
    }

    /** A transport whose attempts complete only when the test says so. */
    private static class FakeTransport implements QuicTransport {
        final List<CompletableFuture<QuicConnection>> attempts = new ArrayList<>();
        final List<HandshakeObserver> observers = new ArrayList<>();

        @Override
        public CompletableFuture<QuicConnection> connect(InetSocketAddress remote, ClientTransportConfig config) {
            throw new AssertionError("the race must pass an observer");
        }

        @Override
        public CompletableFuture<QuicConnection> connect(InetSocketAddress remote, ClientTransportConfig config,
                                                         HandshakeObserver observer) {
            CompletableFuture<QuicConnection> attempt = new CompletableFuture<>();
            attempts.add(attempt);
            observers.add(observer);
            return attempt;
        }

        @Override
        public QuicServer bind(InetSocketAddress local, ServerTransportConfig config, Consumer<QuicConnection> onConnection) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {
        }
    }

    /** A connection that only records whether it was closed. */
    private static final class FakeConnection implements QuicConnection {
        final CompletableFuture<ConnectionClose> closed = new CompletableFuture<>();

        @Override
        public CompletableFuture<QuicStream> openBidirectionalStream() {
            throw new UnsupportedOperationException();
        }

        @Override
        public QuicStream acceptStream() {
            throw new UnsupportedOperationException();
        }

        @Override
        public InetSocketAddress localAddress() {
            return new InetSocketAddress("127.0.0.1", 50000);
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return SERVER;
        }

        @Override
        public int maxStreamFramePayload() {
            return 1000;
        }

        @Override
        public TransportStats stats() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close(long applicationErrorCode, String reason) {
            closed.complete(new ConnectionClose(ConnectionClose.Origin.LOCAL, applicationErrorCode, reason));
        }

        @Override
        public CompletableFuture<ConnectionClose> closed() {
            return closed;
        }
    }

    private final ManualTimer timer = new ManualTimer();
    private final FakeTransport transport = new FakeTransport();

    private CompletableFuture<QuicConnection> race() {
        return DialRace.connect(transport, SERVER, CONFIG, STALL, TIMEOUT, timer);
    }

    @Test
    void aHandshakeThatCompletesInTimeIsTheOnlyAttempt() throws Exception {
        CompletableFuture<QuicConnection> result = race();
        timer.advance(Duration.ofMillis(500));
        FakeConnection connection = new FakeConnection();
        transport.attempts.get(0).complete(connection);
        timer.advance(Duration.ofSeconds(20));

        assertThat(result).isCompletedWithValue(connection);
        assertThat(transport.attempts).hasSize(1);
        assertThat(connection.closed).isNotDone();
    }

    @Test
    void aSilentFirstAttemptStartsASecondOneAfterTheStallTimeoutAndTheFirstToCompleteWins() throws Exception {
        CompletableFuture<QuicConnection> result = race();
        timer.advance(STALL.minusMillis(1));
        assertThat(transport.attempts).as("attempts before the stall timeout").hasSize(1);
        timer.advance(Duration.ofMillis(1));
        assertThat(transport.attempts).as("attempts at the stall timeout").hasSize(2);

        FakeConnection second = new FakeConnection();
        transport.attempts.get(1).complete(second);
        assertThat(result).isCompletedWithValue(second);
        assertThat(transport.attempts.get(0)).as("the first attempt is abandoned").isCancelled();
        timer.advance(Duration.ofSeconds(20));
        assertThat(transport.attempts).hasSize(2);
    }

    @Test
    void theFirstAttemptStillWinsIfItCompletesFirstAndTheSecondIsClosedWhenItCompletesLate() throws Exception {
        FakeTransport lateCompleting = new FakeTransport() {
            @Override
            public CompletableFuture<QuicConnection> connect(InetSocketAddress remote, ClientTransportConfig config,
                                                             HandshakeObserver observer) {
                // an attempt that cannot be cancelled: it completes as the race is decided
                CompletableFuture<QuicConnection> attempt = new CompletableFuture<>() {
                    @Override
                    public boolean cancel(boolean mayInterruptIfRunning) {
                        return false;
                    }
                };
                attempts.add(attempt);
                observers.add(observer);
                return attempt;
            }
        };
        CompletableFuture<QuicConnection> result = DialRace.connect(lateCompleting, SERVER, CONFIG, STALL, TIMEOUT, timer);
        timer.advance(STALL);
        assertThat(lateCompleting.attempts).hasSize(2);
        FakeConnection first = new FakeConnection();
        lateCompleting.attempts.get(0).complete(first);
        assertThat(result).isCompletedWithValue(first);

        FakeConnection second = new FakeConnection();
        lateCompleting.attempts.get(1).complete(second);
        assertThat(second.closed).as("the loser is closed").isDone();
        assertThat(first.closed).as("the winner stays open").isNotDone();
    }

    @Test
    void packetsFromTheServerKeepASlowHandshakeFromCountingAsStalled() {
        CompletableFuture<QuicConnection> result = race();
        HandshakeObserver observer = transport.observers.get(0);
        // the server answers at once, then keeps sending every 900 ms: slow, not stalled
        timer.advance(Duration.ofMillis(10));
        observer.packetReceived();
        for (int i = 0; i < 8; i++) {
            timer.advance(Duration.ofMillis(900));
            observer.packetReceived();
        }
        assertThat(transport.attempts).as("attempts while packets arrive").hasSize(1);
        // then silence: a stall, counted from the last packet
        timer.advance(STALL.minusMillis(1));
        assertThat(transport.attempts).hasSize(1);
        timer.advance(Duration.ofMillis(1));
        assertThat(transport.attempts).as("attempts after a stall timeout of silence").hasSize(2);
        assertThat(result).isNotDone();
    }

    @Test
    void aLongFirstAnswerDelayStretchesTheStallBound() {
        race();
        HandshakeObserver observer = transport.observers.get(0);
        // the first answer takes 800 ms (a long path, or a busy server): 3 x 800 ms of silence is allowed
        timer.advance(Duration.ofMillis(800));
        observer.packetReceived();
        timer.advance(Duration.ofMillis(2399));
        assertThat(transport.attempts).hasSize(1);
        timer.advance(Duration.ofMillis(1));
        assertThat(transport.attempts).hasSize(2);
    }

    @Test
    void aFirstAnswerLaterThanTheStallTimeoutComesAfterTheSecondAttemptStarted() {
        race();
        timer.advance(STALL);
        assertThat(transport.attempts).as("the first attempt stalled before its first answer").hasSize(2);
        transport.observers.get(0).packetReceived();
        timer.advance(Duration.ofSeconds(5));
        assertThat(transport.attempts).hasSize(DialRace.MAX_ATTEMPTS);
    }

    @Test
    void neverMoreThanTwoAttempts() {
        race();
        timer.advance(Duration.ofSeconds(9));
        assertThat(transport.attempts).hasSize(DialRace.MAX_ATTEMPTS);
    }

    @Test
    void aFailedAttemptFailsTheRaceAtOnceWhenNoOtherRuns() {
        CompletableFuture<QuicConnection> result = race();
        transport.attempts.get(0).completeExceptionally(new IOException("certificate not trusted"));

        assertThatThrownBy(result::get).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(IOException.class).hasMessage("certificate not trusted");
        timer.advance(Duration.ofSeconds(20));
        assertThat(transport.attempts).as("a failure starts no new attempt").hasSize(1);
    }

    @Test
    void aFailedAttemptWaitsForTheOtherRunningOne() throws Exception {
        CompletableFuture<QuicConnection> result = race();
        timer.advance(STALL);
        transport.attempts.get(0).completeExceptionally(new IOException("handshake timed out"));
        assertThat(result).isNotDone();
        FakeConnection second = new FakeConnection();
        transport.attempts.get(1).complete(second);
        assertThat(result).isCompletedWithValue(second);
    }

    @Test
    void theWholeRaceEndsAtItsTimeoutAndAbandonsEveryAttempt() {
        CompletableFuture<QuicConnection> result = race();
        timer.advance(TIMEOUT.minusMillis(1));
        assertThat(result).isNotDone();
        timer.advance(Duration.ofMillis(1));

        assertThatThrownBy(result::get).cause().isInstanceOf(java.net.SocketTimeoutException.class)
                .hasMessageContaining("did not complete");
        assertThat(transport.attempts).allSatisfy(attempt -> assertThat(attempt).isCancelled());
        FakeConnection late = new FakeConnection();
        assertThat(transport.attempts.get(0).complete(late)).isFalse();
    }

    @Test
    void noSecondAttemptStartsAfterTheTimeout() {
        DialRace.connect(transport, SERVER, CONFIG, Duration.ofSeconds(5), Duration.ofSeconds(3), timer);
        timer.advance(Duration.ofSeconds(20));
        assertThat(transport.attempts).hasSize(1);
    }

    @Test
    void cancellingTheRaceAbandonsItsAttempts() {
        CompletableFuture<QuicConnection> result = race();
        timer.advance(STALL);
        result.cancel(true);
        assertThat(transport.attempts).hasSize(2).allSatisfy(attempt -> assertThat(attempt).isCancelled());
        timer.advance(Duration.ofSeconds(20));
        assertThat(transport.attempts).hasSize(2);
    }

    @Test
    void aBackendThatThrowsFailsTheRace() {
        FakeTransport throwing = new FakeTransport() {
            @Override
            public CompletableFuture<QuicConnection> connect(InetSocketAddress remote, ClientTransportConfig config,
                                                             HandshakeObserver observer) {
                throw new IllegalStateException("closed");
            }
        };
        CompletableFuture<QuicConnection> result = DialRace.connect(throwing, SERVER, CONFIG, STALL, TIMEOUT, timer);
        assertThatThrownBy(result::get).cause().isInstanceOf(IOException.class).hasMessageContaining("closed");
    }

    @Test
    void aNonPositiveStallTimeoutIsRejected() {
        assertThatThrownBy(() -> DialRace.connect(transport, SERVER, CONFIG, Duration.ZERO, TIMEOUT))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
