package io.kwik.engine.packet;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.google.protobuf.ByteString;

import io.kwik.engine.packet.OffsetManager.LogicalRange;
import io.kwik.proto.DataFrame;

class OffsetManagerTest {

    private static EncodedFrame frame(long streamId, long offset, int length) {
        return EncodedFrame.of(DataFrame.newBuilder().setLogicalStreamId(streamId).setOffset(offset)
                .setData(ByteString.copyFrom(new byte[length])).build());
    }

    @Test
    void required_R13_2_kwikOffsetsAreTheLogicalPositionWhateverRealStreamCarriesThem() {
        OffsetManager offsets = new OffsetManager(100);
        offsets.skip(4, 3);
        var first = offsets.sent(0, 4, 1010, List.of(frame(512, 0, 1000)));
        var second = offsets.sent(1, 8, 1010, List.of(frame(512, 1000, 1000)));
        assertThat(first.ranges()).containsExactly(new LogicalRange(512, 0, 1000, false));
        assertThat(second.ranges()).containsExactly(new LogicalRange(512, 1000, 1000, false));
        assertThat(first.quicOffset()).isEqualTo(3);
        assertThat(second.quicOffset()).isZero();
    }

    @Test
    void required_R13_3_eachRealStreamCountsItsOwnQuicOffsets() {
        OffsetManager offsets = new OffsetManager(100);
        offsets.sent(0, 4, 500, List.of(frame(0, 0, 480)));
        offsets.sent(1, 8, 700, List.of(frame(512, 0, 680)));
        var third = offsets.sent(2, 4, 300, List.of(frame(0, 480, 280)));
        assertThat(third.quicOffset()).isEqualTo(500);
        assertThat(offsets.nextQuicOffset(4)).isEqualTo(800);
        assertThat(offsets.nextQuicOffset(8)).isEqualTo(700);
    }

    @Test
    void required_R13_4_anAcknowledgedPacketMapsBackToItsLogicalRanges() {
        OffsetManager offsets = new OffsetManager(100);
        offsets.sent(0, 4, 300, List.of(frame(0, 0, 100), frame(512, 0, 100)));
        offsets.sent(1, 4, 200, List.of(frame(0, 100, 150)));
        offsets.sent(2, 4, 200, List.of(frame(1024, 0, 150)));
        assertThat(offsets.acknowledge(0, 1)).containsExactly(
                new LogicalRange(0, 0, 100, false), new LogicalRange(512, 0, 100, false), new LogicalRange(0, 100, 150, false));
        assertThat(offsets.record(0)).isNull();
        assertThat(offsets.record(2)).isNotNull();
        assertThat(offsets.acknowledge(0, 1)).isEmpty();
    }

    @Test
    void required_R13_5_memoryIsBoundedByForgettingTheOldestPackets() {
        OffsetManager offsets = new OffsetManager(3);
        for (long pn = 0; pn < 10; pn++) offsets.sent(pn, 4, 100, List.of(frame(0, pn * 90, 90)));
        assertThat(offsets.size()).isEqualTo(3);
        assertThat(offsets.evicted()).isEqualTo(7);
        assertThat(offsets.record(6)).isNull();
        assertThat(offsets.record(7)).isNotNull();
        assertThat(offsets.nextQuicOffset(4)).isEqualTo(1000);
    }
}
