package io.kwik.engine.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import io.kwik.api.ByteRange;
import io.kwik.api.ErrorCode;
import io.kwik.api.KwikException;
import io.kwik.proto.StreamReceipt;

class ReceiptsTest {

    private static StreamReceipt receipt(long... bounds) {
        StreamReceipt.Builder receipt = StreamReceipt.newBuilder().setLogicalStreamId(3);
        for (int i = 0; i < bounds.length; i += 2) {
            receipt.addReceived(io.kwik.proto.ByteRange.newBuilder().setStart(bounds[i]).setEnd(bounds[i + 1]));
        }
        return receipt.build();
    }

    @Test
    void wellFormedRangesPass() throws KwikException {
        assertThat(Receipts.ranges(receipt(0, 10, 20, 30, 30, 30))).containsExactly(
                new ByteRange(0, 10), new ByteRange(20, 30), new ByteRange(30, 30));
    }

    @Test
    void aRangeAt2To63IsAnInvalidFrameNotAnIllegalArgument() {
        // the case: uint64 2^63 decodes as Long.MIN_VALUE
        assertInvalid(receipt(Long.MIN_VALUE, Long.MIN_VALUE + 10));
        assertInvalid(receipt(0, Long.MIN_VALUE));
    }

    @Test
    void anEndBeforeItsStartOrOverlappingRangesAreInvalidFrames() {
        assertInvalid(receipt(10, 5));
        assertInvalid(receipt(0, 10, 5, 20));
        assertInvalid(receipt(20, 30, 0, 10));
    }

    private static void assertInvalid(StreamReceipt receipt) {
        assertThatThrownBy(() -> Receipts.ranges(receipt)).isInstanceOf(KwikException.class)
                .satisfies(e -> assertThat(((KwikException) e).code()).isEqualTo(ErrorCode.INVALID_FRAME));
    }
}
