package io.kwik.backend.kwik;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

final class IdleBackstopTest {

    /** A connection that never closes by itself and records how the backstop treated it. */
    private static final class Fake implements IdleBackstop.Watched {
        final CompletableFuture<Duration> fired = new CompletableFuture<>();
        final AtomicInteger checks = new AtomicInteger();
        final long lastReceived;
        final boolean alwaysReceiving;
        volatile boolean ended;

        Fake(long lastReceived, boolean alwaysReceiving) {
            this.lastReceived = lastReceived;
            this.alwaysReceiving = alwaysReceiving;
        }

        @Override
        public long lastReceivedNanos() {
            checks.incrementAndGet();
            return alwaysReceiving ? System.nanoTime() : lastReceived;
        }

        @Override
        public boolean ended() {
            return ended;
        }

        @Override
        public void idleBackstopFired(Duration quietFor) {
            fired.complete(quietFor);
        }
    }

    @Test
    void aConnectionThatReceivedNothingPastItsTimeoutAndGraceIsClosedAsIdle() throws Exception {
        Duration idle = Duration.ofMillis(200);
        Fake quiet = new Fake(System.nanoTime(), false);

        IdleBackstop.watch(quiet, idle);

        Duration quietFor = quiet.fired.get(30, TimeUnit.SECONDS);
        assertThat(quietFor).isGreaterThan(idle.plus(IdleBackstop.grace(idle)));
    }

    @Test
    void aConnectionThatKeepsReceivingIsNeverClosed() throws Exception {
        Duration idle = Duration.ofMillis(200);
        Fake talking = new Fake(0, true);
        Fake quiet = new Fake(System.nanoTime(), false);

        IdleBackstop.watch(talking, idle);
        IdleBackstop.watch(quiet, idle);
        quiet.fired.get(30, TimeUnit.SECONDS);

        // both were checked on the same scheduler, at the same period, for longer than the limit
        assertThat(talking.checks.get()).isGreaterThan(1);
        assertThat(talking.fired).isNotDone();
        talking.ended = true;
    }

    @Test
    void anEndedConnectionIsNoLongerChecked() throws Exception {
        Duration idle = Duration.ofMillis(200);
        Fake ended = new Fake(System.nanoTime(), false);
        ended.ended = true;
        Fake quiet = new Fake(System.nanoTime(), false);

        IdleBackstop.watch(ended, idle);
        IdleBackstop.watch(quiet, idle);
        quiet.fired.get(30, TimeUnit.SECONDS);

        assertThat(ended.checks.get()).isZero();
        assertThat(ended.fired).isNotDone();
    }

    @Test
    void graceIsAtLeastOneSecondAndThePeriodStaysBetweenATenthAndOneSecond() {
        assertThat(IdleBackstop.grace(Duration.ofMillis(200))).isEqualTo(Duration.ofSeconds(1));
        assertThat(IdleBackstop.grace(Duration.ofSeconds(30))).isEqualTo(Duration.ofSeconds(30));
        assertThat(IdleBackstop.period(Duration.ofMillis(200))).isEqualTo(Duration.ofMillis(100));
        assertThat(IdleBackstop.period(Duration.ofSeconds(2))).isEqualTo(Duration.ofMillis(500));
        assertThat(IdleBackstop.period(Duration.ofSeconds(30))).isEqualTo(Duration.ofSeconds(1));
    }
}
