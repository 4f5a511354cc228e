package io.kwik.tck;

import static io.kwik.tck.tools.Bounds.WAIT;
import static io.kwik.tck.tools.Bounds.await;
import static io.kwik.tck.tools.KwikStreams.write;
import static io.kwik.tck.tools.KwikStreams.writeAndFinish;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.kwik.api.ClientConfig;
import io.kwik.api.ErrorCode;
import io.kwik.api.Kwik;
import io.kwik.api.KwikException;
import io.kwik.api.KwikSession;
import io.kwik.api.KwikStream;
import io.kwik.api.KwikTimeoutException;
import io.kwik.api.PathInfo;
import io.kwik.api.PathStatus;
import io.kwik.api.Role;
import io.kwik.api.SessionClose;
import io.kwik.api.StreamResetException;
import io.kwik.tck.tools.Digest;
import io.kwik.tck.tools.Digests;
import io.kwik.tck.tools.Harness;
import io.kwik.tck.tools.LoopbackServer;
import io.kwik.tck.tools.SelfSignedCertificate;

/**
 * The KWIK protocol on one path, end to end through the engine, with the client and the
 * server on the backend under test (docs/PROTOCOL.md sections 4.1 to 4.3). Every check is on bytes
 * (sizes and SHA-256) or on events; every wait is bounded.
 *
 * <p>A backend runs it by extending it and implementing {@link #provider()}.
 *
 * @since 0.1.0
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class ProtocolSuite extends BackendSuite {

    /** For a backend's test class, which extends this suite. */
    protected ProtocolSuite() {
    }

    private static final Pattern SESSION_ID = Pattern.compile("[0-9a-f]{32}");
    static final int CHUNK = 64 * 1024;

    private Harness h;

    @BeforeEach
    final void openHarness() {
        h = new Harness(provider(), clientProvider());
    }

    @AfterEach
    final void closeHarness() throws Exception {
        h.close();
    }

    // ---------------------------------------------------------------- R1: dial, listen, streams

    @Test
    void required_R1_1_dialAndListen() throws Exception {
        LoopbackServer server = h.server(builder -> {});
        assertThat(server.listener().localAddress().getPort()).isPositive();

        KwikSession client = server.dial();
        KwikSession accepted = server.accept(WAIT);
        h.echoEverything(accepted);

        assertThat(client.role()).isEqualTo(Role.CLIENT);
        assertThat(accepted.role()).isEqualTo(Role.PRIMARY_SERVER);
        byte[] payload = Digests.payload(1, 4096);
        assertThat(h.echoThrough(client, payload)).isEqualTo(Digest.of(payload));
    }

    @Test
    void required_R1_1_severalSessionsShareOneListener() throws Exception {
        LoopbackServer server = h.server(builder -> {});
        int sessions = 3;
        List<KwikSession> clients = new ArrayList<>();
        Set<String> acceptedIds = new HashSet<>();
        for (int i = 0; i < sessions; i++) {
            clients.add(server.dial());
            KwikSession accepted = server.accept(WAIT);
            acceptedIds.add(accepted.id());
            h.echoEverything(accepted);
        }
        List<Future<Digest>> echoes = new ArrayList<>();
        List<byte[]> payloads = new ArrayList<>();
        for (int i = 0; i < sessions; i++) {
            byte[] payload = Digests.payload(100 + i, 512 * 1024);
            payloads.add(payload);
            KwikSession client = clients.get(i);
            echoes.add(h.background(() -> h.echoThrough(client, payload)));
        }
        for (int i = 0; i < sessions; i++) {
            assertThat(await(echoes.get(i))).as("session %d", i).isEqualTo(Digest.of(payloads.get(i)));
        }
        assertThat(acceptedIds).hasSize(sessions)
                .containsExactlyInAnyOrderElementsOf(clients.stream().map(KwikSession::id).toList());
    }

    @Test
    void required_R1_1_closingTheListenerEndsItsSessions() throws Exception {
        LoopbackServer server = h.server(builder -> {});
        KwikSession client = server.dial();
        server.accept(WAIT);

        server.listener().close();

        await(client.closed().toCompletableFuture());
        assertThatThrownBy(() -> server.listener().accept())
                .isInstanceOfSatisfying(KwikException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.SESSION_CLOSED));
    }

    @Test
    void required_R1_2_dialingWhereNobodyListensFails() throws Exception {
        int port;
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        SelfSignedCertificate certificate = Harness.sharedCertificate();
        ClientConfig config = ClientConfig.builder()
                .transport(clientProvider().name())
                .trustedCertificates(List.of(certificate.certificate()))
                .serverName(LoopbackServer.SERVER_NAME)
                .handshakeTimeout(Duration.ofSeconds(2))
                .build();
        InetSocketAddress nowhere = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);

        Future<KwikSession> dial = h.background(() -> Kwik.dial(nowhere, config));

        assertThatThrownBy(() -> await(dial)).isInstanceOf(IOException.class);
    }

    @Test
    void required_R1_3_openAndAcceptInBothDirections() throws Exception {
        LoopbackServer server = h.server(builder -> {});
        KwikSession client = server.dial();
        KwikSession accepted = server.accept(WAIT);

        byte[] up = Digests.payload(2, 10_000);
        KwikStream clientOpened = client.openStreamSync();
        writeAndFinish(clientOpened, up);
        KwikStream seenByServer = await(h.background(() -> accepted.acceptStream()));
        assertThat(seenByServer.id()).isEqualTo(clientOpened.id());
        assertThat(h.drain(seenByServer)).isEqualTo(Digest.of(up));

        byte[] down = Digests.payload(3, 20_000);
        KwikStream serverOpened = accepted.openStreamSync();
        writeAndFinish(serverOpened, down);
        KwikStream seenByClient = await(h.background(() -> client.acceptStream()));
        assertThat(seenByClient.id()).isEqualTo(serverOpened.id());
        assertThat(h.drain(seenByClient)).isEqualTo(Digest.of(down));

        assertThat(clientOpened.id() % 2).as("client-opened ids are even").isZero();
        assertThat(serverOpened.id() % 2).as("server-opened ids are odd").isEqualTo(1);
        assertThat(clientOpened.pathId()).as("client writes go to the primary").isEqualTo("p0");
    }

    @Test
    void required_R1_3_acceptStreamWithTimeoutReturnsNullWhenNothingArrives() throws Exception {
        LoopbackServer server = h.server(builder -> {});
        KwikSession client = server.dial();
        KwikSession accepted = server.accept(WAIT);

        assertThat(await(h.background(() -> accepted.acceptStream(Duration.ofMillis(200))))).isNull();
        assertThat(await(h.background(() -> client.acceptStream(Duration.ofMillis(200))))).isNull();
    }

    @Test
    void required_R1_finEndsTheStream() throws Exception {
        LoopbackServer server = h.server(builder -> {});
        KwikSession client = server.dial();
        KwikSession accepted = server.accept(WAIT);

        byte[] request = Digests.payload(4, 100_000);
        KwikStream stream = client.openStreamSync();
        writeAndFinish(stream, request);
        stream.shutdownOutput();

        KwikStream serverSide = await(h.background(() -> accepted.acceptStream()));
        InputStream in = serverSide.inputStream();
        byte[] received = await(h.background(() -> in.readNBytes(request.length)));
        assertThat(Digest.of(received)).isEqualTo(Digest.of(request));
        int afterFin = await(h.background(() -> in.read()));
        int afterFinAgain = await(h.background(() -> in.read()));
        assertThat(afterFin).as("read after the FIN").isEqualTo(-1);
        assertThat(afterFinAgain).as("read after the FIN, again").isEqualTo(-1);

        byte[] reply = Digests.payload(5, 30_000);
        writeAndFinish(serverSide, reply);
        assertThat(h.drain(stream)).as("the other direction stays open after a FIN").isEqualTo(Digest.of(reply));
    }

    @Test
    void required_R1_resetReachesThePeer() throws Exception {
        LoopbackServer server = h.server(builder -> {});
        KwikSession client = server.dial();
        KwikSession accepted = server.accept(WAIT);

        KwikStream byClient = client.openStreamSync();
        write(byClient, Digests.payload(6, 1000));
        KwikStream byClientAtServer = await(h.background(() -> accepted.acceptStream()));
        assertThat(await(h.background(() -> byClientAtServer.inputStream().readNBytes(1000)))).hasSize(1000);
        byClient.reset(42);
        assertResetSeen(byClientAtServer, 42);
        assertThatThrownBy(() -> write(byClient, new byte[] {1}))
                .as("writes after a local reset").isInstanceOfSatisfying(StreamResetException.class, e -> {
                    assertThat(e.code()).isEqualTo(42);
                    assertThat(e.byPeer()).isFalse();
                });

        KwikStream byServer = accepted.openStreamSync();
        write(byServer, Digests.payload(7, 1000));
        KwikStream byServerAtClient = await(h.background(() -> client.acceptStream()));
        assertThat(await(h.background(() -> byServerAtClient.inputStream().readNBytes(1000)))).hasSize(1000);
        byServer.reset(7);
        assertResetSeen(byServerAtClient, 7);

        h.echoEverything(accepted);
        byte[] payload = Digests.payload(8, 64 * 1024);
        assertThat(h.echoThrough(client, payload)).as("the session outlives a reset stream").isEqualTo(Digest.of(payload));
    }

    // ---------------------------------------------------------------- R2: primary path, session

    @Test
    void required_R2_3_sessionIdIs128BitHexAndSameOnBothEnds() throws Exception {
        LoopbackServer server = h.server(builder -> {});
        KwikSession first = server.dial();
        KwikSession firstAccepted = server.accept(WAIT);
        KwikSession second = server.dial();
        KwikSession secondAccepted = server.accept(WAIT);

        assertThat(first.id()).matches(SESSION_ID);
        assertThat(second.id()).matches(SESSION_ID);
        assertThat(firstAccepted.id()).isEqualTo(first.id());
        assertThat(secondAccepted.id()).isEqualTo(second.id());
        assertThat(second.id()).as("each session has its own id").isNotEqualTo(first.id());
        assertThat(first.stats().sessionId()).isEqualTo(first.id());
        assertThat(firstAccepted.stats().sessionId()).isEqualTo(first.id());
    }

    @Test
    void required_R2_4_primaryPathIsTheDefaultPath() throws Exception {
        LoopbackServer server = h.server(builder -> {});
        KwikSession client = server.dial();
        KwikSession accepted = server.accept(WAIT);

        assertThat(client.pathId()).isEqualTo("p0");
        assertThat(accepted.pathId()).isEqualTo("p0");
        for (KwikSession session : List.of(client, accepted)) {
            List<PathInfo> active = session.activePaths();
            assertThat(active).as("%s active paths", session.role()).hasSize(1);
            PathInfo primary = active.get(0);
            assertThat(primary.id()).isEqualTo("p0");
            assertThat(primary.primary()).isTrue();
            assertThat(primary.status()).isEqualTo(PathStatus.ACTIVE);
            assertThat(session.deadPaths()).as("%s dead paths", session.role()).isEmpty();
            assertThat(session.allPaths()).extracting(PathInfo::id).containsExactly("p0");
        }
        assertThat(client.activePaths().get(0).address()).isEqualTo(server.address());
        assertThat(client.stats().paths()).containsKey("p0");
    }

    @Test
    void required_R2_1_untrustedCertificateIsRefused() throws Exception {
        LoopbackServer server = h.server(builder -> {});
        SelfSignedCertificate stranger = SelfSignedCertificate.generate();
        ClientConfig config = server.clientConfig()
                .trustedCertificates(List.of(stranger.certificate()))
                .handshakeTimeout(Duration.ofSeconds(5))
                .build();

        Future<KwikSession> dial = h.background(() -> server.dial(config));

        assertThatThrownBy(() -> await(dial)).isInstanceOf(IOException.class);
        KwikSession trusted = server.dial();
        assertThat(server.accept(WAIT).id()).as("the listener still serves trusted clients").isEqualTo(trusted.id());
    }

    @Test
    void required_R2_closeIsGracefulAndSeenByThePeer() throws Exception {
        LoopbackServer server = h.server(builder -> {});
        KwikSession client = server.dial();
        KwikSession accepted = server.accept(WAIT);
        Future<KwikStream> blockedAccept = h.background(() -> accepted.acceptStream());

        client.close();
        client.close();

        SessionClose local = await(client.closed().toCompletableFuture());
        assertThat(local.origin()).as("who closed it, locally: %s", local).isEqualTo(SessionClose.Origin.LOCAL);
        assertThat(local.graceful()).as("a graceful close: %s", local).isTrue();
        assertThat(local.cause()).isEmpty();
        SessionClose remote = await(accepted.closed().toCompletableFuture());
        assertThat(remote.origin()).as("the peer sees who closed it: %s", remote).isEqualTo(SessionClose.Origin.PEER);
        assertThat(remote.code()).as("the peer sees a graceful close").isEqualTo(ErrorCode.NONE);
        assertThat(remote.cause()).isEmpty();
        assertThatThrownBy(() -> await(blockedAccept)).isInstanceOf(KwikException.class);
        assertThatThrownBy(client::openStream)
                .isInstanceOfSatisfying(KwikException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.SESSION_CLOSED));
    }

    @Test
    void required_R2_serverCloseEndsTheClientSession() throws Exception {
        LoopbackServer server = h.server(builder -> {});
        KwikSession client = server.dial();
        KwikSession accepted = server.accept(WAIT);
        Future<KwikStream> blockedAccept = h.background(() -> client.acceptStream());

        accepted.close();

        assertThat(await(accepted.closed().toCompletableFuture()).origin()).isEqualTo(SessionClose.Origin.LOCAL);
        SessionClose seen = await(client.closed().toCompletableFuture());
        assertThat(seen.origin()).as("the client sees the server's close: %s", seen).isEqualTo(SessionClose.Origin.PEER);
        assertThat(seen.graceful()).as("the client sees a graceful close: %s", seen).isTrue();
        assertThatThrownBy(() -> await(blockedAccept)).isInstanceOf(KwikException.class);
    }

    @Test
    void required_R2_aClientsCloseCodeAndReasonReachThePrimary() throws Exception {
        closeWithCodeAndReason(true);
    }

    @Test
    void required_R2_aPrimarysCloseCodeAndReasonReachTheClient() throws Exception {
        closeWithCodeAndReason(false);
    }

    /** One end closes with a code and a reason after a byte-exact echo; the other end's {@code closed()} reports both. */
    private void closeWithCodeAndReason(boolean clientCloses) throws Exception {
        LoopbackServer server = h.server(builder -> {});
        KwikSession client = server.dial();
        KwikSession accepted = server.accept(WAIT);
        Future<KwikStream> blockedAccept = h.background(() -> client.acceptStream());
        h.echoEverything(accepted);
        byte[] payload = Digests.payload(clientCloses ? 1201 : 1202, 128 * 1024);
        assertThat(h.echoThrough(client, payload)).as("echo before the close").isEqualTo(Digest.of(payload));
        KwikSession closing = clientCloses ? client : accepted;
        KwikSession peer = clientCloses ? accepted : client;
        ErrorCode code = clientCloses ? ErrorCode.INTERNAL : ErrorCode.SESSION_CLOSED;
        String reason = (clientCloses ? "the client" : "the primary") + " gives up: shutting down for maintenance";

        assertThatThrownBy(() -> closing.close(ErrorCode.INTERNAL, "x".repeat(KwikSession.MAX_CLOSE_REASON_BYTES + 1)))
                .as("a reason too long for a close frame").isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> closing.close(ErrorCode.UNKNOWN, "")).isInstanceOf(IllegalArgumentException.class);
        closing.close(code, reason);
        closing.close(ErrorCode.NONE, "a second close does not count");

        SessionClose local = await(closing.closed().toCompletableFuture());
        assertThat(local.origin()).as("at the closing end: %s", local).isEqualTo(SessionClose.Origin.LOCAL);
        assertThat(local.code()).isEqualTo(code);
        assertThat(local.reason()).isEqualTo(reason);
        SessionClose remote = await(peer.closed().toCompletableFuture());
        assertThat(remote.origin()).as("at the peer: %s", remote).isEqualTo(SessionClose.Origin.PEER);
        assertThat(remote.code()).as("the code at the peer").isEqualTo(code);
        assertThat(remote.reason()).as("the reason at the peer").isEqualTo(reason);
        assertThat(remote.cause()).get().extracting(KwikException::code).isEqualTo(code);
        if (!clientCloses) {
            assertThatThrownBy(() -> await(blockedAccept)).as("the client's blocked accept")
                    .isInstanceOfSatisfying(KwikException.class, e -> assertThat(e.code()).isEqualTo(code));
        }
    }

    // ---------------------------------------------------------------- R4: byte-exact transfers

    @Test
    void required_R4_echoIsByteExact() throws Exception {
        LoopbackServer server = h.server(builder -> {});
        KwikSession client = server.dial();
        h.echoEverything(server.accept(WAIT));

        byte[] payload = Digests.payload(9, 4 << 20);
        assertThat(h.echoThrough(client, payload)).isEqualTo(Digest.of(payload));
    }

    @Test
    void required_R4_serverToClientTransferIsByteExactThroughByteBuffers() throws Exception {
        LoopbackServer server = h.server(builder -> {});
        KwikSession client = server.dial();
        KwikSession accepted = server.accept(WAIT);

        byte[] payload = Digests.payload(10, 4 << 20);
        KwikStream down = accepted.openStreamSync();
        Future<Integer> writer = h.background(() -> {
            int written = 0;
            ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK);
            for (int at = 0; at < payload.length; at += CHUNK) {
                buffer.clear();
                buffer.put(payload, at, Math.min(CHUNK, payload.length - at)).flip();
                int expected = buffer.remaining();
                assertThat(down.write(buffer)).isEqualTo(expected);
                assertThat(buffer.hasRemaining()).isFalse();
                written += expected;
            }
            down.shutdownOutput();
            return written;
        });
        KwikStream atClient = await(h.background(() -> client.acceptStream()));
        Digest received = await(h.background(() -> {
            MessageDigest sha = Digests.sha256();
            ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK);
            long size = 0;
            while (true) {
                buffer.clear();
                int n = atClient.read(buffer);
                if (n < 0) break;
                assertThat(n).isEqualTo(buffer.position());
                buffer.flip();
                sha.update(buffer);
                size += n;
            }
            return new Digest(size, HexFormat.of().formatHex(sha.digest()));
        }));

        assertThat(await(writer)).isEqualTo(payload.length);
        assertThat(received).isEqualTo(Digest.of(payload));
    }

    // ---------------------------------------------------------------- R7, R8, R10: logical streams

    @Test
    void required_R8_streamIdsAreUniqueAndCarryTheirInitiator() throws Exception {
        LoopbackServer server = h.server(builder -> {});
        KwikSession client = server.dial();
        KwikSession accepted = server.accept(WAIT);
        int each = 8;

        Map<Long, KwikStream> clientOpened = new HashMap<>();
        Map<Long, KwikStream> serverOpened = new HashMap<>();
        for (int i = 0; i < each; i++) {
            KwikStream a = client.openStreamSync();
            write(a, new byte[] {(byte) i});
            clientOpened.put(a.id(), a);
            KwikStream b = accepted.openStreamSync();
            write(b, new byte[] {(byte) i});
            serverOpened.put(b.id(), b);
        }
        Set<Long> acceptedByServer = new HashSet<>();
        Set<Long> acceptedByClient = new HashSet<>();
        for (int i = 0; i < each; i++) {
            acceptedByServer.add(await(h.background(() -> accepted.acceptStream())).id());
            acceptedByClient.add(await(h.background(() -> client.acceptStream())).id());
        }

        assertThat(clientOpened).hasSize(each);
        assertThat(serverOpened).hasSize(each);
        assertThat(clientOpened.keySet()).allMatch(id -> id % 2 == 0).doesNotContainAnyElementsOf(serverOpened.keySet());
        assertThat(serverOpened.keySet()).allMatch(id -> id % 2 == 1);
        assertThat(acceptedByServer).isEqualTo(clientOpened.keySet());
        assertThat(acceptedByClient).isEqualTo(serverOpened.keySet());
    }

    @Test
    void required_R10_concurrentStreamsAreEachByteExact() throws Exception {
        LoopbackServer server = h.server(builder -> {});
        KwikSession client = server.dial();
        h.echoEverything(server.accept(WAIT));
        int streams = 20;

        List<byte[]> payloads = new ArrayList<>();
        List<Future<Digest>> echoes = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            byte[] payload = Digests.payload(1000 + i, 256 * 1024 + i * 997);
            payloads.add(payload);
            echoes.add(h.background(() -> h.echoThrough(client, payload)));
        }
        for (int i = 0; i < streams; i++) {
            assertThat(await(echoes.get(i))).as("stream %d", i).isEqualTo(Digest.of(payloads.get(i)));
        }
    }

    @Test
    void required_R10_1_stalledStreamDoesNotBlockAnother() throws Exception {
        int window = 64 * 1024;
        LoopbackServer server = h.server(builder -> builder.streamReceiveWindow(window));
        KwikSession client = server.dial();
        KwikSession accepted = server.accept(WAIT);

        byte[] stalledPayload = Digests.payload(11, 32 * window);
        KwikStream stalled = client.openStreamSync();
        Future<Void> stalledWriter = h.background(() -> {
            writeAndFinish(stalled, stalledPayload);
            return null;
        });
        KwikStream stalledAtServer = await(h.background(() -> accepted.acceptStream()));
        assertThat(stalledAtServer.id()).isEqualTo(stalled.id());

        byte[] payload = Digests.payload(12, 8 * window);
        KwikStream moving = client.openStreamSync();
        Future<Void> movingWriter = h.background(() -> {
            writeAndFinish(moving, payload);
            return null;
        });
        KwikStream movingAtServer = await(h.background(() -> accepted.acceptStream()));
        assertThat(movingAtServer.id()).isEqualTo(moving.id());
        assertThat(h.drain(movingAtServer)).as("a stream whose reader keeps up").isEqualTo(Digest.of(payload));
        await(movingWriter);
        assertThat(stalledWriter.isDone()).as("the stalled writer is held back by its window").isFalse();

        assertThat(h.drain(stalledAtServer)).as("the stalled stream, read at last").isEqualTo(Digest.of(stalledPayload));
        await(stalledWriter);
    }

    @Test
    void required_R7_openStreamFailsFastAtTheStreamLimit() throws Exception {
        LoopbackServer server = h.server(builder -> builder.maxConcurrentStreams(2));
        KwikSession client = server.dial();
        KwikSession accepted = server.accept(WAIT);

        KwikStream first = client.openStream();
        KwikStream second = client.openStream();
        write(first, new byte[] {1});
        write(second, new byte[] {2});
        await(h.background(() -> accepted.acceptStream()));
        await(h.background(() -> accepted.acceptStream()));

        assertThatThrownBy(client::openStream)
                .isInstanceOfSatisfying(KwikException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.STREAM_LIMIT));
    }

    @Test
    void required_R7_openStreamSyncWaitsUntilAStreamIsClosedOnBothSides() throws Exception {
        LoopbackServer server = h.server(builder -> builder.maxConcurrentStreams(2));
        KwikSession client = server.dial();
        KwikSession accepted = server.accept(WAIT);

        KwikStream first = client.openStreamSync();
        KwikStream second = client.openStreamSync();
        write(first, new byte[] {1});
        write(second, new byte[] {2});
        Map<Long, KwikStream> atServer = new HashMap<>();
        for (int i = 0; i < 2; i++) {
            KwikStream stream = await(h.background(() -> accepted.acceptStream()));
            atServer.put(stream.id(), stream);
        }
        assertThat(atServer.keySet()).containsExactlyInAnyOrder(first.id(), second.id());

        Future<KwikStream> third = h.background(client::openStreamSync);
        assertThatThrownBy(() -> third.get(300, TimeUnit.MILLISECONDS))
                .as("openStreamSync waits while two streams are open").isInstanceOf(TimeoutException.class);

        first.shutdownOutput();
        KwikStream firstAtServer = atServer.get(first.id());
        assertThat(h.drain(firstAtServer)).isEqualTo(Digest.of(new byte[] {1}));
        byte[] reply = Digests.payload(13, 100);
        writeAndFinish(firstAtServer, reply);
        assertThat(h.drain(first)).isEqualTo(Digest.of(reply));

        KwikStream opened = await(third);
        byte[] payload = Digests.payload(14, 50_000);
        writeAndFinish(opened, payload);
        KwikStream openedAtServer = await(h.background(() -> accepted.acceptStream()));
        assertThat(openedAtServer.id()).isEqualTo(opened.id()).isNotIn(first.id(), second.id());
        assertThat(h.drain(openedAtServer)).isEqualTo(Digest.of(payload));
    }

    /**
     * The most common server: it reads the request line only, answers, and closes the stream
     * without reading to the end. Each such stream must be released, giving the client its
     * stream credit back, or the client's {@code openStreamSync()} waits forever once
     * {@code maxConcurrentStreams} of them are spent.
     */
    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void required_R7_aServerThatReadsOnlyTheRequestLineStillReleasesItsStreams() throws Exception {
        int maxConcurrentStreams = 100;
        int requests = 1000;
        LoopbackServer server = h.server(builder -> builder.maxConcurrentStreams(maxConcurrentStreams));
        KwikSession client = server.dial();
        KwikSession accepted = server.accept(WAIT);
        List<String> serverFailures = new CopyOnWriteArrayList<>();
        h.background(() -> {
            while (true) {
                KwikStream stream = accepted.acceptStream();
                try (stream) {
                    int request = Integer.parseInt(readLine(stream.inputStream()).substring("GET ".length()));
                    write(stream, answer(request));
                } catch (IOException | RuntimeException e) {
                    serverFailures.add("stream " + stream.id() + ": " + e);
                }
            }
        });

        for (int i = 0; i < requests; i++) {
            Future<KwikStream> opening = h.background(client::openStreamSync);
            KwikStream stream;
            try {
                stream = opening.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw new AssertionError("openStreamSync() waited " + WAIT + " for request " + i
                        + ": the server's closed streams did not give their slots back", e);
            }
            write(stream, ("GET " + i + "\n").getBytes(StandardCharsets.US_ASCII));
            // half the clients finish their request, half leave their direction open until the answer is in
            if (i % 2 == 0) stream.shutdownOutput();
            Digest answer;
            try {
                answer = h.drain(stream);
            } catch (TimeoutException e) {
                throw new AssertionError("answer " + i + " (stream " + stream.id() + ") did not end within " + WAIT
                        + "; the server's failures: " + serverFailures, e);
            }
            assertThat(answer).as("answer %d; the server's failures: %s", i, serverFailures).isEqualTo(Digest.of(answer(i)));
            stream.close();
        }
    }

    @Test
    void required_R7_closingWithInputUnreadStopsThePeersWrites() throws Exception {
        LoopbackServer server = h.server(builder -> {});
        KwikSession client = server.dial();
        KwikSession accepted = server.accept(WAIT);

        KwikStream stream = client.openStreamSync();
        byte[] chunk = Digests.payload(15, CHUNK);
        Future<Long> writer = h.background(() -> {
            long written = 0;
            while (true) {
                write(stream, chunk);
                written += chunk.length;
            }
        });
        KwikStream atServer = await(h.background(() -> accepted.acceptStream()));
        assertThat(await(h.background(() -> atServer.inputStream().readNBytes(CHUNK)))).isEqualTo(chunk);
        byte[] answer = Digests.payload(16, 10_000);
        write(atServer, answer);

        atServer.close();

        assertThatThrownBy(() -> await(writer)).as("the client's writes after the server closed")
                .isInstanceOfSatisfying(StreamResetException.class, e -> {
                    assertThat(e.streamId()).isEqualTo(stream.id());
                    assertThat(e.code()).isZero();
                    assertThat(e.byPeer()).isTrue();
                });
        assertThat(h.drain(stream)).as("what the server wrote before closing, then its FIN").isEqualTo(Digest.of(answer));
        assertThatThrownBy(() -> atServer.inputStream().read()).as("a read after close()")
                .isInstanceOf(IOException.class).hasMessageContaining("stream " + atServer.id() + " is closed");
        assertThatThrownBy(() -> write(atServer, new byte[] {1})).as("a write after close()").isInstanceOf(IOException.class);
        stream.close();

        h.echoEverything(accepted);
        byte[] payload = Digests.payload(17, 64 * 1024);
        assertThat(h.echoThrough(client, payload)).as("the session outlives a stopped stream").isEqualTo(Digest.of(payload));
    }

    @Test
    void required_R7_shutdownInputKeepsTheOutputOpen() throws Exception {
        LoopbackServer server = h.server(builder -> {});
        KwikSession client = server.dial();
        KwikSession accepted = server.accept(WAIT);

        KwikStream stream = client.openStreamSync();
        byte[] chunk = Digests.payload(18, CHUNK);
        Future<Long> writer = h.background(() -> {
            while (true) write(stream, chunk);
        });
        KwikStream atServer = await(h.background(() -> accepted.acceptStream()));
        assertThat(await(h.background(() -> atServer.inputStream().readNBytes(CHUNK)))).isEqualTo(chunk);

        atServer.inputStream().close();

        assertThat(atServer.inputStream().read()).as("a read after shutdownInput()").isEqualTo(-1);
        assertThatThrownBy(() -> await(writer)).as("the client's writes after the server stopped receiving")
                .isInstanceOfSatisfying(StreamResetException.class, e -> {
                    assertThat(e.code()).isZero();
                    assertThat(e.byPeer()).isTrue();
                });
        byte[] answer = Digests.payload(19, 300_000);
        Future<Void> answering = h.background(() -> {
            try (OutputStream out = atServer.outputStream()) {
                out.write(answer);
            }
            return null;
        });
        assertThat(h.drain(stream)).as("the server's direction after it stopped receiving").isEqualTo(Digest.of(answer));
        await(answering);
        atServer.shutdownOutput();
        atServer.close();
    }

    @Test
    void required_R7_aReadThatWaitsLongerThanTheReadTimeoutFailsAndTheStreamCarriesOn() throws Exception {
        Duration readTimeout = Duration.ofMillis(300);
        LoopbackServer server = h.server(builder -> {});
        KwikSession client = server.dial(server.clientConfig().readTimeout(readTimeout).build());
        KwikSession accepted = server.accept(WAIT);

        KwikStream stream = client.openStreamSync();
        byte[] request = Digests.payload(20, 1000);
        write(stream, request);
        KwikStream atServer = await(h.background(() -> accepted.acceptStream()));
        assertThat(await(h.background(() -> atServer.inputStream().readNBytes(request.length)))).isEqualTo(request);

        assertThatThrownBy(() -> await(h.background(() -> stream.inputStream().read())))
                .as("a read the server never answers")
                .isInstanceOfSatisfying(KwikTimeoutException.class, e -> {
                    assertThat(e.kind()).isEqualTo(KwikTimeoutException.Kind.READ);
                    assertThat(e.timeout()).isEqualTo(readTimeout);
                    assertThat(e.code()).isEqualTo(ErrorCode.TIMEOUT);
                });
        atServer.readTimeout(readTimeout);
        assertThatThrownBy(() -> await(h.background(() -> atServer.read(ByteBuffer.allocate(10)))))
                .as("a read on a stream given a read timeout of its own")
                .isInstanceOfSatisfying(KwikTimeoutException.class,
                        e -> assertThat(e.kind()).isEqualTo(KwikTimeoutException.Kind.READ));

        stream.readTimeout(null);
        byte[] answer = Digests.payload(21, 200_000);
        Future<Digest> reading = h.background(() -> Digest.of(stream.inputStream()));
        Thread.sleep(2 * readTimeout.toMillis());
        writeAndFinish(atServer, answer);
        assertThat(await(reading)).as("the stream after the timeouts, waiting without one").isEqualTo(Digest.of(answer));
        assertThat(client.closed().toCompletableFuture().isDone()).as("a read timeout leaves the session open").isFalse();
    }

    /** The answer to request {@code i}: its size and bytes depend on {@code i}. */
    private static byte[] answer(int i) {
        return Digests.payload(50_000 + i, 100 + i * 7 % 4000);
    }

    /** Reads up to and without the first {@code '\n'}, one byte at a time so that nothing past it is consumed. */
    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) throw new IOException("the stream ended inside the request line");
            line.append((char) b);
        }
        return line.toString();
    }

    // ---------------------------------------------------------------- fixtures and helpers

    private void assertResetSeen(KwikStream stream, long code) throws Exception {
        Future<Integer> reading = h.background(() -> {
            byte[] buffer = new byte[CHUNK];
            while (true) {
                if (stream.inputStream().read(buffer) < 0) {
                    return fail("stream %d ended with a FIN instead of a reset", stream.id());
                }
            }
        });
        assertThatThrownBy(() -> await(reading))
                .isInstanceOfSatisfying(StreamResetException.class, e -> {
                    assertThat(e.applicationErrorCode()).isEqualTo(code);
                    assertThat(e.code()).isEqualTo(code);
                    assertThat(e.byPeer()).isTrue();
                    assertThat(e.streamId()).isEqualTo(stream.id());
                });
        assertThatThrownBy(() -> write(stream, new byte[] {1}))
                .as("the peer's writes after a reset").isInstanceOf(StreamResetException.class);
    }
}
