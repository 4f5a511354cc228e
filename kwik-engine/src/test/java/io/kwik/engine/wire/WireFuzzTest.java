package io.kwik.engine.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Set;

import com.code_intelligence.jazzer.junit.FuzzTest;

import io.kwik.api.ErrorCode;
import io.kwik.api.KwikException;
import io.kwik.proto.DataFrame;
import io.kwik.proto.DataPacket;

/**
 * Fuzzes the decoders a peer's bytes reach first: a stream of length-delimited messages read
 * by {@link MessageReader} and parsed by {@link Messages}. The property: any input yields
 * messages or a {@link KwikException} with a protocol error code, never another exception,
 * and the reader never holds more than {@link MessageReader#FIRST_CHUNK} or twice the bytes
 * that arrived. The seed corpus (src/test/resources/io/kwik/engine/wire/WireFuzzTestInputs)
 * runs in every build; CONTRIBUTING.md says how to fuzz for real.
 */
class WireFuzzTest {
    /** Small enough that a fuzzer reaches it, so that the limit's check is exercised too. */
    private static final int MAX_MESSAGE_SIZE = 256 * 1024;
    private static final Set<ErrorCode> PROTOCOL_ERRORS = Set.of(ErrorCode.INVALID_FRAME, ErrorCode.PACKET_TOO_LARGE);

    @FuzzTest
    void controlFrames(byte[] input) throws IOException {
        readAll(input, Messages::controlFrame);
    }

    @FuzzTest
    void dataPackets(byte[] input) throws IOException {
        readAll(input, bytes -> {
            DataPacket packet = Messages.dataPacket(bytes);
            for (DataFrame frame : packet.getFramesList()) {
                // the data of a frame is in the message: it cannot be larger
                assertThat(frame.getData().size()).isLessThanOrEqualTo(bytes.length);
            }
        });
    }

    @FuzzTest
    void streamHeaders(byte[] input) throws IOException {
        readAll(input, Messages::streamKind);
    }

    @FuzzTest
    void rawPackets(byte[] input) throws IOException {
        readAll(input, Messages::rawPacket);
    }

    private interface Decoder {
        void decode(byte[] message) throws KwikException;
    }

    private static void readAll(byte[] input, Decoder decoder) throws IOException {
        CountingStream in = new CountingStream(input);
        MessageReader reader = new MessageReader(in, MAX_MESSAGE_SIZE);
        in.reader = reader;
        try {
            byte[] message;
            while ((message = reader.next()) != null) {
                assertThat(message.length).isLessThanOrEqualTo(MAX_MESSAGE_SIZE);
                decoder.decode(message);
            }
        } catch (KwikException e) {
            assertThat(e.code()).as("error code of %s", e).isIn(PROTOCOL_ERRORS);
        }
        assertThat(reader.heldBytes()).isZero();
    }

    /** Checks the reader's memory bound on every read, against the bytes it was given so far. */
    private static final class CountingStream extends InputStream {
        private final ByteArrayInputStream in;
        private long delivered;
        MessageReader reader;

        CountingStream(byte[] input) {
            this.in = new ByteArrayInputStream(input);
        }

        @Override
        public int read() {
            checkHeld();
            int b = in.read();
            if (b >= 0) delivered++;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            checkHeld();
            int n = in.read(b, off, len);
            if (n > 0) delivered += n;
            return n;
        }

        private void checkHeld() {
            if (reader == null) return;
            assertThat((long) reader.heldBytes()).isLessThanOrEqualTo(Math.max(MessageReader.FIRST_CHUNK, 2 * delivered));
        }
    }
}
