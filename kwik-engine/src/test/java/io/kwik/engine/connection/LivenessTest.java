package io.kwik.engine.connection;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class LivenessTest {
    private final AtomicLong now = new AtomicLong(5_000_000_000L);
    private final Liveness liveness = new Liveness(now::get);

    @Test
    void silenceIsCountedFromCreationUntilSomethingArrives() {
        assertThat(liveness.lastHeardNanos()).isEqualTo(5_000_000_000L);
        now.addAndGet(700);
        liveness.heard();
        assertThat(liveness.lastHeardNanos()).isEqualTo(5_000_000_700L);
    }

    @Test
    void aPingRecordsWhenItLeftAndUsesThatAsItsNonce() {
        now.addAndGet(300);
        long nonce = liveness.pinged();
        assertThat(nonce).isEqualTo(5_000_000_300L);
        assertThat(liveness.lastPingNanos()).isEqualTo(nonce);
    }

    @Test
    void forgivenSilenceMovesTheLastHeardTimeForwardButNeverPastNow() {
        now.addAndGet(1_000);
        liveness.forgive(400);
        assertThat(liveness.lastHeardNanos()).isEqualTo(5_000_000_400L);
        liveness.forgive(10_000);
        assertThat(liveness.lastHeardNanos()).isEqualTo(now.get());
    }

    @Test
    void forgivingNeverMovesSomethingHeardLaterBackInTime() {
        now.addAndGet(1_000);
        liveness.heard();
        liveness.forgive(-500);
        assertThat(liveness.lastHeardNanos()).isEqualTo(now.get());
    }
}
