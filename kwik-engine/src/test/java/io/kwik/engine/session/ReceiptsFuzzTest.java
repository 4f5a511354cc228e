package io.kwik.engine.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import io.kwik.api.ByteRange;
import io.kwik.api.ErrorCode;
import io.kwik.api.KwikException;
import io.kwik.proto.ControlFrame;
import io.kwik.proto.PathStatusNotification;
import io.kwik.proto.StreamReceipt;
import io.kwik.engine.wire.Messages;

/**
 * Fuzzes what the primary does with a client's receipts (the malformed-receipt crash of the
 * hostile-peers issue lived behind {@link Receipts#ranges}): a control frame is decoded as it
 * arrives on the wire, and the receipts it carries are validated. The property: a receipt
 * yields ranges that are non-negative, well-formed, ascending and disjoint, or a
 * {@link KwikException} with {@link ErrorCode#INVALID_FRAME}; nothing else.
 *
 * <p>{@code PrimaryRole}, {@code ClientRole} and {@code SessionCore} are not driven whole: they
 * need a {@code PathConnection} over a live QUIC connection. This fuzzes the units they hand
 * decoded frames to instead (here, and {@code LogicalStreamFuzzTest} for data frames).
 */
class ReceiptsFuzzTest {

    /** Ranges chosen by the fuzzer, including values above 2^63 (negative in Java) and reversed ones. */
    @FuzzTest
    void receipt(FuzzedDataProvider data) {
        StreamReceipt.Builder receipt = StreamReceipt.newBuilder().setLogicalStreamId(data.consumeLong());
        int count = data.consumeInt(0, 64);
        for (int i = 0; i < count && data.remainingBytes() > 0; i++) {
            receipt.addReceived(io.kwik.proto.ByteRange.newBuilder().setStart(data.consumeLong()).setEnd(data.consumeLong()));
        }
        check(receipt.build());
    }

    /** A status notification's receipts as they arrive: decoded from the wire's bytes. */
    @FuzzTest
    void statusFrame(byte[] input) {
        ControlFrame frame;
        try {
            frame = Messages.controlFrame(input);
        } catch (KwikException e) {
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FRAME);
            return;
        }
        if (frame.hasPathStatusNotification()) {
            PathStatusNotification notification = frame.getPathStatusNotification();
            for (StreamReceipt receipt : notification.getReceiptsList()) check(receipt);
        }
    }

    private static void check(StreamReceipt receipt) {
        List<ByteRange> ranges;
        try {
            ranges = Receipts.ranges(receipt);
        } catch (KwikException e) {
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FRAME);
            return;
        }
        assertThat(ranges).hasSize(receipt.getReceivedCount());
        long previousEnd = 0;
        for (ByteRange range : ranges) {
            assertThat(range.start()).isGreaterThanOrEqualTo(previousEnd);
            assertThat(range.end()).isGreaterThanOrEqualTo(range.start());
            previousEnd = range.end();
        }
    }
}
