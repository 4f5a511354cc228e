package io.kwik.engine.ack;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.kwik.proto.AckFrame;
import io.kwik.proto.PacketRange;

class AckTrackerTest {
    private final List<AckFrame> sent = new CopyOnWriteArrayList<>();
    /** Delays asked of the timer; its tasks never run, so the batching tests do not race the 1 ms delay. */
    private final List<Long> delays = new CopyOnWriteArrayList<>();
    private final AckTracker tracker = new AckTracker("p1", System::nanoTime, () -> Duration.ofMillis(4), sent::add,
            (task, delayNanos) -> delays.add(delayNanos));

    @Test
    void everySixteenthPacketIsAcknowledgedAtOnceWithItsRanges() {
        for (long n = 0; n < AckTracker.PACKETS_PER_ACK; n++) tracker.onPacket(n == 5 ? 100 : n);
        assertThat(sent).hasSize(1);
        AckFrame ack = sent.get(0);
        assertThat(ack.getPathId()).isEqualTo("p1");
        assertThat(ack.getRangesList()).containsExactly(
                PacketRange.newBuilder().setSmallest(0).setLargest(4).build(),
                PacketRange.newBuilder().setSmallest(6).setLargest(15).build(),
                PacketRange.newBuilder().setSmallest(100).setLargest(100).build());
        assertThat(delays).as("the timer armed once, for max(1 ms, rtt / 4)").containsExactly(TimeUnit.MILLISECONDS.toNanos(1));
    }

    @Test
    void aLonePacketIsAcknowledgedByTheTimer() throws Exception {
        LinkedBlockingQueue<AckFrame> acks = new LinkedBlockingQueue<>();
        AckTracker timed = new AckTracker("p2", System::nanoTime, () -> Duration.ofMillis(4), acks::add);
        timed.onPacket(0);
        AckFrame ack = acks.poll(10, TimeUnit.SECONDS);
        assertThat(ack).as("an acknowledgement sent by the timer").isNotNull();
        assertThat(ack.getRangesList()).containsExactly(PacketRange.newBuilder().setSmallest(0).setLargest(0).build());
    }

    @Test
    void nothingIsAcknowledgedTwice() {
        for (long n = 0; n < 2L * AckTracker.PACKETS_PER_ACK; n++) tracker.onPacket(n);
        tracker.flush();
        assertThat(sent).hasSize(2);
        assertThat(sent.get(1).getRanges(0).getSmallest()).isEqualTo(AckTracker.PACKETS_PER_ACK);
    }
}
