package io.kwik.tck;

import static io.kwik.tck.tools.Bounds.WAIT;
import static io.kwik.tck.tools.Bounds.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.google.protobuf.ByteString;

import io.kwik.api.ErrorCode;
import io.kwik.api.KwikException;
import io.kwik.api.KwikSession;
import io.kwik.api.KwikStream;
import io.kwik.api.KwikSubscription;
import io.kwik.api.Role;
import io.kwik.api.SessionClose;
import io.kwik.proto.AuthenticationRequest;
import io.kwik.proto.AuthenticationResponse;
import io.kwik.proto.ControlFrame;
import io.kwik.proto.DataFrame;
import io.kwik.proto.DataPacket;
import io.kwik.proto.PathReceived;
import io.kwik.proto.PathRole;
import io.kwik.proto.ReceiveReport;
import io.kwik.proto.StreamCreateNotification;
import io.kwik.proto.StopSending;
import io.kwik.proto.StreamHeader;
import io.kwik.proto.StreamReceipt;
import io.kwik.spi.ClientTransportConfig;
import io.kwik.spi.ConnectionClose;
import io.kwik.spi.QuicConnection;
import io.kwik.spi.QuicStream;
import io.kwik.spi.QuicTransport;
import io.kwik.spi.TransportContext;
import io.kwik.spi.TransportLimits;
import io.kwik.tck.tools.KwikStreams;
import io.kwik.tck.tools.Digest;
import io.kwik.tck.tools.Harness;
import io.kwik.tck.tools.Digests;
import io.kwik.tck.tools.LoopbackServer;

/**
 * The KWIK wire protocol on one path, spoken by a raw QUIC client made directly from the
 * backend's SPI (docs/PROTOCOL.md 4.1 to 4.3, R12, R13).
 *
 * <p>First, well-formed messages written by hand reach the engine as the API promises: this
 * proves the raw client speaks the protocol. Then each hostile input must make the server
 * close <em>only that connection</em>, with the QUIC application error code of the matching
 * {@link ErrorCode}, report it to the listener's error listeners, and keep serving a normal
 * session on the same listener, proven by an echo checked with SHA-256.
 *
 * @since 0.1.0
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class HostileInputSuite extends BackendSuite {

    /** For a backend's test class, which extends this suite. */
    protected HostileInputSuite() {
    }

    /** How long the servers of this suite wait for a stream's creation notice. */
    static final Duration STREAM_CREATION_TIMEOUT = Duration.ofMillis(300);

    private static final String ALPN = "kwik/1";
    private static final int VERSION = 1;
    private static final long RAW_WINDOW = 1 << 20;
    private static final SecureRandom RANDOM = new SecureRandom();

    private Harness h;
    private QuicTransport rawTransport;

    @BeforeEach
    final void openHarness() {
        h = new Harness(provider(), clientProvider());
    }

    @AfterEach
    final void closeHarness() throws Exception {
        h.close();
    }

    // ---------------------------------------------------------------- well-formed, by hand

    @Test
    void required_R2_1_primaryAuthenticationOnTheWire() throws Exception {
        LoopbackServer server = h.server(builder -> builder.maxConcurrentStreams(33).streamReceiveWindow(300_000));
        RawConnection raw = connect(server);

        AuthenticationResponse response = raw.authenticate();

        assertThat(response.getSessionId().size()).as("session id bytes").isEqualTo(16);
        assertThat(response.getPathId()).isEqualTo("p0");
        assertThat(response.getVersion()).isEqualTo(VERSION);
        assertThat(response.getMaxStreams()).isEqualTo(33);
        assertThat(response.getStreamReceiveWindow()).isEqualTo(300_000);
        KwikSession accepted = server.accept(WAIT);
        assertThat(accepted.role()).isEqualTo(Role.PRIMARY_SERVER);
        assertThat(accepted.id()).isEqualTo(HexFormat.of().formatHex(response.getSessionId().toByteArray()));
    }

    @Test
    void required_R8_dataPacketsReachTheLogicalStream() throws Exception {
        LoopbackServer server = h.server(builder -> {});
        RawConnection raw = connect(server);
        raw.authenticate();
        KwikSession accepted = server.accept(WAIT);
        byte[] payload = Digests.payload(20, 48 * 1024);
        int third = payload.length / 3;

        raw.announce(0);
        QuicStream data = raw.openDataStream();
        for (int i = 0; i < 3; i++) {
            raw.send(data, packet(i, frame(0, (long) i * third, Arrays.copyOfRange(payload, i * third, (i + 1) * third), i == 2)));
        }

        KwikStream stream = await(h.background(() -> accepted.acceptStream()));
        assertThat(stream.id()).isZero();
        assertThat(h.drain(stream)).isEqualTo(Digest.of(payload));
    }

    @Test
    void required_R10_reassemblyGoesByOffsetAndDropsDuplicates() throws Exception {
        LoopbackServer server = h.server(builder -> {});
        RawConnection raw = connect(server);
        raw.authenticate();
        KwikSession accepted = server.accept(WAIT);
        byte[] payload = Digests.payload(21, 40_000);

        raw.announce(0);
        QuicStream data = raw.openDataStream();
        raw.send(data, packet(0,
                frame(0, 30_000, Arrays.copyOfRange(payload, 30_000, 40_000), true),
                frame(0, 10_000, Arrays.copyOfRange(payload, 10_000, 20_000), false)));
        raw.send(data, packet(1,
                frame(0, 15_000, Arrays.copyOfRange(payload, 15_000, 30_000), false),
                frame(0, 0, Arrays.copyOfRange(payload, 0, 12_000), false)));

        KwikStream stream = await(h.background(() -> accepted.acceptStream()));
        assertThat(h.drain(stream)).isEqualTo(Digest.of(payload));
    }

    @Test
    void required_R8_serverStreamArrivesAsNumberedDataPackets() throws Exception {
        LoopbackServer server = h.server(builder -> {});
        RawConnection raw = connect(server);
        raw.authenticate();
        KwikSession accepted = server.accept(WAIT);
        byte[] payload = Digests.payload(22, 32 * 1024);

        KwikStream opened = accepted.openStreamSync();
        h.background(() -> {
            KwikStreams.writeAndFinish(opened, payload);
            return null;
        });

        long announced = await(h.background(() -> {
            while (true) {
                ControlFrame frame = raw.readControl();
                if (frame.hasStreamCreateNotification()) return frame.getStreamCreateNotification().getLogicalStreamId();
            }
        }));
        assertThat(announced).isEqualTo(opened.id());
        assertThat(announced % 2).as("server-opened ids are odd").isEqualTo(1);

        QuicStream data = await(h.background(() -> raw.connection.acceptStream()));
        InputStream in = data.input();
        StreamHeader header = await(h.background(() -> StreamHeader.parseDelimitedFrom(in)));
        assertThat(header.getKind()).isEqualTo(StreamHeader.Kind.KIND_DATA);
        List<Long> packetNumbers = new ArrayList<>();
        byte[] received = await(h.background(() -> {
            TreeMap<Long, byte[]> pieces = new TreeMap<>();
            long finalSize = -1;
            while (finalSize < 0 || contiguous(pieces) < finalSize) {
                DataPacket packet = DataPacket.parseDelimitedFrom(in);
                assertThat(packet).as("the data stream ended before the logical stream").isNotNull();
                packetNumbers.add(packet.getPacketNumber());
                for (DataFrame frame : packet.getFramesList()) {
                    assertThat(frame.getLogicalStreamId()).isEqualTo(announced);
                    pieces.put(frame.getOffset(), frame.getData().toByteArray());
                    if (frame.getFin()) finalSize = frame.getOffset() + frame.getData().size();
                }
            }
            return assemble(pieces, finalSize);
        }));

        assertThat(Digest.of(received)).isEqualTo(Digest.of(payload));
        assertThat(packetNumbers).as("packet numbers count from 0 without gaps")
                .containsExactlyElementsOf(LongStream.range(0, packetNumbers.size()).boxed().toList());
    }

    // ---------------------------------------------------------------- hostile input

    @Test
    void required_R12_malformedControlFrameClosesOnlyThatConnection() throws Exception {
        LoopbackServer server = h.server(builder -> {});
        KwikSession good = goodSession(server);
        RawConnection raw = connect(server);

        raw.sendControlBytes(new byte[] {0x05, 0x0A, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF});

        assertOnlyThatConnectionClosed(server, raw, null, good, ErrorCode.INVALID_FRAME);
    }

    /** An error listener whose subscription was closed hears of no later error; one still subscribed does. */
    @Test
    void required_R12_aClosedErrorSubscriptionIsNotCalled() throws Exception {
        LoopbackServer server = h.server(builder -> {});
        KwikSession good = goodSession(server);
        // registered first, so that it would be called before the listener the test waits on
        List<KwikException> unsubscribed = new CopyOnWriteArrayList<>();
        KwikSubscription dropped = server.listener().addErrorListener(unsubscribed::add);
        BlockingQueue<KwikException> subscribed = new LinkedBlockingQueue<>();
        KwikSubscription kept = server.listener().addErrorListener(subscribed::add);
        dropped.close();
        dropped.close();

        RawConnection raw = connect(server);
        raw.sendControlBytes(new byte[] {0x05, 0x0A, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF});

        assertOnlyThatConnectionClosed(server, raw, null, good, ErrorCode.INVALID_FRAME);
        KwikException heard = subscribed.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(heard).as("the subscribed listener hears of the error").isNotNull();
        assertThat(heard.code()).isEqualTo(ErrorCode.INVALID_FRAME);
        assertThat(unsubscribed).as("errors heard after the subscription was closed").isEmpty();
        kept.close();
    }

    @Test
    void required_R12_malformedControlFrameAfterAuthenticationClosesOnlyThatConnection() throws Exception {
        LoopbackServer server = h.server(builder -> {});
        KwikSession good = goodSession(server);
        RawConnection raw = connect(server);
        raw.authenticate();
        KwikSession hostile = server.accept(WAIT);

        raw.sendControlBytes(new byte[] {0x05, 0x0A, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF});

        assertOnlyThatConnectionClosed(server, raw, hostile, good, ErrorCode.INVALID_FRAME);
    }

    @Test
    void required_R12_unknownFrameTypeClosesOnlyThatConnection() throws Exception {
        LoopbackServer server = h.server(builder -> {});
        KwikSession good = goodSession(server);
        RawConnection raw = connect(server);
        raw.authenticate();
        KwikSession hostile = server.accept(WAIT);

        byte[] unknownField = {(byte) 0x98, 0x06, 0x01};
        assertThat(ControlFrame.parseFrom(unknownField).getFrameCase())
                .as("field 99 is no frame type").isEqualTo(ControlFrame.FrameCase.FRAME_NOT_SET);
        raw.sendControlBytes(concat(varint(unknownField.length), unknownField));

        assertOnlyThatConnectionClosed(server, raw, hostile, good, ErrorCode.INVALID_FRAME);
    }

    @Test
    void required_R12_hugeLengthPrefixClosesOnlyThatConnection() throws Exception {
        LoopbackServer server = h.server(builder -> {});
        KwikSession good = goodSession(server);
        RawConnection raw = connect(server);

        raw.sendControlBytes(concat(varint(0x7FFF_FFFF), new byte[16]));

        assertOnlyThatConnectionClosed(server, raw, null, good, ErrorCode.PACKET_TOO_LARGE);
    }

    @Test
    void required_R13_messageJustOverTheLimitIsRefusedFromItsLength() throws Exception {
        LoopbackServer server = h.server(builder -> {});
        KwikSession good = goodSession(server);
        RawConnection raw = connect(server);
        raw.authenticate();
        KwikSession hostile = server.accept(WAIT);

        raw.sendControlBytes(concat(varint(server.config().maxMessageSize() + 1L), new byte[1024]));

        assertOnlyThatConnectionClosed(server, raw, hostile, good, ErrorCode.PACKET_TOO_LARGE);
    }

    @Test
    void required_R13_hugeDataPacketLengthClosesOnlyThatConnection() throws Exception {
        LoopbackServer server = h.server(builder -> {});
        KwikSession good = goodSession(server);
        RawConnection raw = connect(server);
        raw.authenticate();
        KwikSession hostile = server.accept(WAIT);
        raw.announce(0);
        QuicStream data = raw.openDataStream();

        raw.sendBytes(data, concat(varint(0x7FFF_FFFF), new byte[16]));

        assertOnlyThatConnectionClosed(server, raw, hostile, good, ErrorCode.PACKET_TOO_LARGE);
    }

    @Test
    void required_R7_dataForAStreamNeverCreatedClosesOnlyThatConnection() throws Exception {
        LoopbackServer server = h.server(builder -> builder.streamCreationTimeout(STREAM_CREATION_TIMEOUT));
        KwikSession good = goodSession(server);
        RawConnection raw = connect(server);
        raw.authenticate();
        KwikSession hostile = server.accept(WAIT);
        QuicStream data = raw.openDataStream();

        long sent = System.nanoTime();
        raw.send(data, packet(0, frame(1000L << 9, 0, Digests.payload(23, 100), false)));
        ConnectionClose close = await(raw.connection.closed());
        Duration waited = Duration.ofNanos(System.nanoTime() - sent);

        assertThat(waited).as("the server waits streamCreationTimeout for the notice")
                .isGreaterThanOrEqualTo(STREAM_CREATION_TIMEOUT.minusMillis(50));
        assertThat(close.origin()).isEqualTo(ConnectionClose.Origin.PEER);
        assertOnlyThatConnectionClosed(server, raw, hostile, good, ErrorCode.INVALID_FRAME);
    }

    @Test
    void required_R7_stopSendingForAStreamNeverCreatedClosesOnlyThatConnection() throws Exception {
        LoopbackServer server = h.server(builder -> {});
        KwikSession good = goodSession(server);
        RawConnection raw = connect(server);
        raw.authenticate();
        KwikSession hostile = server.accept(WAIT);

        // sequence 0 of the server's own streams: it has opened none
        raw.sendControl(stopSending(1, 5));

        assertOnlyThatConnectionClosed(server, raw, hostile, good, ErrorCode.INVALID_FRAME);
    }

    @Test
    void required_R7_stopSendingForAStreamThatEndedIsIgnored() throws Exception {
        LoopbackServer server = h.server(builder -> {});
        RawConnection raw = connect(server);
        raw.authenticate();
        KwikSession accepted = server.accept(WAIT);
        byte[] first = Digests.payload(24, 5000);
        byte[] second = Digests.payload(25, 7000);
        long secondId = 1L << 9;

        raw.announce(0);
        QuicStream data = raw.openDataStream();
        raw.send(data, packet(0, frame(0, 0, first, true)));
        KwikStream ended = await(h.background(() -> accepted.acceptStream()));
        assertThat(h.drain(ended)).isEqualTo(Digest.of(first));
        ended.close();
        raw.sendControl(stopSending(0, 5));
        raw.announce(secondId);
        raw.send(data, packet(1, frame(secondId, 0, second, true)));

        KwikStream next = await(h.background(() -> accepted.acceptStream()));
        assertThat(next.id()).isEqualTo(secondId);
        assertThat(h.drain(next)).as("a stream after the StopSending for an ended one").isEqualTo(Digest.of(second));
        assertThat(accepted.closed().toCompletableFuture().isDone()).as("the session is still open").isFalse();
    }

    @Test
    void required_R10_frameBeyondTheStreamWindowClosesOnlyThatConnection() throws Exception {
        LoopbackServer server = h.server(builder -> builder.streamReceiveWindow(64 * 1024));
        KwikSession good = goodSession(server);
        RawConnection raw = connect(server);
        long window = raw.authenticate().getStreamReceiveWindow();
        KwikSession hostile = server.accept(WAIT);
        assertThat(window).isEqualTo(64 * 1024);
        raw.announce(0);
        QuicStream data = raw.openDataStream();

        raw.send(data, packet(0, frame(0, window, new byte[] {1}, false)));

        assertOnlyThatConnectionClosed(server, raw, hostile, good, ErrorCode.FLOW_CONTROL);
    }

    /** Issue 18 #11: a data frame at offset 2^63 arrives negative as a Java long; it must be refused. */
    @Test
    void required_R12_dataFrameAtOffset2To63ClosesOnlyThatConnection() throws Exception {
        LoopbackServer server = h.server(builder -> {});
        KwikSession good = goodSession(server);
        RawConnection raw = connect(server);
        raw.authenticate();
        KwikSession hostile = server.accept(WAIT);
        raw.announce(0);
        QuicStream data = raw.openDataStream();

        raw.send(data, packet(0, frame(0, Long.MIN_VALUE, new byte[] {1}, false)));

        assertOnlyThatConnectionClosed(server, raw, hostile, good, ErrorCode.INVALID_FRAME);
    }

    /**
     * Issue 18 #10: a receipt range starting at 2^63 (uint64 on the wire, negative as a Java
     * long) once killed the primary's control reader with an IllegalArgumentException and
     * left the session half alive; it must close the connection with INVALID_FRAME.
     */
    @Test
    void required_R12_receiptRangeAt2To63ClosesOnlyThatConnection() throws Exception {
        LoopbackServer server = h.server(builder -> {});
        KwikSession good = goodSession(server);
        RawConnection raw = connect(server);
        raw.authenticate();
        KwikSession hostile = server.accept(WAIT);

        raw.sendControl(ControlFrame.newBuilder().setStreamReceipt(StreamReceipt.newBuilder().setLogicalStreamId(1)
                .addReceived(io.kwik.proto.ByteRange.newBuilder().setStart(Long.MIN_VALUE).setEnd(Long.MIN_VALUE + 10)))
                .build());

        assertOnlyThatConnectionClosed(server, raw, hostile, good, ErrorCode.INVALID_FRAME);
    }

    /**
     * A receive report (docs/PROTOCOL.md 4.4) whose byte count is 2^63 or more (negative as a
     * Java long) closes that connection with INVALID_FRAME. One with absurd but well-formed
     * figures is the client's word about its own download: the primary keeps it and carries on.
     */
    @Test
    void required_R12_receiveReportCountAt2To63ClosesOnlyThatConnection() throws Exception {
        LoopbackServer server = h.server(builder -> {});
        KwikSession good = goodSession(server);
        RawConnection raw = connect(server);
        raw.authenticate();
        KwikSession hostile = server.accept(WAIT);

        raw.sendControl(ControlFrame.newBuilder().setReceiveReport(ReceiveReport.newBuilder().setClientTimeMicros(1)
                .addPaths(PathReceived.newBuilder().setPathId("p0").setBytesReceived(1L << 62).setBytesPerSecond(1L << 62)))
                .build());
        await(h.background(() -> {
            while (hostile.clientReceived().isEmpty()) Thread.sleep(10);
            return null;
        }));
        assertThat(hostile.clientReceived().get("p0").bytesReceived()).as("an absurd count is kept").isEqualTo(1L << 62);
        assertThat(hostile.closed().toCompletableFuture()).as("and the session carries on").isNotDone();

        raw.sendControl(ControlFrame.newBuilder().setReceiveReport(ReceiveReport.newBuilder().setClientTimeMicros(2)
                .addPaths(PathReceived.newBuilder().setPathId("p0").setBytesReceived(Long.MIN_VALUE))).build());

        assertOnlyThatConnectionClosed(server, raw, hostile, good, ErrorCode.INVALID_FRAME);
    }

    /**
     * Only a join token can tell a secondary that a session is unknown to its group: one with no
     * {@code pathTokenKey} refuses every join, and one built with
     * {@code insecureAcceptUnauthenticatedJoins} accepts every join (docs/PROTOCOL.md 4.2).
     */
    @Test
    void required_R2_unknownSessionIdIsRefused() throws Exception {
        LoopbackServer server = h.server(builder -> builder.pathTokenKey(
                new javax.crypto.spec.SecretKeySpec(randomBytes(32), "HmacSHA256")));
        KwikSession good = goodSession(server);
        RawConnection raw = connect(server);

        raw.sendControl(ControlFrame.newBuilder().setAuthenticationRequest(AuthenticationRequest.newBuilder()
                .setRole(PathRole.PATH_ROLE_SECONDARY)
                .setVersion(VERSION)
                .setSessionId(ByteString.copyFrom(randomBytes(16)))
                .setPathId("p1")
                .setToken(ByteString.copyFrom(randomBytes(32)))
                .setMaxStreams(100)
                .setStreamReceiveWindow(RAW_WINDOW)).build());

        assertOnlyThatConnectionClosed(server, raw, null, good, ErrorCode.AUTH_FAILED);
    }

    @Test
    void required_R2_unsupportedVersionIsRefused() throws Exception {
        LoopbackServer server = h.server(builder -> {});
        KwikSession good = goodSession(server);
        RawConnection raw = connect(server);

        raw.sendControl(ControlFrame.newBuilder().setAuthenticationRequest(AuthenticationRequest.newBuilder()
                .setRole(PathRole.PATH_ROLE_PRIMARY)
                .setVersion(VERSION + 1)
                .setMaxStreams(100)
                .setStreamReceiveWindow(RAW_WINDOW)).build());

        assertOnlyThatConnectionClosed(server, raw, null, good, ErrorCode.AUTH_FAILED);
    }

    // ---------------------------------------------------------------- helpers

    /** A normal session on {@code server}, accepted and echoing, that hostile input must not disturb. */
    private KwikSession goodSession(LoopbackServer server) throws Exception {
        KwikSession client = server.dial();
        KwikSession accepted = server.accept(WAIT);
        h.echoEverything(accepted);
        byte[] payload = Digests.payload(30, 4096);
        assertThat(h.echoThrough(client, payload)).as("echo before the hostile input").isEqualTo(Digest.of(payload));
        return client;
    }

    /**
     * Checks that the server closed the raw connection, and only it, because of {@code expected}.
     *
     * @param hostileAtServer the server's session of the raw connection, when it authenticated
     */
    private void assertOnlyThatConnectionClosed(LoopbackServer server, RawConnection raw, KwikSession hostileAtServer,
                                                KwikSession good, ErrorCode expected) throws Exception {
        ConnectionClose close = await(raw.connection.closed());
        assertThat(close.origin()).as("who closed the hostile connection: %s", close).isEqualTo(ConnectionClose.Origin.PEER);
        assertThat(close.errorCode()).as("application error code: %s", close).isEqualTo(expected.code());

        if (hostileAtServer != null) {
            SessionClose ended = await(hostileAtServer.closed().toCompletableFuture());
            assertThat(ended.origin()).as("how the server's session of the hostile connection ended: %s", ended)
                    .isEqualTo(SessionClose.Origin.LOCAL);
            assertThat(ended.code()).isEqualTo(expected);
            assertThat(ended.cause()).get().extracting(KwikException::code).isEqualTo(expected);
        }

        KwikException reported = server.awaitError(expected, WAIT);
        assertThat(reported.code()).isEqualTo(expected);
        assertThat(server.errors()).as("errors reported").extracting(KwikException::code).containsOnly(expected);

        assertThat(good.closed().toCompletableFuture().isDone()).as("the normal session is still open").isFalse();
        byte[] payload = Digests.payload(31, 256 * 1024);
        assertThat(h.echoThrough(good, payload)).as("echo after the hostile input").isEqualTo(Digest.of(payload));
    }

    private RawConnection connect(LoopbackServer server) throws Exception {
        if (rawTransport == null) rawTransport = h.closeAfterTest(clientProvider().create(TransportContext.of("raw")));
        ClientTransportConfig config = new ClientTransportConfig(ALPN, LoopbackServer.SERVER_NAME,
                List.of(server.certificate().certificate()), false, TransportLimits.DEFAULTS);
        QuicConnection connection = await(rawTransport.connect(server.address(), config));
        h.closeAfterTest(connection);
        QuicStream control = await(connection.openBidirectionalStream());
        return new RawConnection(connection, control);
    }

    private static ControlFrame stopSending(long logicalStreamId, long errorCode) {
        return ControlFrame.newBuilder().setStopSending(
                StopSending.newBuilder().setLogicalStreamId(logicalStreamId).setErrorCode(errorCode)).build();
    }

    private static DataPacket packet(long number, DataFrame... frames) {
        return DataPacket.newBuilder().setPacketNumber(number).addAllFrames(List.of(frames)).build();
    }

    private static DataFrame frame(long logicalStreamId, long offset, byte[] data, boolean fin) {
        return DataFrame.newBuilder().setLogicalStreamId(logicalStreamId).setOffset(offset)
                .setData(ByteString.copyFrom(data)).setFin(fin).build();
    }

    private static long contiguous(TreeMap<Long, byte[]> pieces) {
        long end = 0;
        for (var piece : pieces.entrySet()) {
            if (piece.getKey() > end) break;
            end = Math.max(end, piece.getKey() + piece.getValue().length);
        }
        return end;
    }

    private static byte[] assemble(TreeMap<Long, byte[]> pieces, long size) {
        byte[] bytes = new byte[Math.toIntExact(size)];
        for (var piece : pieces.entrySet()) {
            System.arraycopy(piece.getValue(), 0, bytes, Math.toIntExact(piece.getKey()), piece.getValue().length);
        }
        return bytes;
    }

    private static byte[] varint(long value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while ((value & ~0x7FL) != 0) {
            out.write((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
        return out.toByteArray();
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    private static byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    /** One QUIC connection to a KWIK server, driven by hand: its control stream and data streams. */
    private final class RawConnection {
        final QuicConnection connection;
        private final QuicStream control;

        RawConnection(QuicConnection connection, QuicStream control) {
            this.connection = connection;
            this.control = control;
        }

        /** Authenticates as a new primary path and returns the server's answer. */
        AuthenticationResponse authenticate() throws Exception {
            sendControl(ControlFrame.newBuilder().setAuthenticationRequest(AuthenticationRequest.newBuilder()
                    .setRole(PathRole.PATH_ROLE_PRIMARY)
                    .setVersion(VERSION)
                    .setMaxStreams(100)
                    .setStreamReceiveWindow(RAW_WINDOW)).build());
            ControlFrame answer = await(h.background(this::readControl));
            assertThat(answer.hasAuthenticationResponse()).as("first answer: %s", answer).isTrue();
            return answer.getAuthenticationResponse();
        }

        /** Announces a logical stream this client opens. */
        void announce(long logicalStreamId) throws IOException {
            sendControl(ControlFrame.newBuilder().setStreamCreateNotification(
                    StreamCreateNotification.newBuilder().setLogicalStreamId(logicalStreamId)).build());
        }

        /** Opens a QUIC stream and writes the data stream header on it. */
        QuicStream openDataStream() throws Exception {
            QuicStream stream = await(connection.openBidirectionalStream());
            OutputStream out = stream.output();
            StreamHeader.newBuilder().setKind(StreamHeader.Kind.KIND_DATA).build().writeDelimitedTo(out);
            out.flush();
            return stream;
        }

        void send(QuicStream stream, DataPacket packet) throws IOException {
            OutputStream out = stream.output();
            packet.writeDelimitedTo(out);
            out.flush();
        }

        void sendBytes(QuicStream stream, byte[] bytes) throws IOException {
            OutputStream out = stream.output();
            out.write(bytes);
            out.flush();
        }

        void sendControl(ControlFrame frame) throws IOException {
            OutputStream out = control.output();
            frame.writeDelimitedTo(out);
            out.flush();
        }

        void sendControlBytes(byte[] bytes) throws IOException {
            sendBytes(control, bytes);
        }

        /** The next control frame from the server; fails at the end of the control stream. */
        ControlFrame readControl() throws IOException {
            ControlFrame frame = ControlFrame.parseDelimitedFrom(control.input());
            if (frame == null) throw new IOException("the server ended the control stream");
            return frame;
        }
    }
}
