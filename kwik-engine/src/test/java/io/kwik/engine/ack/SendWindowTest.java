package io.kwik.engine.ack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.kwik.api.ErrorCode;
import io.kwik.api.KwikException;

class SendWindowTest {
    private static final int PACKET = 16 * 1024;
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final SendWindow window = new SendWindow(now::get);
    private long next;

    /** Sends one packet and has it acknowledged {@code rttMillis} later. */
    private void roundTrip(long rttMillis) throws KwikException {
        long number = next++;
        window.onSent(number, PACKET);
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(rttMillis));
        window.onAck(number, number, 0);
    }

    @Test
    void theWindowGrowsWhileAcknowledgementsKeepUp() throws Exception {
        long start = window.window();
        for (int i = 0; i < 1000; i++) roundTrip(10);
        assertThat(window.window()).isGreaterThan(start);
        assertThat(window.smoothedRtt()).isEqualTo(Duration.ofMillis(10));
    }

    @Test
    void theWindowShrinksWhenTheRttRisesAndNeverBelowItsFloor() throws Exception {
        for (int i = 0; i < 100; i++) roundTrip(10);
        long before = window.window();
        roundTrip(50);
        assertThat(window.window()).isEqualTo(before - before / 4);
        for (int i = 0; i < 200; i++) roundTrip(100);
        assertThat(window.window()).isEqualTo(SendWindow.MIN_WINDOW);
    }

    /**
     * Every 10 ms, {@code packets} packets go out and those sent {@code rttSteps} steps earlier
     * are acknowledged together: a path delivering {@code packets x 16 KiB} per 10 ms at an RTT
     * of {@code rttSteps x 10 ms}. The sender ignores the window, as a path that is not limited
     * by it would.
     *
     * @return the smallest window seen
     */
    private long pipeline(int steps, int packets, int rttSteps, ArrayDeque<long[]> sent) throws KwikException {
        long smallest = Long.MAX_VALUE;
        for (int step = 0; step < steps; step++) {
            long first = next;
            for (int i = 0; i < packets; i++) window.onSent(next++, PACKET);
            sent.add(new long[] {first, next - 1});
            now.addAndGet(TimeUnit.MILLISECONDS.toNanos(10));
            while (sent.size() > rttSteps) {
                long[] due = sent.poll();
                window.onAck(due[0], due[1], 0);
            }
            smallest = Math.min(smallest, window.window());
        }
        return smallest;
    }

    /**
     * A path that delivers 16 MB/s (10 packets per 10 ms) at a 10 ms RTT, whose RTT as KWIK sees
     * it then rises to 100 ms while it delivers as much (queueing in the sending JVM or CPU
     * starvation, not the path): every sample reads as queueing and the window shrinks, but not
     * below what the path carries in an RTT (1.6 MB); the 1 MiB floor alone would have throttled
     * it to 10 MB/s.
     */
    @Test
    void aDecreaseStopsAtTwiceTheMeasuredBandwidthDelayProduct() throws Exception {
        ArrayDeque<long[]> sent = new java.util.ArrayDeque<>();
        pipeline(100, 10, 1, sent);
        assertThat(window.goodput()).as("measured before the RTT rises").isBetween(15_000_000L, 17_500_000L);
        long smallest = pipeline(300, 10, 10, sent);
        long carriedPerRtt = 10L * 10 * PACKET;
        assertThat(window.smoothedRtt()).isGreaterThanOrEqualTo(Duration.ofMillis(95));
        assertThat(window.window()).as("it did shrink").isLessThan(SendWindow.INITIAL_WINDOW);
        assertThat(smallest).as("never below what the path carries in an RTT")
                .isGreaterThan(carriedPerRtt).isGreaterThanOrEqualTo(SendWindow.MIN_WINDOW);
        long bdp = window.goodput() * window.smoothedRtt().toNanos() / 1_000_000_000L;
        assertThat(window.window()).as("nor above twice the bandwidth-delay product, or the minimum")
                .isLessThanOrEqualTo(Math.max(SendWindow.MIN_WINDOW, 2 * bdp));
    }

    /**
     * The path carried 64 MB/s, then its sender has less to send (a secondary between two
     * ranges) while the RTT it sees is high: the floor of a decrease follows what the path has
     * shown it carries, not the lower mean of a sender that waited for work.
     */
    @Test
    void aDecreaseWhileTheSenderHasLittleToSendKeepsToThePeakBandwidthDelayProduct() throws Exception {
        ArrayDeque<long[]> sent = new java.util.ArrayDeque<>();
        pipeline(100, 40, 1, sent);
        long peak = window.goodput();
        pipeline(100, 8, 10, sent);                      // a fifth of the bytes for a second, RTT 100 ms
        assertThat(window.goodput()).as("the mean fell").isLessThan(peak / 2);
        long meanFloor = 2 * window.goodput() * window.smoothedRtt().toNanos() / 1_000_000_000L;
        assertThat(window.window()).as("it did shrink").isLessThan(SendWindow.INITIAL_WINDOW);
        // the RTT rose over the second, and each decrease kept to the peak at the RTT of its time
        assertThat(window.window()).as("but stays well above twice the mean goodput x RTT, and the minimum")
                .isGreaterThan(meanFloor * 3 / 2).isGreaterThan(2 * SendWindow.MIN_WINDOW);
    }

    @Test
    void aDecreaseWithoutAGoodputFigureStopsAtTheMinimum() throws Exception {
        // one packet per RTT: twice goodput x RTT is far below the minimum, which holds
        for (int i = 0; i < 100; i++) roundTrip(10);
        for (int i = 0; i < 400; i++) roundTrip(100);
        assertThat(window.window()).isEqualTo(SendWindow.MIN_WINDOW);
    }

    @Test
    void itShrinksAtMostOncePerSmoothedRtt() throws Exception {
        for (int i = 0; i < 100; i++) roundTrip(10);
        long before = window.window();
        // two late acknowledgements that arrive together
        window.onSent(next, PACKET);
        window.onSent(next + 1, PACKET);
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(50));
        window.onAck(next, next, 0);
        window.onAck(next + 1, next + 1, 0);
        next += 2;
        assertThat(window.window()).isEqualTo(before - before / 4);
    }

    @Test
    void theAckDelayIsNotCountedAsRtt() throws Exception {
        window.onSent(0, PACKET);
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(30));
        window.onAck(0, 0, TimeUnit.MILLISECONDS.toMicros(20));
        assertThat(window.smoothedRtt()).isEqualTo(Duration.ofMillis(10));
    }

    @Test
    void bytesInFlightReturnToZeroAndGoodputIsMeasured() throws Exception {
        for (int i = 0; i < 10; i++) window.onSent(i, PACKET);
        assertThat(window.bytesInFlight()).isEqualTo(10L * PACKET);
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(600));
        window.onAck(0, 9, 0);
        assertThat(window.bytesInFlight()).isZero();
        assertThat(window.goodput()).isPositive();
    }

    @Test
    void aWriterWaitsForRoomAndWakesWhenTheWindowOpens() throws Exception {
        int packets = (int) (SendWindow.INITIAL_WINDOW / PACKET);
        for (int i = 0; i < packets; i++) window.onSent(i, PACKET);
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                window.awaitRoom(PACKET);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        writer.join(200);
        assertThat(writer.isAlive()).as("waiting while the window is full").isTrue();
        window.onAck(0, 0, 0);
        writer.join(10_000);
        assertThat(writer.isAlive()).isFalse();
    }

    @Test
    void hasRoomSaysWhetherAWriterWouldWait() throws Exception {
        assertThat(window.hasRoom(PACKET)).as("an empty window").isTrue();
        int packets = (int) (SendWindow.INITIAL_WINDOW / PACKET);
        for (int i = 0; i < packets; i++) window.onSent(i, PACKET);
        assertThat(window.hasRoom(PACKET)).as("a full window").isFalse();
        window.onAck(0, 0, 0);
        assertThat(window.hasRoom(PACKET)).as("after one packet was acknowledged").isTrue();
    }

    @Test
    void closingWakesWaitingWriters() throws Exception {
        int packets = (int) (SendWindow.INITIAL_WINDOW / PACKET);
        for (int i = 0; i < packets; i++) window.onSent(i, PACKET);
        boolean[] result = {true};
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                result[0] = window.awaitRoom(PACKET);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        window.close();
        writer.join(10_000);
        assertThat(writer.isAlive()).isFalse();
        assertThat(result[0]).isFalse();
    }

    @Test
    void anAckOfAPacketNeverSentOrAnInvertedRangeIsAnInvalidFrame() throws Exception {
        window.onSent(0, PACKET);
        assertThatThrownBy(() -> window.onAck(0, 5, 0)).isInstanceOf(KwikException.class)
                .satisfies(e -> assertThat(((KwikException) e).code()).isEqualTo(ErrorCode.INVALID_FRAME));
        assertThatThrownBy(() -> window.onAck(3, 1, 0)).isInstanceOf(KwikException.class)
                .satisfies(e -> assertThat(((KwikException) e).code()).isEqualTo(ErrorCode.INVALID_FRAME));
    }

    @Test
    void aHugeRangeVisitsOnlyWhatIsInFlight() throws Exception {
        for (int i = 0; i < 3; i++) window.onSent(i, PACKET);
        window.onAck(0, 2, 0);
        window.onAck(0, 2, 0);
        assertThat(window.bytesInFlight()).isZero();
    }

    @Test
    void anAcknowledgementIsOverdueOnlyAfterAnRttFourVariancesAndTheAckDelay() throws Exception {
        for (int i = 0; i < 100; i++) roundTrip(10);
        Duration maxAckDelay = Duration.ofMillis(25);
        assertThat(window.ackOverdue(maxAckDelay)).as("nothing in flight").isFalse();
        long limit = window.smoothedRtt().plus(window.rttVariance().multipliedBy(4)).plus(maxAckDelay).toNanos();
        window.onSent(next++, PACKET);
        now.addAndGet(limit);
        assertThat(window.ackOverdue(maxAckDelay)).as("exactly at the limit").isFalse();
        now.addAndGet(1);
        assertThat(window.ackOverdue(maxAckDelay)).as("just past the limit").isTrue();
        window.onAck(next - 1, next - 1, 0);
        assertThat(window.ackOverdue(maxAckDelay)).as("once acknowledged").isFalse();
    }

    @Test
    void anUnmeasuredPathAssumesAHundredMillisecondRtt() {
        window.onSent(next++, PACKET);
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(100));
        assertThat(window.ackOverdue(Duration.ZERO)).isFalse();
        now.addAndGet(1);
        assertThat(window.ackOverdue(Duration.ZERO)).isTrue();
    }
}
