package io.kwik.engine.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.kwik.api.ErrorCode;
import io.kwik.api.KwikException;
import com.google.protobuf.ByteString;

import io.kwik.proto.ControlFrame;
import io.kwik.proto.DataFrame;
import io.kwik.proto.DataPacket;
import io.kwik.proto.Ping;

class MessageReaderTest {

    private static InputStream oneByteAtATime(byte[] bytes) {
        List<InputStream> parts = new ArrayList<>();
        for (byte b : bytes) parts.add(new ByteArrayInputStream(new byte[] {b}));
        return new SequenceInputStream(Collections.enumeration(parts));
    }

    @Test
    void messagesSplitAcrossReadsAreReassembled() throws IOException {
        byte[] one = Messages.delimited(ControlFrame.newBuilder().setPing(Ping.newBuilder().setNonce(7)).build());
        byte[] two = Messages.delimited(ControlFrame.newBuilder().setPing(Ping.newBuilder().setNonce(300)).build());
        byte[] both = new byte[one.length + two.length];
        System.arraycopy(one, 0, both, 0, one.length);
        System.arraycopy(two, 0, both, one.length, two.length);
        MessageReader reader = new MessageReader(oneByteAtATime(both), 1024);
        assertThat(Messages.controlFrame(reader.next()).getPing().getNonce()).isEqualTo(7);
        assertThat(Messages.controlFrame(reader.next()).getPing().getNonce()).isEqualTo(300);
        assertThat(reader.next()).isNull();
    }

    /** Counts the reads made of it, and gives at most {@code chunk} bytes per read. */
    private static final class CountingReads extends InputStream {
        private final ByteArrayInputStream bytes;
        private final int chunk;
        int reads;

        CountingReads(byte[] bytes, int chunk) {
            this.bytes = new ByteArrayInputStream(bytes);
            this.chunk = chunk;
        }

        @Override
        public int read() {
            reads++;
            return bytes.read();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            reads++;
            return bytes.read(b, off, Math.min(len, chunk));
        }
    }

    @Test
    void smallMessagesThatArriveTogetherCostOneReadOfTheStream() throws IOException {
        java.io.ByteArrayOutputStream wire = new java.io.ByteArrayOutputStream();
        for (int nonce = 0; nonce < 100; nonce++) {
            wire.writeBytes(Messages.delimited(ControlFrame.newBuilder().setPing(Ping.newBuilder().setNonce(nonce)).build()));
        }
        CountingReads in = new CountingReads(wire.toByteArray(), Integer.MAX_VALUE);
        MessageReader reader = new MessageReader(in, 1024);
        for (int nonce = 0; nonce < 100; nonce++) {
            assertThat(Messages.controlFrame(reader.next()).getPing().getNonce()).isEqualTo(nonce);
        }
        assertThat(in.reads).as("one read for all of them, not one per length byte").isEqualTo(1);
        assertThat(reader.next()).isNull();
    }

    @Test
    void theHookBeforeWaitingRunsOnlyWhenNothingIsLeftToRead() throws IOException {
        java.io.ByteArrayOutputStream wire = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < 50; i++) {
            wire.writeBytes(Messages.delimited(DataPacket.newBuilder().setPacketNumber(i)
                    .addFrames(DataFrame.newBuilder().setLogicalStreamId(512).setData(ByteString.copyFrom(new byte[3000]))).build()));
        }
        int[] runs = new int[1];
        // a ByteArrayInputStream tells what is left: every message is there, so only the read at its end may wait
        MessageReader reader = new MessageReader(new ByteArrayInputStream(wire.toByteArray()), 1 << 20, () -> runs[0]++);
        for (int i = 0; i < 50; i++) assertThat(Messages.dataPacket(reader.next()).getPacketNumber()).isEqualTo(i);
        assertThat(runs[0]).isZero();
        assertThat(reader.next()).isNull();
        assertThat(runs[0]).as("once, before the read that finds the end").isEqualTo(1);
        // a stream that never says what is available: the hook runs before every read of it
        int[] always = new int[1];
        MessageReader blind = new MessageReader(new CountingReads(wire.toByteArray(), Integer.MAX_VALUE), 1 << 20, () -> always[0]++);
        for (int i = 0; i < 50; i++) blind.next();
        assertThat(always[0]).isPositive();
    }

    @Test
    void messagesLargerThanTheReadAheadAreReadWholeWhateverTheReadSizes() throws IOException {
        java.io.ByteArrayOutputStream wire = new java.io.ByteArrayOutputStream();
        List<byte[]> sent = new ArrayList<>();
        java.util.Random random = new java.util.Random(14);
        for (int i = 0; i < 40; i++) {
            byte[] data = new byte[random.nextInt(3 * MessageReader.READ_AHEAD)];
            random.nextBytes(data);
            sent.add(data);
            wire.writeBytes(Messages.delimited(DataPacket.newBuilder().setPacketNumber(i)
                    .addFrames(DataFrame.newBuilder().setLogicalStreamId(512).setData(ByteString.copyFrom(data))).build()));
        }
        for (int chunk : new int[] {1, 7, 1000, MessageReader.READ_AHEAD - 1, MessageReader.READ_AHEAD + 1, Integer.MAX_VALUE}) {
            MessageReader reader = new MessageReader(new CountingReads(wire.toByteArray(), chunk), 1 << 20);
            for (int i = 0; i < sent.size(); i++) {
                DataPacket packet = Messages.dataPacket(reader.next());
                assertThat(packet.getPacketNumber()).as("chunk %d", chunk).isEqualTo(i);
                assertThat(packet.getFrames(0).getData().toByteArray()).as("chunk %d, message %d", chunk, i).isEqualTo(sent.get(i));
            }
            assertThat(reader.next()).isNull();
            assertThat(reader.heldBytes()).isZero();
        }
    }

    @Test
    void aLengthOverTheLimitIsRejectedBeforeAnyAllocation() {
        // varint 0x7FFFFFFF, and no body at all: the reader must not try to read or allocate it
        byte[] hostile = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07};
        MessageReader reader = new MessageReader(new ByteArrayInputStream(hostile), 16 * 1024);
        assertThatThrownBy(reader::next).isInstanceOf(KwikException.class)
                .satisfies(e -> assertThat(((KwikException) e).code()).isEqualTo(ErrorCode.PACKET_TOO_LARGE));
    }

    @Test
    void aVarintOfElevenBytesIsInvalid() {
        byte[] hostile = new byte[11];
        Arrays.fill(hostile, (byte) 0x80);
        MessageReader reader = new MessageReader(new ByteArrayInputStream(hostile), 1024);
        assertThatThrownBy(reader::next).isInstanceOf(KwikException.class)
                .satisfies(e -> assertThat(((KwikException) e).code()).isEqualTo(ErrorCode.INVALID_FRAME));
    }

    @Test
    void aStreamEndingInsideAMessageIsInvalid() {
        MessageReader reader = new MessageReader(new ByteArrayInputStream(new byte[] {10, 1, 2, 3}), 1024);
        assertThatThrownBy(reader::next).isInstanceOf(KwikException.class)
                .satisfies(e -> assertThat(((KwikException) e).code()).isEqualTo(ErrorCode.INVALID_FRAME));
    }

    @Test
    void aControlFrameOfUnknownTypeIsInvalid() {
        byte[] unknownField = {(byte) 0x98, 0x06, 0x01}; // field 99, varint 1
        assertThatThrownBy(() -> Messages.controlFrame(unknownField)).isInstanceOf(KwikException.class)
                .satisfies(e -> assertThat(((KwikException) e).code()).isEqualTo(ErrorCode.INVALID_FRAME));
    }

    @Test
    void garbageDoesNotParseAsAControlFrame() {
        byte[] garbage = {0x0A, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF};
        assertThatThrownBy(() -> Messages.controlFrame(garbage)).isInstanceOf(KwikException.class)
                .satisfies(e -> assertThat(((KwikException) e).code()).isEqualTo(ErrorCode.INVALID_FRAME));
    }

    @Test
    void decodedFrameDataAliasesTheMessageInsteadOfCopyingIt() throws IOException {
        byte[] data = new byte[4096];
        Arrays.fill(data, (byte) 7);
        byte[] encoded = Messages.delimited(DataPacket.newBuilder().setPacketNumber(3)
                .addFrames(DataFrame.newBuilder().setLogicalStreamId(512).setOffset(0).setData(ByteString.copyFrom(data))).build());
        byte[] message = new MessageReader(new ByteArrayInputStream(encoded), 1 << 20).next();
        DataPacket packet = Messages.dataPacket(message);
        assertThat(packet.getFrames(0).getData().toByteArray()).isEqualTo(data);
        // a view of the message: changing the message shows through
        Arrays.fill(message, message.length - data.length, message.length, (byte) 9);
        assertThat(packet.getFrames(0).getData().byteAt(0)).isEqualTo((byte) 9);
    }

    /** Serves {@code bytes}, then reports what the reader holds and fails, as a stream whose peer stopped sending would block. */
    private static final class StopsAfter extends InputStream {
        private final ByteArrayInputStream bytes;
        MessageReader reader;
        int heldWhenStarved = -1;

        StopsAfter(byte[] bytes) {
            this.bytes = new ByteArrayInputStream(bytes);
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (bytes.available() == 0) {
                heldWhenStarved = reader.heldBytes();
                throw new IOException("the peer sends nothing more");
            }
            return bytes.read(b, off, len);
        }
    }

    private static byte[] prefixThen(int length, int arrived) {
        int size = com.google.protobuf.CodedOutputStream.computeUInt32SizeNoTag(length);
        byte[] out = new byte[size + arrived];
        try {
            com.google.protobuf.CodedOutputStream coded = com.google.protobuf.CodedOutputStream.newInstance(out);
            coded.writeUInt32NoTag(length);
            coded.flush();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out;
    }

    @Test
    void aLengthPrefixAloneDoesNotAllocateTheMessageItAnnounces() {
        // a hostile peer: a 2 MiB length prefix, then silence (150 such streams once held 604 MiB)
        StopsAfter stream = new StopsAfter(prefixThen(2 << 20, 0));
        MessageReader reader = new MessageReader(stream, 2 << 20);
        stream.reader = reader;
        assertThatThrownBy(reader::next).isInstanceOf(IOException.class);
        assertThat(stream.heldWhenStarved).isPositive().isLessThanOrEqualTo(MessageReader.FIRST_CHUNK);
    }

    @Test
    void theBufferGrowsOnlyAsTheMessagesBytesArrive() {
        int arrived = 300_000;
        StopsAfter stream = new StopsAfter(prefixThen(2 << 20, arrived));
        MessageReader reader = new MessageReader(stream, 2 << 20);
        stream.reader = reader;
        assertThatThrownBy(reader::next).isInstanceOf(IOException.class);
        assertThat(stream.heldWhenStarved).as("at most twice what arrived").isGreaterThanOrEqualTo(arrived)
                .isLessThanOrEqualTo(2 * arrived);
    }

    @Test
    void aMessageLargerThanTheFirstChunkIsReadWhole() throws IOException {
        byte[] data = new byte[(3 << 20) / 2];
        for (int i = 0; i < data.length; i++) data[i] = (byte) (i * 31);
        byte[] encoded = Messages.delimited(DataPacket.newBuilder().setPacketNumber(1)
                .addFrames(DataFrame.newBuilder().setLogicalStreamId(512).setData(ByteString.copyFrom(data))).build());
        MessageReader reader = new MessageReader(new ByteArrayInputStream(encoded), 2 << 20);
        byte[] message = reader.next();
        assertThat(Messages.dataPacket(message).getFrames(0).getData().toByteArray()).isEqualTo(data);
        assertThat(reader.heldBytes()).isZero();
        assertThat(reader.next()).isNull();
    }

    @Test
    void aFrameSmallerThanHalfItsMessageIsCopiedOutSoItDoesNotPinTheMessage() throws IOException {
        // one 1-byte frame padded into a 1 MiB message (200 of them once pinned 201 MiB in a 1 MiB window)
        byte[] padding = new byte[1 << 20];
        byte[] encoded = Messages.delimited(DataPacket.newBuilder().setPacketNumber(3)
                .addFrames(DataFrame.newBuilder().setLogicalStreamId(512).setOffset(0).setData(ByteString.copyFrom(new byte[] {42})))
                .addFrames(DataFrame.newBuilder().setLogicalStreamId(1024).setOffset(0).setData(ByteString.copyFrom(padding)))
                .build());
        byte[] message = new MessageReader(new ByteArrayInputStream(encoded), 2 << 20).next();
        DataPacket packet = Messages.dataPacket(message);
        Arrays.fill(message, (byte) 9);
        assertThat(packet.getFrames(0).getData().byteAt(0)).as("copied out of the message").isEqualTo((byte) 42);
        assertThat(packet.getFrames(1).getData().byteAt(0)).as("the large frame is still a view").isEqualTo((byte) 9);
    }

    @Test
    void nextTransientReadsEveryMessageWholeAtAnyReadSize() throws IOException {
        int[] sizes = {0, 1, 100, 8191, 8192, 20_000, MessageReader.FIRST_CHUNK, MessageReader.FIRST_CHUNK + 1, 300, 70_000, 5};
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        List<byte[]> bodies = new ArrayList<>();
        java.util.Random random = new java.util.Random(18);
        for (int size : sizes) {
            byte[] body = new byte[size];
            random.nextBytes(body);
            bodies.add(body);
            byte[] prefixed = prefixThen(size, 0);
            all.write(prefixed, 0, prefixed.length);
            all.write(body, 0, body.length);
        }
        for (int chunk : new int[] {1, 7, 1000, 8191, Integer.MAX_VALUE}) {
            MessageReader reader = new MessageReader(new CountingReads(all.toByteArray(), chunk), 1 << 20);
            for (byte[] body : bodies) {
                ByteString view = reader.nextTransient();
                assertThat(view.toByteArray()).as("a message of %d bytes read %d at a time", body.length, chunk).isEqualTo(body);
                assertThat(reader.heldBytes()).isZero();
            }
            assertThat(reader.nextTransient()).isNull();
        }
    }

    @Test
    void dataPacketsThatArriveTogetherCostOneReadPerReadAheadFull() throws IOException {
        // 10 KB packets, as a path sends them by default: before, each cost two reads of the
        // transport (8 KiB of read-ahead, then the rest of its body) and a copy
        java.io.ByteArrayOutputStream wire = new java.io.ByteArrayOutputStream();
        int packets = 64;
        for (int i = 0; i < packets; i++) {
            wire.writeBytes(Messages.delimited(DataPacket.newBuilder().setPacketNumber(i)
                    .addFrames(DataFrame.newBuilder().setLogicalStreamId(512).setData(ByteString.copyFrom(new byte[10_000]))).build()));
        }
        CountingReads in = new CountingReads(wire.toByteArray(), Integer.MAX_VALUE);
        MessageReader reader = new MessageReader(in, 1 << 20);
        for (int i = 0; i < packets; i++) {
            assertThat(Messages.dataPacketView(reader.nextTransient()).getPacketNumber()).isEqualTo(i);
            assertThat(reader.heldBytes()).isZero();
        }
        assertThat(reader.nextTransient()).isNull();
        // 640 KB in 64 KiB reads: 10 or 11, plus the one that finds the end
        assertThat(in.reads).as("reads for %d packets of 10 KB", packets).isLessThanOrEqualTo(13);
    }

    @Test
    void nextTransientReusesOneBufferSoAViewIsValidOnlyUntilTheNextCall() throws IOException {
        // two messages that do not fit the buffer together: the second one moves to its start
        byte[] first = new byte[40_000];
        Arrays.fill(first, (byte) 1);
        byte[] second = new byte[40_000];
        Arrays.fill(second, (byte) 2);
        java.io.ByteArrayOutputStream both = new java.io.ByteArrayOutputStream();
        for (byte[] body : List.of(first, second)) {
            both.write(prefixThen(body.length, 0), 0, prefixThen(body.length, 0).length);
            both.write(body, 0, body.length);
        }
        MessageReader reader = new MessageReader(new ByteArrayInputStream(both.toByteArray()), 1 << 20);
        ByteString view = reader.nextTransient();
        assertThat(view.byteAt(5000)).isEqualTo((byte) 1);
        reader.nextTransient();
        assertThat(view.byteAt(5000)).as("no array of its own: the next message overwrote it").isEqualTo((byte) 2);
    }

    @Test
    void nextTransientHoldsNoMoreThanTheFirstChunkForALengthPrefixAlone() {
        StopsAfter stream = new StopsAfter(prefixThen(2 << 20, 0));
        MessageReader reader = new MessageReader(stream, 2 << 20);
        stream.reader = reader;
        assertThatThrownBy(reader::nextTransient).isInstanceOf(IOException.class);
        assertThat(stream.heldWhenStarved).isPositive().isLessThanOrEqualTo(MessageReader.FIRST_CHUNK);

        int arrived = 300_000;
        StopsAfter partly = new StopsAfter(prefixThen(2 << 20, arrived));
        MessageReader large = new MessageReader(partly, 2 << 20);
        partly.reader = large;
        assertThatThrownBy(large::nextTransient).isInstanceOf(IOException.class);
        assertThat(partly.heldWhenStarved).as("at most twice what arrived").isGreaterThanOrEqualTo(arrived)
                .isLessThanOrEqualTo(2 * arrived);
    }

    @Test
    void nextTransientRefusesALengthOverTheLimit() {
        MessageReader reader = new MessageReader(new ByteArrayInputStream(prefixThen(1025, 0)), 1024);
        assertThatThrownBy(reader::nextTransient).isInstanceOf(KwikException.class)
                .extracting(e -> ((KwikException) e).code()).isEqualTo(ErrorCode.PACKET_TOO_LARGE);
    }
}
