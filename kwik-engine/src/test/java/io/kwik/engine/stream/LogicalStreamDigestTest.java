package io.kwik.engine.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.google.protobuf.ByteString;

import io.kwik.api.ByteRange;
import io.kwik.api.ErrorCode;
import io.kwik.api.KwikException;
import io.kwik.api.KwikTimeoutException;
import io.kwik.proto.ControlFrame;
import io.kwik.proto.DataFrame;

/**
 * The client's hold-back of delegated ranges that carry a SHA-256 (DigestRanges inside
 * LogicalStream): a secondary's bytes of such a range reach neither the reader nor the
 * receipts before the whole range has arrived and matches; a mismatch drops them and is an
 * INVALID_FRAME; the owner's bytes are trusted.
 */
class LogicalStreamDigestTest {

    private static final class ReceiveOnly implements StreamContext {
        final List<String> refused = new ArrayList<>();
        @Override public void refuse(String pathId, KwikException failure) { refused.add(pathId + ": " + failure.getMessage()); }
        @Override public String sessionId() { return "s"; }
        @Override public String pathId() { return "p0"; }
        @Override public int maxFrameData(long streamId, long offset) { return 1000; }
        @Override public void sendControl(ControlFrame frame) { }
        @Override public DataChannel dataChannel(LogicalStream stream) { throw new UnsupportedOperationException(); }
        @Override public void released(LogicalStream stream) { }
        @Override public KwikException failure() { return null; }
    }

    private static final int WINDOW = 1 << 16;
    private final ReceiveOnly context = new ReceiveOnly();
    private final LogicalStream stream = new LogicalStream(1, context, WINDOW, WINDOW, Duration.ofMillis(50));
    private final byte[] whole = bytes(3000);

    @Test
    void aSecondarysRangeIsHeldBackUntilItIsWholeAndMatches() throws Exception {
        stream.expectDigest("p1", 1000, 1000, sha256(whole, 1000, 2000));
        stream.onFrameFromPeer(frame(0, 0, 1000, false), true);
        stream.onFrameFromPeer(frame(1000, 1000, 1600, false), false);

        assertThat(readAvailable()).isEqualTo(Arrays.copyOfRange(whole, 0, 1000));
        assertThat(stream.receivedRanges()).as("the receipt confirms no unverified byte").containsExactly(new ByteRange(0, 1000));

        stream.onFrameFromPeer(frame(1600, 1600, 2000, false), false);
        stream.onFrameFromPeer(frame(2000, 2000, 3000, true), true);
        assertThat(stream.receivedRanges()).containsExactly(new ByteRange(0, 3000));
        assertThat(readAvailable()).isEqualTo(Arrays.copyOfRange(whole, 1000, 3000));
    }

    @Test
    void aMismatchDropsTheRangeIsAnInvalidFrameAndTheOwnerRefillsIt() throws Exception {
        stream.expectDigest("p1", 1000, 1000, sha256(whole, 1000, 2000));
        stream.onFrameFromPeer(frame(0, 0, 1000, false), true);
        byte[] lie = whole.clone();
        lie[1500] ^= 1;
        stream.onFrameFromPeer(DataFrame.newBuilder().setOffset(1000).setData(ByteString.copyFrom(lie, 1000, 500)).build(), false);
        assertThatThrownBy(() -> stream.onFrameFromPeer(
                DataFrame.newBuilder().setOffset(1500).setData(ByteString.copyFrom(lie, 1500, 500)).build(), false))
                .isInstanceOf(KwikException.class)
                .satisfies(e -> assertThat(((KwikException) e).code()).isEqualTo(ErrorCode.INVALID_FRAME))
                .hasMessageContaining("SHA-256");
        assertThat(stream.receivedRanges()).as("the lie is dropped, so the primary sees it missing").containsExactly(new ByteRange(0, 1000));
        // a late frame of the refused range from the secondary is dropped as well
        stream.onFrameFromPeer(DataFrame.newBuilder().setOffset(1000).setData(ByteString.copyFrom(lie, 1000, 1000)).build(), false);
        assertThat(stream.receivedRanges()).containsExactly(new ByteRange(0, 1000));

        stream.onFrameFromPeer(frame(1000, 1000, 3000, true), true);
        assertThat(readAvailable()).isEqualTo(whole);
    }

    @Test
    void bytesOutsideEveryDigestRangePassAtOnceWhileTheRangeWaits() throws Exception {
        // one secondary frame spans a plain delegated range [500, 1000) and a verified one [1000, 2000)
        stream.expectDigest("p1", 1000, 1000, sha256(whole, 1000, 2000));
        stream.onFrameFromPeer(frame(0, 0, 500, false), true);
        stream.onFrameFromPeer(frame(500, 500, 1500, false), false);
        assertThat(readAvailable()).isEqualTo(Arrays.copyOfRange(whole, 0, 1000));
        stream.onFrameFromPeer(frame(1500, 1500, 2000, false), false);
        assertThat(readAvailable()).isEqualTo(Arrays.copyOfRange(whole, 1000, 2000));
    }

    @Test
    void theOwnersBytesAreTrustedInsideARange() throws Exception {
        stream.expectDigest("p1", 0, 1000, sha256(whole, 0, 1000));
        stream.onFrameFromPeer(frame(0, 0, 1000, false), true);
        assertThat(readAvailable()).isEqualTo(Arrays.copyOfRange(whole, 0, 1000));
    }

    @Test
    void theOwnersCopyOfALateRangesTailCompletesItWithTheSecondarysHead() throws Exception {
        stream.expectDigest("p1", 1000, 1000, sha256(whole, 1000, 2000));
        stream.onFrameFromPeer(frame(0, 0, 1000, false), true);
        stream.onFrameFromPeer(frame(1000, 1000, 1400, false), false);
        // the end game: the primary copies from the secondary's estimated position, which is a little behind
        stream.onFrameFromPeer(frame(1300, 1300, 1700, false), true);
        assertThat(readAvailable()).as("still a gap at 1700").hasSize(1000);
        stream.onFrameFromPeer(frame(1700, 1700, 2000, false), true);
        assertThat(readAvailable()).isEqualTo(Arrays.copyOfRange(whole, 1000, 2000));
        assertThat(context.refused).isEmpty();
    }

    @Test
    void aLyingHeadThatTheOwnersTailCompletesClosesTheSecondary() throws Exception {
        stream.expectDigest("p1", 1000, 1000, sha256(whole, 1000, 2000));
        stream.onFrameFromPeer(frame(0, 0, 1000, false), true);
        byte[] lie = whole.clone();
        lie[1100] ^= 1;
        stream.onFrameFromPeer(DataFrame.newBuilder().setOffset(1000).setData(ByteString.copyFrom(lie, 1000, 400)).build(), false);
        stream.onFrameFromPeer(frame(1400, 1400, 2000, false), true);
        assertThat(context.refused).singleElement().asString().startsWith("p1: ").contains("SHA-256");
        assertThat(stream.receivedRanges()).as("the lying head is dropped")
                .containsExactly(new ByteRange(0, 1000), new ByteRange(1400, 2000));
        stream.onFrameFromPeer(frame(1000, 1000, 1400, false), true);
        assertThat(readAvailable()).isEqualTo(Arrays.copyOfRange(whole, 0, 2000));
    }

    @Test
    void aRangeTheReaderCouldNeverPassOrABadDigestIsRefused() {
        assertThatThrownBy(() -> stream.expectDigest("p1", 0, WINDOW / 2 + 1, new byte[32])).isInstanceOf(KwikException.class)
                .satisfies(e -> assertThat(((KwikException) e).code()).isEqualTo(ErrorCode.INVALID_FRAME));
        assertThatThrownBy(() -> stream.expectDigest("p1", 0, 10, new byte[31])).isInstanceOf(KwikException.class);
    }

    @Test
    void overlappingRangesAreRefused() throws Exception {
        stream.expectDigest("p1", 100, 100, new byte[32]);
        assertThatThrownBy(() -> stream.expectDigest("p1", 150, 100, new byte[32])).isInstanceOf(KwikException.class);
        assertThatThrownBy(() -> stream.expectDigest("p1", 50, 51, new byte[32])).isInstanceOf(KwikException.class);
        stream.expectDigest("p1", 200, 10, new byte[32]);
        stream.expectDigest("p1", 0, 100, new byte[32]);
    }

    /** Reads what is readable now: the read timeout ends the read at the first held-back byte. */
    private byte[] readAvailable() throws Exception {
        ByteBuffer into = ByteBuffer.allocate(WINDOW);
        while (true) {
            try {
                int n = stream.read(into);
                if (n < 0) break;
            } catch (KwikTimeoutException e) {
                break;
            }
        }
        return Arrays.copyOf(into.array(), into.position());
    }

    private DataFrame frame(long offset, int from, int to, boolean fin) {
        return DataFrame.newBuilder().setLogicalStreamId(1).setOffset(offset)
                .setData(ByteString.copyFrom(whole, from, to - from)).setFin(fin).build();
    }

    private static byte[] bytes(int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) bytes[i] = (byte) (i * 31 + 7);
        return bytes;
    }

    private static byte[] sha256(byte[] bytes, int from, int to) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        digest.update(bytes, from, to - from);
        return digest.digest();
    }
}
