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
    /** Delays asked of the timer; its tasks never run, so the batching tests do not race the 5 ms delay. */
    private final List<Long> delays = new CopyOnWriteArrayList<>();
    /** Tasks given to the timer, run only when a test says so. */
    private final List<Runnable> timerTasks = new CopyOnWriteArrayList<>();
    private final AckTracker tracker = new AckTracker("p1", System::nanoTime, () -> Duration.ofMillis(4), sink(sent),
            (task, delayNanos) -> {
                delays.add(delayNanos);
                timerTasks.add(task);
            });

    /** A sink with room for everything: offer and send both deliver to {@code into}. */
    private static AckTracker.Sink sink(java.util.Collection<AckFrame> into) {
        return new AckTracker.Sink() {
            @Override
            public void send(AckFrame frame) {
                into.add(frame);
            }

            @Override
            public boolean offer(AckFrame frame) {
                return into.add(frame);
            }
        };
    }

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
        assertThat(delays).as("the timer armed once, for max(5 ms, rtt / 4)").containsExactly(AckTracker.MIN_ACK_DELAY.toNanos());
    }

    @Test
    void theTimerWaitsAQuarterOfTheRttWithinItsBounds() {
        for (long rttMillis : new long[] {1, 40, 400}) {
            List<Long> asked = new CopyOnWriteArrayList<>();
            AckTracker timed = new AckTracker("p4", System::nanoTime, () -> Duration.ofMillis(rttMillis), sink(sent),
                    (task, delayNanos) -> asked.add(delayNanos));
            timed.onPacket(0);
            assertThat(asked).as("rtt %d ms", rttMillis).containsExactly(TimeUnit.MILLISECONDS.toNanos(
                    Math.max(AckTracker.MIN_ACK_DELAY.toMillis(), Math.min(rttMillis / 4, AckTracker.MAX_ACK_DELAY.toMillis()))));
        }
    }

    @Test
    void aLonePacketIsAcknowledgedByTheTimer() throws Exception {
        LinkedBlockingQueue<AckFrame> acks = new LinkedBlockingQueue<>();
        LinkedBlockingQueue<String> threads = new LinkedBlockingQueue<>();
        AckTracker timed = new AckTracker("p2", System::nanoTime, () -> Duration.ofMillis(4), new AckTracker.Sink() {
            @Override
            public void send(AckFrame frame) {
                throw new AssertionError("the timer must not wait for room on the control stream");
            }

            @Override
            public boolean offer(AckFrame frame) {
                threads.add(Thread.currentThread().getName());
                return acks.add(frame);
            }
        });
        timed.onPacket(0);
        AckFrame ack = acks.poll(30, TimeUnit.SECONDS);
        assertThat(ack).as("an acknowledgement sent by the timer").isNotNull();
        assertThat(ack.getRangesList()).containsExactly(PacketRange.newBuilder().setSmallest(0).setLargest(0).build());
        assertThat(threads.poll()).as("offered from the engine's one timer thread, not a thread of its own").isEqualTo("kwik-timer");
    }

    @Test
    void aTimerThatFindsTheControlStreamFullKeepsTheAcknowledgementAndRetriesWithoutWaiting() {
        List<AckFrame> delivered = new CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean room = new java.util.concurrent.atomic.AtomicBoolean();
        List<Runnable> tasks = new CopyOnWriteArrayList<>();
        AckTracker blocked = new AckTracker("p3", System::nanoTime, () -> Duration.ofMillis(4), new AckTracker.Sink() {
            @Override
            public void send(AckFrame frame) {
                delivered.add(frame);
            }

            @Override
            public boolean offer(AckFrame frame) {
                return room.get() && delivered.add(frame);
            }
        }, (task, delayNanos) -> tasks.add(task));
        blocked.onPacket(0);
        blocked.onPacket(1);
        assertThat(tasks).as("one timer for both packets").hasSize(1);
        // a peer that does not read its control stream: every firing re-arms once, nothing piles up
        for (int firing = 0; firing < 100; firing++) tasks.remove(0).run();
        assertThat(tasks).as("exactly one timer pending after 100 refused offers").hasSize(1);
        assertThat(delivered).isEmpty();
        blocked.onPacket(2);
        assertThat(tasks).as("a new packet arms no second timer").hasSize(1);
        room.set(true);
        tasks.remove(0).run();
        assertThat(delivered).as("the kept acknowledgement, then the packet that came meanwhile").hasSize(2);
        assertThat(delivered.get(0).getRangesList()).containsExactly(PacketRange.newBuilder().setSmallest(0).setLargest(1).build());
        assertThat(delivered.get(1).getRangesList()).containsExactly(PacketRange.newBuilder().setSmallest(2).setLargest(2).build());
        assertThat(tasks).as("nothing left to acknowledge").isEmpty();
    }

    @Test
    void nothingIsAcknowledgedTwice() {
        for (long n = 0; n < 2L * AckTracker.PACKETS_PER_ACK; n++) tracker.onPacket(n);
        tracker.flush();
        assertThat(sent).hasSize(2);
        assertThat(sent.get(1).getRanges(0).getSmallest()).isEqualTo(AckTracker.PACKETS_PER_ACK);
    }
}
