package io.kwik.engine.packet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import com.google.protobuf.ByteString;

import io.kwik.proto.DataFrame;
import io.kwik.proto.DataPacket;

class PacketSizeCalculatorTest {

    private static final PacketSizeCalculator SIZES = new PacketSizeCalculator(1200, 8, 1 << 20);
    private static final long LARGEST_PACKET_NUMBER = Long.MAX_VALUE;

    private static byte[] encode(long packetNumber, List<EncodedFrame> frames) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int written = PacketWriter.write(out, packetNumber, frames);
        assertThat(written).isEqualTo(out.size());
        return out.toByteArray();
    }

    private static EncodedFrame frame(long streamId, long offset, int length, boolean fin) {
        return EncodedFrame.of(DataFrame.newBuilder().setLogicalStreamId(streamId).setOffset(offset)
                .setData(ByteString.copyFrom(new byte[length])).setFin(fin).build());
    }

    @Test
    void thePacketLimitIsTheSmallerOfTheTransportBudgetAndThePeerLimit() {
        assertThat(new PacketSizeCalculator(1200, 8, 1 << 20).maxPacketSize()).isEqualTo(9600);
        assertThat(new PacketSizeCalculator(1200, 64, 16 * 1024).maxPacketSize()).isEqualTo(16 * 1024);
    }

    @ParameterizedTest(name = "stream {0} at offset {1}")
    @CsvSource({
            "0, 0",
            "1, 1",
            "512, 127",
            "512, 128",
            "9223372036854775807, 0",
            "0, 9223372036854775807",
            "9223372036854775807, 9223372036854775807"})
    void aFullFrameFillsThePacketExactlyAndOneByteMoreDoesNot(long streamId, long offset) throws IOException {
        int full = SIZES.maxFrameData(streamId, offset, false);
        assertThat(full).isPositive();
        byte[] packet = encode(LARGEST_PACKET_NUMBER, List.of(frame(streamId, offset, full, false)));
        assertThat(packet.length).isLessThanOrEqualTo(SIZES.maxPacketSize());
        assertThat(PacketSizeCalculator.encodedFrameSize(streamId, offset, full + 1, false))
                .isGreaterThan(SIZES.maxFramesSize());
    }

    @ParameterizedTest(name = "{0} data bytes")
    @CsvSource({"0", "1", "127", "128", "16383", "16384"})
    void theFrameSizeFormulaMatchesProtobufsEncoding(int length) {
        EncodedFrame encoded = frame(4711, 1L << 40, length, length % 2 == 0);
        assertThat(PacketSizeCalculator.encodedFrameSize(4711, 1L << 40, length, length % 2 == 0)).isEqualTo(encoded.size());
    }

    @Test
    void anEmptyFinFrameAlwaysFits() {
        assertThat(PacketSizeCalculator.encodedFrameSize(Long.MAX_VALUE, Long.MAX_VALUE, 0, true))
                .isLessThan(SIZES.maxFramesSize());
    }

    @Test
    void batchedFramesOfSeveralStreamsDecodeBackToTheSameFrames() throws IOException {
        List<EncodedFrame> frames = new ArrayList<>();
        int room = SIZES.maxFramesSize();
        for (int stream = 0; ; stream++) {
            EncodedFrame next = frame(stream << 9, stream * 100L, 100, stream % 3 == 0);
            if (next.size() > room) break;
            frames.add(next);
            room -= next.size();
        }
        byte[] packet = encode(123_456, frames);
        assertThat(packet.length).isLessThanOrEqualTo(SIZES.maxPacketSize());
        DataPacket decoded = DataPacket.parseDelimitedFrom(new ByteArrayInputStream(packet));
        assertThat(decoded.getPacketNumber()).isEqualTo(123_456);
        assertThat(decoded.getFramesCount()).isEqualTo(frames.size());
        for (int i = 0; i < frames.size(); i++) {
            assertThat(decoded.getFrames(i).getLogicalStreamId()).isEqualTo(frames.get(i).streamId());
            assertThat(decoded.getFrames(i).getOffset()).isEqualTo(frames.get(i).offset());
            assertThat(decoded.getFrames(i).getData().size()).isEqualTo(100);
            assertThat(decoded.getFrames(i).getFin()).isEqualTo(frames.get(i).fin());
        }
    }

    @Test
    void packetNumberZeroIsEncodedAsTheDefault() throws IOException {
        byte[] packet = encode(0, List.of(frame(0, 0, 0, true)));
        DataPacket decoded = DataPacket.parseDelimitedFrom(new ByteArrayInputStream(packet));
        assertThat(decoded.getPacketNumber()).isZero();
        assertThat(decoded.getFrames(0).getFin()).isTrue();
    }
}
