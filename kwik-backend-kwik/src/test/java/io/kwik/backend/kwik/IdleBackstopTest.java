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
        /** When set, the connection keeps receiving but was last active then, with this many control packets per ms since. */
        volatile long lastActive = -1;
        volatile double controlOnlyPerMilli;
        final CompletableFuture<Duration> closeKwikAfter = new CompletableFuture<>();

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
        public long lastActiveNanos() {
            return lastActive >= 0 ? lastActive : lastReceivedNanos();
        }

        @Override
        public long controlOnlySinceActive() {
            return lastActive < 0 ? 0 : (long) ((System.nanoTime() - lastActive) / 1e6 * controlOnlyPerMilli);
        }

        @Override
        public void idleBackstopFired(Duration quietFor, String why, Duration closeKwikAfter) {
            this.closeKwikAfter.complete(closeKwikAfter);
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
    void aConnectionKeptBusyOnlyByTheAckPingExchangeIsClosedAsIdleAndKwikClosedAfterTheGrace() throws Exception {
        Duration idle = Duration.ofMillis(200);
        Fake pingPong = new Fake(0, true);
        pingPong.lastActive = System.nanoTime();
        pingPong.controlOnlyPerMilli = 1.0 / 40;  // one packet every 40 ms, as measured

        IdleBackstop.watch(pingPong, idle);

        Duration inactiveFor = pingPong.fired.get(30, TimeUnit.SECONDS);
        assertThat(inactiveFor).isGreaterThan(idle.plus(IdleBackstop.grace(idle)));
        assertThat(pingPong.closeKwikAfter.get()).isEqualTo(IdleBackstop.grace(idle));
    }

    @Test
    void aKeepAliveSlowerThanThePingPongIntervalStillKeepsAConnectionOpen() throws Exception {
        Duration idle = Duration.ofMillis(200);
        Fake keptAlive = new Fake(0, true);
        keptAlive.lastActive = System.nanoTime();
        keptAlive.controlOnlyPerMilli = 1.0 / (IdleBackstop.PING_PONG_INTERVAL.toMillis() * 2);
        Fake pingPong = new Fake(0, true);
        pingPong.lastActive = System.nanoTime();
        pingPong.controlOnlyPerMilli = 1.0 / 40;

        IdleBackstop.watch(keptAlive, idle);
        IdleBackstop.watch(pingPong, idle);
        pingPong.fired.get(30, TimeUnit.SECONDS);
        Thread.sleep(IdleBackstop.period(idle).toMillis() * 3);  // a few more checks of the kept-alive one

        assertThat(keptAlive.checks.get()).isGreaterThan(1);
        assertThat(keptAlive.fired).isNotDone();
        keptAlive.ended = true;
    }

    @Test
    void onlyOneRttPacketsOfAckPingAndPaddingFramesAreControlOnly() {
        assertThat(KwikLogBridge.controlOnly("Packet A|6|S0|65739fc6cff79ab8|33|2  AckFrame[6|Δ19] PingFrame[]")).isTrue();
        assertThat(KwikLogBridge.controlOnly("Packet A|29|S0|d0ee7f03456a1cce|32|1  AckFrame[29|Δ19]")).isTrue();
        assertThat(KwikLogBridge.controlOnly("Packet PA|3|S0|d0ee7f03456a1cce|40|3  AckFrame[5,3-1|Δ0] PingFrame[] Padding(2)")).isTrue();
        assertThat(KwikLogBridge.controlOnly("Packet A|0|S0|5faf341a74b6b2fe|100|3  HandshakeDoneFrame[] "
                + "NewConnectionIdFrame[1,<0|50c5f7c0f832e052|77a6] CryptoFrame[0,42]")).isFalse();
        assertThat(KwikLogBridge.controlOnly("Packet A|7|S0|65739fc6cff79ab8|60|2  AckFrame[6|Δ19] StreamFrame[0(CIB),0,20]")).isFalse();
        assertThat(KwikLogBridge.controlOnly("Packet H|0|L|44|2  PingFrame[] Padding(2)")).isFalse();
        assertThat(KwikLogBridge.controlOnly("Packet A|7|S0|65739fc6cff79ab8|60|x  AckFrame[6|Δ19]")).isFalse();
        assertThat(KwikLogBridge.controlOnly("something else")).isFalse();
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
