package io.kwik.engine.session;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import com.google.protobuf.ByteString;

import io.kwik.engine.wire.Protocol;
import io.kwik.proto.AddPathRequest;
import io.kwik.proto.AddPathResponse;
import io.kwik.proto.AuthenticationRequest;
import io.kwik.proto.AuthenticationResponse;
import io.kwik.proto.ControlFrame;
import io.kwik.proto.DataFrame;
import io.kwik.proto.DataPacket;
import io.kwik.proto.DelegatedRange;
import io.kwik.proto.MaxStreamData;
import io.kwik.proto.MaxStreams;
import io.kwik.proto.PathReceived;
import io.kwik.proto.PathRole;
import io.kwik.proto.PathState;
import io.kwik.proto.PathStatusNotification;
import io.kwik.proto.Ping;
import io.kwik.proto.RawPacket;
import io.kwik.proto.RawPacketTransmission;
import io.kwik.proto.ReceiveReport;
import io.kwik.proto.RemovePathRequest;
import io.kwik.proto.RemovePathResponse;
import io.kwik.proto.StopSending;
import io.kwik.proto.StreamCreateNotification;
import io.kwik.proto.StreamHeader;
import io.kwik.proto.StreamReceipt;
import io.kwik.proto.StreamResetNotification;
import io.kwik.proto.WireErrorCode;

/**
 * Writes the seed corpus of {@link SessionHandlersFuzzTest} ({@link ScriptedPeer} scripts):
 * each authenticates, then sends the frames its name says. Run from the module's directory with
 * the test class path; it overwrites the seeds it makes and leaves other files (findings) alone.
 */
final class SessionHandlersSeeds {
    private static final ByteString SESSION = ByteString.copyFrom(new byte[Protocol.SESSION_ID_BYTES]);
    /** The client's first stream (sequence 0, client-initiated, primary path) and the primary's first. */
    private static final long CLIENT_STREAM = 0;
    private static final long SERVER_STREAM = 1;
    /** The first stream the primary opens, as a secondary p1 writes into it. */
    private static final long SECONDARY_STREAM = 1;

    private SessionHandlersSeeds() {}

    public static void main(String[] args) throws IOException {
        Path root = Path.of(args.length > 0 ? args[0] : "src/test/resources/io/kwik/engine/session/SessionHandlersFuzzTestInputs");
        write(root.resolve("primary"), primary());
        write(root.resolve("secondary"), secondary());
        write(root.resolve("client"), client());
    }

    private static void write(Path dir, Map<String, byte[]> seeds) throws IOException {
        Files.createDirectories(dir);
        for (var seed : seeds.entrySet()) Files.write(dir.resolve(seed.getKey()), seed.getValue());
    }

    private static ControlFrame authRequest(PathRole role, String pathId) {
        AuthenticationRequest.Builder request = AuthenticationRequest.newBuilder().setRole(role).setVersion(Protocol.VERSION)
                .setMaxStreams(8).setStreamReceiveWindow(65536).setMaxMessageSize(65536);
        if (role == PathRole.PATH_ROLE_SECONDARY) {
            request.setSessionId(SESSION).setPathId(pathId).setTarget("127.0.0.1:4430");
        }
        return ControlFrame.newBuilder().setAuthenticationRequest(request).build();
    }

    private static ControlFrame authResponse(String pathId) {
        return ControlFrame.newBuilder().setAuthenticationResponse(AuthenticationResponse.newBuilder().setSessionId(SESSION)
                .setPathId(pathId).setVersion(Protocol.VERSION).setMaxStreams(8).setStreamReceiveWindow(65536)
                .setMaxMessageSize(65536)).build();
    }

    private static ControlFrame ping() {
        return ControlFrame.newBuilder().setPing(Ping.newBuilder().setNonce(7)).build();
    }

    private static ControlFrame status(String pathId, PathState state, StreamReceipt... receipts) {
        PathStatusNotification.Builder status = PathStatusNotification.newBuilder().setPathId(pathId).setState(state)
                .setReason("seed").setAddress("127.0.0.1:4431");
        for (StreamReceipt receipt : receipts) status.addReceipts(receipt);
        return ControlFrame.newBuilder().setPathStatusNotification(status).build();
    }

    private static StreamReceipt receipt(long stream, long... bounds) {
        StreamReceipt.Builder receipt = StreamReceipt.newBuilder().setLogicalStreamId(stream);
        for (int i = 0; i + 1 < bounds.length; i += 2) {
            receipt.addReceived(io.kwik.proto.ByteRange.newBuilder().setStart(bounds[i]).setEnd(bounds[i + 1]));
        }
        return receipt.build();
    }

    private static StreamHeader header(StreamHeader.Kind kind) {
        return StreamHeader.newBuilder().setKind(kind).build();
    }

    private static DataPacket packet(long number, long stream, long offset, int length, boolean fin) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) bytes[i] = (byte) (offset + i);
        return DataPacket.newBuilder().setPacketNumber(number).addFrames(DataFrame.newBuilder().setLogicalStreamId(stream)
                .setOffset(offset).setData(ByteString.copyFrom(bytes)).setFin(fin)).build();
    }

    private static ControlFrame created(long stream) {
        return ControlFrame.newBuilder().setStreamCreateNotification(StreamCreateNotification.newBuilder()
                .setLogicalStreamId(stream)).build();
    }

    private static Map<String, byte[]> primary() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("authenticate-only", new ScriptedPeer.Writer().control(authRequest(PathRole.PATH_ROLE_PRIMARY, "")).toBytes());
        seeds.put("frames-before-authentication", new ScriptedPeer.Writer().control(ping())
                .control(authRequest(PathRole.PATH_ROLE_PRIMARY, "")).toBytes());
        seeds.put("control-frames", new ScriptedPeer.Writer().control(authRequest(PathRole.PATH_ROLE_PRIMARY, ""))
                .control(ping())
                .control(ControlFrame.newBuilder().setMaxStreams(MaxStreams.newBuilder().setMaxStreams(16)).build())
                .control(created(CLIENT_STREAM))
                .control(ControlFrame.newBuilder().setMaxStreamData(MaxStreamData.newBuilder().setLogicalStreamId(CLIENT_STREAM)
                        .setMaxOffset(1 << 20)).build())
                .control(ControlFrame.newBuilder().setMaxStreamData(MaxStreamData.newBuilder().setLogicalStreamId(SERVER_STREAM)
                        .setMaxOffset(1 << 20)).build())
                .control(status("p1", PathState.PATH_STATE_ACTIVE))
                .control(ControlFrame.newBuilder().setReceiveReport(ReceiveReport.newBuilder().setClientTimeMicros(5)
                        .addPaths(PathReceived.newBuilder().setPathId("p0").setBytesReceived(100).setBytesPerSecond(10))).build())
                .control(ControlFrame.newBuilder().setAddPathResponse(AddPathResponse.newBuilder().setPathId("p1")
                        .setSuccess(false).setError("seed").setErrorCode(WireErrorCode.WIRE_ERROR_PATH_DEAD)).build())
                .control(ControlFrame.newBuilder().setRemovePathResponse(RemovePathResponse.newBuilder().setPathId("p1")
                        .setSuccess(true)).build())
                .control(ControlFrame.newBuilder().setStreamReceipt(receipt(SERVER_STREAM, 0, 10)).build())
                .control(ControlFrame.newBuilder().setStopSending(StopSending.newBuilder().setLogicalStreamId(CLIENT_STREAM)
                        .setErrorCode(3)).build())
                .control(ControlFrame.newBuilder().setStreamResetNotification(StreamResetNotification.newBuilder()
                        .setLogicalStreamId(CLIENT_STREAM).setErrorCode(4)).build())
                .control(status("p1", PathState.PATH_STATE_DEAD, receipt(SERVER_STREAM, 0, 10)))
                .toBytes());
        seeds.put("stream-data", new ScriptedPeer.Writer().control(authRequest(PathRole.PATH_ROLE_PRIMARY, ""))
                .control(created(CLIENT_STREAM)).control(created(CLIENT_STREAM + 512))
                .data(0, header(StreamHeader.Kind.KIND_DATA))
                .data(0, packet(0, CLIENT_STREAM, 0, 1000, false))
                .data(0, packet(1, CLIENT_STREAM, 2000, 1000, true))
                .data(0, packet(2, CLIENT_STREAM, 1000, 1000, false))
                .data(1, header(StreamHeader.Kind.KIND_DATA))
                .data(1, packet(0, CLIENT_STREAM + 512, 0, 500, true))
                .toBytes());
        seeds.put("data-beyond-window", new ScriptedPeer.Writer().control(authRequest(PathRole.PATH_ROLE_PRIMARY, ""))
                .control(created(CLIENT_STREAM))
                .data(0, header(StreamHeader.Kind.KIND_DATA))
                .data(0, packet(0, CLIENT_STREAM, 0, 20_000, false))
                .toBytes());
        seeds.put("malformed-receipts", new ScriptedPeer.Writer().control(authRequest(PathRole.PATH_ROLE_PRIMARY, ""))
                .control(status("p1", PathState.PATH_STATE_ACTIVE))
                .control(status("p1", PathState.PATH_STATE_DEAD, receipt(SERVER_STREAM, 10, 0), receipt(SERVER_STREAM, -1, 5)))
                .toBytes());
        seeds.put("raw-relay", new ScriptedPeer.Writer().control(authRequest(PathRole.PATH_ROLE_PRIMARY, ""))
                .data(3, header(StreamHeader.Kind.KIND_RAW))
                .data(3, RawPacket.newBuilder().setSourcePathId("p1").setData(ByteString.copyFromUtf8("relayed")).build())
                .toBytes());
        return seeds;
    }

    private static Map<String, byte[]> secondary() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("join-only", new ScriptedPeer.Writer().control(authRequest(PathRole.PATH_ROLE_SECONDARY, "p1")).toBytes());
        seeds.put("join-malformed", new ScriptedPeer.Writer().control(authRequest(PathRole.PATH_ROLE_SECONDARY, "p0")).toBytes());
        seeds.put("control-frames", new ScriptedPeer.Writer().control(authRequest(PathRole.PATH_ROLE_SECONDARY, "p1"))
                .control(ping())
                .control(status("p2", PathState.PATH_STATE_ACTIVE))
                .control(ControlFrame.newBuilder().setMaxStreamData(MaxStreamData.newBuilder().setLogicalStreamId(SERVER_STREAM)
                        .setMaxOffset(1 << 20)).build())
                .control(status("p2", PathState.PATH_STATE_DEAD))
                .control(ControlFrame.newBuilder().setStopSending(StopSending.newBuilder().setLogicalStreamId(SERVER_STREAM)
                        .setErrorCode(3)).build())
                .toBytes());
        seeds.put("raw-relay", new ScriptedPeer.Writer().control(authRequest(PathRole.PATH_ROLE_SECONDARY, "p1"))
                .data(0, header(StreamHeader.Kind.KIND_RAW))
                .data(0, RawPacket.newBuilder().setSourcePathId("p0").setData(ByteString.copyFromUtf8("instruction"))
                        .setDelegation(DelegatedRange.newBuilder().setLogicalStreamId(SECONDARY_STREAM).setOffset(0).setLength(100))
                        .build())
                .toBytes());
        seeds.put("data", new ScriptedPeer.Writer().control(authRequest(PathRole.PATH_ROLE_SECONDARY, "p1"))
                .data(0, header(StreamHeader.Kind.KIND_DATA))
                .data(0, packet(0, SECONDARY_STREAM, 0, 100, false))
                .toBytes());
        return seeds;
    }

    private static Map<String, byte[]> client() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("authenticate-only", new ScriptedPeer.Writer().control(authResponse("p0")).toBytes());
        seeds.put("bad-response", new ScriptedPeer.Writer().control(ping()).toBytes());
        seeds.put("control-frames", new ScriptedPeer.Writer().control(authResponse("p0"))
                .control(ping())
                .control(ControlFrame.newBuilder().setMaxStreams(MaxStreams.newBuilder().setMaxStreams(16)).build())
                .control(created(SERVER_STREAM))
                .control(status("p3", PathState.PATH_STATE_DEAD))
                .control(ControlFrame.newBuilder().setRemovePathRequest(RemovePathRequest.newBuilder().setPathId("p3")).build())
                .control(ControlFrame.newBuilder().setRawPacketTransmission(RawPacketTransmission.newBuilder()
                        .setTargetPathId("p9").setSourcePathId("p0").setData(ByteString.copyFromUtf8("nobody"))).build())
                .control(ControlFrame.newBuilder().setStreamReceipt(receipt(SERVER_STREAM, 0, 10)).build())
                .toBytes());
        seeds.put("stream-data", new ScriptedPeer.Writer().control(authResponse("p0"))
                .control(created(SERVER_STREAM))
                .data(0, header(StreamHeader.Kind.KIND_DATA))
                .data(0, packet(0, SERVER_STREAM, 0, 1000, false))
                .data(0, packet(1, SERVER_STREAM, 1000, 1000, true))
                .toBytes());
        // the primary adds p1 (connection 1 plays it), delegates a range to it, and p1 writes it and more
        seeds.put("join-and-delegate", new ScriptedPeer.Writer().control(authResponse("p0"))
                .control(created(SERVER_STREAM))
                .control(ControlFrame.newBuilder().setAddPathRequest(AddPathRequest.newBuilder().setPathId("p1")
                        .setTargetHost("127.0.0.1").setTargetPort(ScriptedPeer.PORT_BASE + 1)).build())
                .control(ControlFrame.newBuilder().setRawPacketTransmission(RawPacketTransmission.newBuilder()
                        .setTargetPathId("p1").setSourcePathId("p0").setData(ByteString.copyFromUtf8("write [0, 100)"))
                        .setDelegation(DelegatedRange.newBuilder().setLogicalStreamId(SERVER_STREAM).setOffset(0).setLength(100)))
                        .build())
                .nextConnection()
                .control(authResponse("p1"))
                .control(ping())
                .control(ControlFrame.newBuilder().setRawPacketTransmission(RawPacketTransmission.newBuilder()
                        .setTargetPathId("p0").setSourcePathId("p1").setData(ByteString.copyFromUtf8("done"))).build())
                .data(0, header(StreamHeader.Kind.KIND_DATA))
                .data(0, packet(0, SERVER_STREAM, 0, 100, false))
                .data(0, packet(1, SERVER_STREAM, 100, 100, false))
                .toBytes());
        seeds.put("join-unreachable", new ScriptedPeer.Writer().control(authResponse("p0"))
                .control(ControlFrame.newBuilder().setAddPathRequest(AddPathRequest.newBuilder().setPathId("p2")
                        .setTargetHost("127.0.0.1").setTargetPort(9)).build())
                .control(ControlFrame.newBuilder().setAddPathRequest(AddPathRequest.newBuilder().setPathId("p01")
                        .setTargetHost("127.0.0.1").setTargetPort(ScriptedPeer.PORT_BASE + 1)).build())
                .toBytes());
        return seeds;
    }
}
