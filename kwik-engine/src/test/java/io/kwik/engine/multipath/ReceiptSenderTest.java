package io.kwik.engine.multipath;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.kwik.api.ByteRange;
import io.kwik.proto.StreamReceipt;

class ReceiptSenderTest {

    /** Every other byte of a stream held: one range per byte, as a fragmenting secondary makes. */
    private static List<ByteRange> everyOtherByte(int count, long base) {
        List<ByteRange> ranges = new ArrayList<>(count);
        for (int i = 0; i < count; i++) ranges.add(new ByteRange(base + 2L * i, base + 2L * i + 1));
        return ranges;
    }

    @Test
    void aReceiptNamesTheLowestRangesUpToItsCount() {
        ReceiptSender sender = new ReceiptSender(frame -> { }, 1024, 2 << 20);
        try {
            List<ByteRange> ranges = everyOtherByte(231_000, 0);
            StreamReceipt receipt = sender.receipt(7, ranges);
            assertThat(receipt.getReceivedCount()).isEqualTo(1024);
            assertThat(receipt.getReceived(0).getStart()).isZero();
            assertThat(receipt.getReceived(1023).getEnd()).isEqualTo(ranges.get(1023).end());
        } finally {
            sender.close();
        }
    }

    @Test
    void aReceiptNeverExceedsItsBytes() {
        ReceiptSender sender = new ReceiptSender(frame -> { }, 1_000_000, 16 * 1024);
        try {
            // large offsets make every range as long as it gets on the wire
            StreamReceipt receipt = sender.receipt(Long.MAX_VALUE, everyOtherByte(100_000, Long.MAX_VALUE / 2));
            assertThat(receipt.getSerializedSize()).isLessThanOrEqualTo(16 * 1024);
            assertThat(receipt.getReceivedCount()).isGreaterThan(100);
        } finally {
            sender.close();
        }
    }
}
