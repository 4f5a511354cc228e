package io.kwik.engine.ack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class ReceiveRateTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final ReceiveRate rate = new ReceiveRate(now::get);

    private void after(long millis) {
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    @Test
    void nothingReceivedIsUnmeasured() {
        after(2_000);
        assertThat(rate.bytesPerSecond()).isEqualTo(-1);
    }

    @Test
    void aShortBurstIsMeasuredOverTheTimeSoFar() {
        after(100);
        rate.received(10_000);
        assertThat(rate.bytesPerSecond()).isEqualTo(100_000);
    }

    @Test
    void fullIntervalsAreAveraged() {
        for (int i = 0; i < 5; i++) {
            after(100);
            rate.received(100_000);
        }
        assertThat(rate.bytesPerSecond()).as("500 KB in 500 ms").isEqualTo(1_000_000);
        for (int i = 0; i < 5; i++) {
            after(100);
            rate.received(200_000);
        }
        assertThat(rate.bytesPerSecond()).as("the mean of 1 MB/s and 2 MB/s").isEqualTo(1_500_000);
    }
}
