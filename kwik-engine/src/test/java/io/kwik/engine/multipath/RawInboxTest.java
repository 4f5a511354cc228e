package io.kwik.engine.multipath;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import com.google.protobuf.ByteString;

import io.kwik.proto.RawPacket;

/** The raw inbox holds a bounded number of bytes, not only of messages. */
class RawInboxTest {

    private static RawPacket packet(int size, int fill) {
        byte[] data = new byte[size];
        java.util.Arrays.fill(data, (byte) fill);
        return RawPacket.newBuilder().setSourcePathId("p0").setData(ByteString.copyFrom(data)).build();
    }

    @Test
    void aDeliveryPastTheByteBoundWaitsUntilTheApplicationTakes() throws Exception {
        RawInbox inbox = new RawInbox("p1", 100_000);
        inbox.deliver(packet(60_000, 1));
        CompletableFuture<Void> second = new CompletableFuture<>();
        Thread deliverer = Thread.ofVirtual().start(() -> {
            try {
                inbox.deliver(packet(60_000, 2));
                second.complete(null);
            } catch (Exception e) {
                second.completeExceptionally(e);
            }
        });

        // wait until the delivery either finished or parked: either is an event, not a time
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!second.isDone() && deliverer.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(second.isDone()).as("a delivery past the byte bound must wait").isFalse();
        assertThat(inbox.bytes()).isEqualTo(60_000);
        assertThat(inbox.take().data().get(0)).isEqualTo((byte) 1);
        second.get(30, TimeUnit.SECONDS);
        assertThat(inbox.bytes()).isEqualTo(60_000);
        assertThat(inbox.take().data().get(0)).isEqualTo((byte) 2);
        assertThat(inbox.bytes()).isZero();
    }

    @Test
    void aMessageLargerThanTheBoundEntersAnEmptyInbox() throws Exception {
        RawInbox inbox = new RawInbox("p1", 1000);
        inbox.deliver(packet(5000, 3));
        assertThat(inbox.bytes()).isEqualTo(5000);
        assertThat(inbox.take().data().remaining()).isEqualTo(5000);
    }

    @Test
    void closingWakesABlockedDeliveryWhichDropsItsMessage() throws Exception {
        RawInbox inbox = new RawInbox("p1", 1000);
        inbox.deliver(packet(1000, 4));
        CompletableFuture<Void> blocked = CompletableFuture.runAsync(() -> {
            try {
                inbox.deliver(packet(10, 5));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        inbox.close();
        blocked.get(30, TimeUnit.SECONDS);
        assertThat(inbox.take().data().get(0)).isEqualTo((byte) 4);
        assertThat(inbox.bytes()).isZero();
    }
}
