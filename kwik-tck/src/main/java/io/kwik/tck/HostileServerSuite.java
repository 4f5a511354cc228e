package io.kwik.tck;

import static io.kwik.tck.tools.Bounds.WAIT;
import static io.kwik.tck.tools.Bounds.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.google.protobuf.ByteString;

import io.kwik.api.ClientConfig;
import io.kwik.api.Delegation;
import io.kwik.api.ErrorCode;
import io.kwik.api.Kwik;
import io.kwik.api.KwikException;
import io.kwik.api.KwikSession;
import io.kwik.api.KwikStream;
import io.kwik.api.PathEvent;
import io.kwik.api.PathInfo;
import io.kwik.api.RawData;
import io.kwik.api.Refill;
import io.kwik.api.ServerConfig;
import io.kwik.api.SessionClose;
import io.kwik.proto.AuthenticationResponse;
import io.kwik.proto.ControlFrame;
import io.kwik.proto.RemovePathRequest;
import io.kwik.spi.ConnectionClose;
import io.kwik.spi.QuicConnection;
import io.kwik.spi.QuicServer;
import io.kwik.spi.QuicStream;
import io.kwik.spi.QuicTransport;
import io.kwik.spi.ServerTransportConfig;
import io.kwik.spi.TransportContext;
import io.kwik.spi.TransportLimits;
import io.kwik.tck.tools.Bounds;
import io.kwik.tck.tools.Digest;
import io.kwik.tck.tools.Harness;
import io.kwik.tck.tools.Digests;
import io.kwik.tck.tools.LoopbackServer;
import io.kwik.tck.tools.SelfSignedCertificate;
import io.kwik.tck.tools.SessionCluster;
import io.kwik.tck.tools.ThreadCensus;

/**
 * Servers that break the rules of a session, through real QUIC (issue 18; docs/ENGINE.md,
 * "Hostile peers"). A secondary is written against the public API only, and misuses it:
 * it writes bytes of a stream that were never delegated to it, or scatters its own range
 * into one-byte pieces. The client must close only that secondary's path, with its code,
 * deliver the primary's bytes byte-exact (SHA-256), and keep the session working. A hostile
 * primary, spoken by hand on a raw QUIC server, floods path requests without reading its
 * control stream: the client must close it with a code rather than start a thread per
 * request (threads are counted from a thread dump, which includes virtual threads).
 *
 * @since 0.1.0
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class HostileServerSuite extends BackendSuite {

    /** For a backend's test class, which extends this suite. */
    protected HostileServerSuite() {
    }

    private static final int MIB = 1 << 20;
    /** The stream receive window of every party here: room for the whole of each test stream. */
    private static final long WINDOW = 16 << 20;
    /** A path timeout no loaded build machine reaches with a healthy path. */
    private static final Duration RELAXED_PATH_TIMEOUT = Duration.ofSeconds(10);
    private static final SecureRandom RANDOM = new SecureRandom();

    private Harness h;

    @BeforeEach
    final void openHarness() {
        h = new Harness(provider(), clientProvider());
    }

    @AfterEach
    final void closeHarness() throws Exception {
        h.close();
    }

    /**
     * Issue 18 #7: a secondary delegated [1 MiB, 2 MiB) of a 4 MiB stream writes its range,
     * then 64 KiB of garbage at 2 MiB before the primary has written its own bytes there. The
     * client must close the secondary's path with INVALID_FRAME and read the primary's bytes.
     */
    @Test
    void required_R4_garbageOutsideItsDelegatedRangeClosesOnlyThatSecondaryAndTheStreamStaysByteExact() throws Exception {
        SessionCluster.Session session = cluster(1, servers -> {}).open(WAIT);
        KwikSession client = session.client();
        KwikSession primary = session.primary();
        KwikSession secondary = session.server("p1");
        PathEvents clientEvents = listen(client);
        PathEvents primaryEvents = listen(primary);
        byte[] whole = Digests.payload(1807, 4 * MIB);

        CompletableFuture<Digest> received = async(() -> Digest.of(client.acceptStream().inputStream()));
        CompletableFuture<Delegation> hostile = async(() -> {
            RawData raw = secondary.receiveRawData();
            Delegation range = raw.delegated().orElseThrow();
            KwikStream stream = secondary.stream(range.streamId());
            stream.writeAt(range.offset(), ByteBuffer.wrap(whole, (int) range.offset(), (int) range.length()));
            writeIgnoringTheClose(stream, 2L * MIB, randomBytes(64 * 1024));
            return range;
        });

        KwikStream stream = primary.openStreamSync();
        stream.write(ByteBuffer.wrap(whole, 0, MIB));
        CompletableFuture<Delegation> delegated = stream.delegate("p1", MIB, ByteBuffer.wrap(new byte[] {1}))
                .exceptionallyCompose(Refill.from(stream, (offset, length) -> ByteBuffer.wrap(whole, (int) offset, length)));
        assertThat(await(hostile)).isEqualTo(new Delegation("p1", stream.id(), MIB, MIB));
        // the garbage is at the client before the primary writes there: the path's end says so
        PathEvent.Dead dead = clientEvents.await(PathEvent.Dead.class, "p1");
        primaryEvents.await(PathEvent.Dead.class, "p1");
        stream.write(ByteBuffer.wrap(whole, 2 * MIB, 2 * MIB));
        await(delegated);
        stream.close();

        assertThat(await(received)).as("the client's stream").isEqualTo(Digest.of(whole));
        assertThat(dead.reason()).contains("outside the ranges delegated");
        assertSecondaryClosedWith(secondary, ErrorCode.INVALID_FRAME);
        assertOnlyTheSecondaryEnded(session);
    }

    /**
     * Issue 18 #7, inside the range: a secondary delegated [1 MiB, 2 MiB) of a 3 MiB stream
     * with the range's SHA-256 writes bytes of the right length, one of them wrong. The client
     * must not deliver them: it closes the secondary's path with INVALID_FRAME, the delegation
     * fails naming the range, the primary refills it and the stream is byte-exact.
     */
    @Test
    void required_R4_aSecondaryLyingInsideARangeWithADigestIsRefusedAndThePrimaryRefillsIt() throws Exception {
        SessionCluster.Session session = cluster(1, servers -> {}).open(WAIT);
        KwikSession client = session.client();
        KwikSession primary = session.primary();
        KwikSession secondary = session.server("p1");
        PathEvents clientEvents = listen(client);
        byte[] whole = Digests.payload(1812, 3 * MIB);

        CompletableFuture<Digest> received = async(() -> Digest.of(client.acceptStream().inputStream()));
        CompletableFuture<Delegation> liar = async(() -> {
            RawData raw = secondary.receiveRawData();
            Delegation range = raw.delegated().orElseThrow();
            byte[] lie = Arrays.copyOfRange(whole, (int) range.offset(), (int) range.end());
            lie[lie.length / 2] ^= 0x5a;
            writeIgnoringTheClose(secondary.stream(range.streamId()), range.offset(), lie);
            return range;
        });

        KwikStream stream = primary.openStreamSync();
        stream.write(ByteBuffer.wrap(whole, 0, MIB));
        AtomicInteger refilled = new AtomicInteger();
        CompletableFuture<Delegation> delegated = stream.delegate("p1", MIB, ByteBuffer.wrap(new byte[] {1}), sha256(whole, MIB, MIB))
                .exceptionallyCompose(Refill.from(stream, (offset, length) -> {
                    refilled.addAndGet(length);
                    return ByteBuffer.wrap(whole, (int) offset, length);
                }));
        stream.write(ByteBuffer.wrap(whole, 2 * MIB, MIB));
        assertThat(await(liar)).isEqualTo(new Delegation("p1", stream.id(), MIB, MIB));
        await(delegated);
        stream.close();

        assertThat(await(received)).as("the client's stream").isEqualTo(Digest.of(whole));
        assertThat(refilled.get()).as("bytes the primary refilled").isEqualTo(MIB);
        assertThat(clientEvents.await(PathEvent.Dead.class, "p1").reason()).contains("SHA-256");
        assertSecondaryClosedWith(secondary, ErrorCode.INVALID_FRAME);
        assertOnlyTheSecondaryEnded(session);
    }

    /**
     * An honest secondary delegated two ranges with their SHA-256, written in pieces and out
     * of order: both delegations complete, the stream is byte-exact and the path stays. A
     * range the client could not hold whole within its window is refused at the primary.
     */
    @Test
    void required_R4_anHonestSecondaryWithDigestsDeliversByteExact() throws Exception {
        SessionCluster.Session session = cluster(1, servers -> {}).open(WAIT);
        KwikSession client = session.client();
        KwikSession primary = session.primary();
        KwikSession secondary = session.server("p1");
        byte[] whole = Digests.payload(1813, 4 * MIB);

        CompletableFuture<Digest> received = async(() -> Digest.of(client.acceptStream().inputStream()));
        CompletableFuture<Void> honest = async(() -> {
            for (int i = 0; i < 2; i++) {
                Delegation range = secondary.receiveRawData().delegated().orElseThrow();
                KwikStream stream = secondary.stream(range.streamId());
                int half = (int) range.length() / 2;
                stream.writeAt(range.offset() + half, ByteBuffer.wrap(whole, (int) range.offset() + half, (int) range.length() - half));
                stream.writeAt(range.offset(), ByteBuffer.wrap(whole, (int) range.offset(), half));
            }
            return null;
        });

        KwikStream stream = primary.openStreamSync();
        assertThatThrownBy(() -> stream.delegate("p1", WINDOW / 2 + 1, ByteBuffer.wrap(new byte[] {1}), new byte[32]))
                .as("a range larger than half the client's window").isInstanceOf(IllegalArgumentException.class);
        stream.write(ByteBuffer.wrap(whole, 0, MIB));
        CompletableFuture<Delegation> first = stream.delegate("p1", MIB, ByteBuffer.wrap(new byte[] {1}), sha256(whole, MIB, MIB));
        CompletableFuture<Delegation> second = stream.delegate("p1", MIB, ByteBuffer.wrap(new byte[] {2}), sha256(whole, 2 * MIB, MIB));
        stream.write(ByteBuffer.wrap(whole, 3 * MIB, MIB));
        await(honest);
        assertThat(await(first)).isEqualTo(new Delegation("p1", stream.id(), MIB, MIB));
        assertThat(await(second)).isEqualTo(new Delegation("p1", stream.id(), 2L * MIB, MIB));
        stream.close();

        assertThat(await(received)).as("the client's stream").isEqualTo(Digest.of(whole));
        assertThat(client.activePaths()).extracting(PathInfo::id).containsExactlyInAnyOrder("p0", "p1");
        assertThat(client.closed().toCompletableFuture().isDone()).as("the session is still open").isFalse();
    }

    /**
     * Issue 18 #8: a secondary writes one stray byte at offset 1000 of a stream it was never
     * delegated; the primary then finishes the stream at offset 5. Only the secondary's path
     * may close; the client reads the primary's 5 bytes.
     */
    @Test
    void required_R4_aStrayByteFromASecondaryClosesOnlyItsPath() throws Exception {
        SessionCluster.Session session = cluster(1, servers -> {}).open(WAIT);
        KwikSession client = session.client();
        KwikSession primary = session.primary();
        KwikSession secondary = session.server("p1");
        PathEvents clientEvents = listen(client);
        byte[] five = Digests.payload(1808, 5);

        KwikStream stream = primary.openStreamSync();
        stream.write(ByteBuffer.wrap(five, 0, 3));
        KwikStream atClient = await(async(client::acceptStream));
        CompletableFuture<Digest> received = async(() -> Digest.of(atClient.inputStream()));

        writeIgnoringTheClose(secondary.stream(stream.id()), 1000, new byte[] {42});
        PathEvent.Dead dead = clientEvents.await(PathEvent.Dead.class, "p1");
        stream.write(ByteBuffer.wrap(five, 3, 2));
        stream.close();

        assertThat(await(received)).as("the client's stream").isEqualTo(Digest.of(five));
        assertThat(dead.reason()).contains("outside the ranges delegated");
        assertSecondaryClosedWith(secondary, ErrorCode.INVALID_FRAME);
        assertOnlyTheSecondaryEnded(session);
    }

    /**
     * Issue 18 #9: a secondary writes every other byte of its delegated range, one byte at a
     * time, so the client holds thousands of separate pieces, then fills the holes. The
     * primary accepts messages of 16 KiB at most; the client's receipts must stay below it,
     * the delegation must complete, and the stream must be byte-exact.
     */
    @Test
    void required_R4_aSecondaryThatScattersItsRangeCannotMakeAReceiptTooLarge() throws Exception {
        int pieces = 6000;
        SessionCluster.Session session = cluster(1, servers -> servers.maxMessageSize(16 * 1024)).open(WAIT);
        KwikSession client = session.client();
        KwikSession primary = session.primary();
        KwikSession secondary = session.server("p1");
        byte[] whole = Digests.payload(1809, 2 * pieces);

        CompletableFuture<Digest> received = async(() -> Digest.of(client.acceptStream().inputStream()));
        CompletableFuture<Void> scattering = async(() -> {
            RawData raw = secondary.receiveRawData();
            Delegation range = raw.delegated().orElseThrow();
            KwikStream stream = secondary.stream(range.streamId());
            for (int i = 1; i < whole.length; i += 2) stream.writeAt(i, ByteBuffer.wrap(whole, i, 1));
            stream.writeAt(0, ByteBuffer.wrap(whole));
            return null;
        });
        KwikStream stream = primary.openStreamSync();
        CompletableFuture<Delegation> delegated = stream.delegate("p1", whole.length, ByteBuffer.wrap(new byte[] {1}));
        await(scattering);
        assertThat(await(delegated)).isEqualTo(new Delegation("p1", stream.id(), 0, whole.length));
        stream.close();

        assertThat(await(received)).as("the client's stream").isEqualTo(Digest.of(whole));
        assertThat(client.closed().toCompletableFuture().isDone()).as("the session is still open").isFalse();
        assertThat(client.activePaths()).extracting(PathInfo::id).containsExactlyInAnyOrder("p0", "p1");
        byte[] after = Digests.payload(1810, 100_000);
        assertThat(deliver(primary, client, after)).isEqualTo(Digest.of(after));
    }

    /**
     * Issue 18 #3: a primary that sends RemovePathRequests without ever reading its control
     * stream. The client must close the primary path with FLOW_CONTROL once its bounded
     * backlog is full, instead of parking a thread per request.
     */
    @Test
    void required_R12_aPrimaryFloodingPathRequestsIsClosedWithACode() throws Exception {
        SelfSignedCertificate certificate = Harness.sharedCertificate();
        QuicTransport raw = h.closeAfterTest(provider().create(TransportContext.of("hostile-primary")));
        // small windows, so the client's answers stop flowing soon after the primary stops reading
        TransportLimits limits = new TransportLimits(Duration.ofSeconds(30), Duration.ZERO, 64 * 1024, 64 * 1024, 100, 0);
        CompletableFuture<QuicConnection> accepted = new CompletableFuture<>();
        QuicServer server = raw.bind(new InetSocketAddress(SessionCluster.HOST, 0),
                new ServerTransportConfig("kwik/1", certificate.chain(), certificate.privateKey(), limits), accepted::complete);
        h.closeAfterTest(server::close);
        ClientConfig config = ClientConfig.builder().transport(clientProvider().name())
                .trustedCertificates(List.of(certificate.certificate())).serverName(LoopbackServer.SERVER_NAME)
                .handshakeTimeout(LoopbackServer.HANDSHAKE_TIMEOUT).build();

        CompletableFuture<KwikSession> dialed = async(() -> Kwik.dial(server.localAddress(), config));
        QuicConnection connection = await(accepted);
        h.closeAfterTest(connection);
        QuicStream control = connection.acceptStream();
        InputStream in = control.input();
        OutputStream out = control.output();
        ControlFrame hello = ControlFrame.parseDelimitedFrom(in);
        assertThat(hello.hasAuthenticationRequest()).as("the client's first frame: %s", hello).isTrue();
        byte[] sessionId = new byte[16];
        RANDOM.nextBytes(sessionId);
        ControlFrame.newBuilder().setAuthenticationResponse(AuthenticationResponse.newBuilder()
                .setSessionId(ByteString.copyFrom(sessionId)).setPathId("p0").setVersion(1).setMaxStreams(100)
                .setStreamReceiveWindow(1 << 20).setMaxMessageSize(1 << 20)).build().writeDelimitedTo(out);
        out.flush();
        KwikSession client = await(dialed);

        // never read again: every answer the client owes stays in its queues
        byte[] request = ControlFrame.newBuilder().setRemovePathRequest(RemovePathRequest.newBuilder().setPathId("p9"))
                .build().toByteArray();
        byte[] delimited = new byte[request.length + 1];
        delimited[0] = (byte) request.length;
        System.arraycopy(request, 0, delimited, 1, request.length);
        byte[] batch = new byte[delimited.length * 1000];
        for (int i = 0; i < 1000; i++) System.arraycopy(delimited, 0, batch, i * delimited.length, delimited.length);
        // on a thread of its own: a backend may interrupt a writer blocked when the connection closes
        AtomicInteger sent = new AtomicInteger();
        int before = ThreadCensus.liveThreads();
        AtomicInteger most = new AtomicInteger(before);
        async(() -> {
            try {
                while (!connection.closed().toCompletableFuture().isDone() && sent.get() < 2_000_000) {
                    out.write(batch);
                    out.flush();
                    // every few thousand requests: the threads the client needs must not grow with them
                    if (sent.addAndGet(1000) % 4000 == 0) most.accumulateAndGet(ThreadCensus.liveThreads(), Math::max);
                }
            } catch (IOException e) {
                // the client closed the connection under the flood
            }
            return null;
        });

        ConnectionClose close = connection.closed().toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        System.out.printf("[%s] the client closed the flooding primary after about %d requests: %s%n",
                provider().name(), sent.get(), close);
        System.out.printf("[%s] live threads: %d before the flood, %d at most during it%n", provider().name(), before, most.get());
        assertThat(close.origin()).isEqualTo(ConnectionClose.Origin.PEER);
        assertThat(close.errorCode()).isEqualTo(ErrorCode.FLOW_CONTROL.code());
        assertThat(most.get() - before).as("threads added during a flood of %d requests", sent.get()).isLessThan(200);
        SessionClose ended = client.closed().toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(ended.origin()).as("this end found the flood").isEqualTo(SessionClose.Origin.LOCAL);
        assertThat(ended.code()).isEqualTo(ErrorCode.FLOW_CONTROL);
        assertThat(ended.cause()).get().extracting(KwikException::code).isEqualTo(ErrorCode.FLOW_CONTROL);
    }

    // ---------------------------------------------------------------- helpers

    /** The client's end of the session after a secondary was closed: it still works, with the primary alone. */
    private void assertOnlyTheSecondaryEnded(SessionCluster.Session session) throws Exception {
        KwikSession client = session.client();
        assertThat(client.deadPaths()).extracting(PathInfo::id).containsExactly("p1");
        assertThat(client.activePaths()).extracting(PathInfo::id).containsExactly("p0");
        assertThat(client.closed().toCompletableFuture().isDone()).as("the session is still open").isFalse();
        byte[] after = Digests.payload(1811, 300_000);
        assertThat(deliver(session.primary(), client, after)).as("a stream after the secondary's end").isEqualTo(Digest.of(after));
    }

    private static void assertSecondaryClosedWith(KwikSession secondary, ErrorCode code) throws Exception {
        SessionClose closed = secondary.closed().toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(closed.origin()).as("who ended the secondary's session: %s", closed).isEqualTo(SessionClose.Origin.PEER);
        assertThat(closed.code()).as("the code the client closed the secondary with").isEqualTo(code);
    }

    /** A new stream from {@code primary}, read by {@code client}. */
    private Digest deliver(KwikSession primary, KwikSession client, byte[] bytes) throws Exception {
        CompletableFuture<Digest> received = async(() -> Digest.of(client.acceptStream().inputStream()));
        KwikStream stream = primary.openStreamSync();
        stream.write(ByteBuffer.wrap(bytes));
        stream.close();
        return await(received);
    }

    /** Writes as a hostile secondary does; the client may close the path before the write returns. */
    private static void writeIgnoringTheClose(KwikStream stream, long offset, byte[] bytes) {
        try {
            stream.writeAt(offset, ByteBuffer.wrap(bytes));
        } catch (IOException e) {
            // the path closed under the write: what the client did is what the test checks
        }
    }

    private SessionCluster cluster(int secondaries, Consumer<ServerConfig.Builder> servers) throws IOException {
        return h.closeAfterTest(sessionCluster()
                .secondaries(secondaries)
                .servers(builder -> servers.accept(builder.streamReceiveWindow(WINDOW)))
                .clients(builder -> builder.streamReceiveWindow(WINDOW).pathTimeout(RELAXED_PATH_TIMEOUT))
                .start());
    }

    private static PathEvents listen(KwikSession session) {
        PathEvents events = new PathEvents();
        session.addPathListener(events);
        return events;
    }

    /** Runs {@code task} on a virtual thread of the test, as a {@link CompletableFuture}. */
    private <T> CompletableFuture<T> async(Callable<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        h.background(() -> {
            try {
                result.complete(task.call());
            } catch (Throwable e) {
                result.completeExceptionally(e instanceof CompletionException c && c.getCause() != null ? c.getCause() : e);
            }
            return null;
        });
        return result;
    }

    private static byte[] sha256(byte[] bytes, int offset, int length) {
        MessageDigest sha = Digests.sha256();
        sha.update(bytes, offset, length);
        return sha.digest();
    }

    private static byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    /** A session's path events, in order; waits for one. */
    private static final class PathEvents implements Consumer<PathEvent> {
        private final List<PathEvent> events = new ArrayList<>();

        @Override
        public synchronized void accept(PathEvent event) {
            events.add(event);
            notifyAll();
        }

        /** The first event of {@code type} about {@code pathId}, waiting at most {@link Bounds#WAIT}. */
        synchronized <T extends PathEvent> T await(Class<T> type, String pathId) throws InterruptedException, TimeoutException {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (true) {
                for (PathEvent event : events) {
                    if (type.isInstance(event) && event.path().id().equals(pathId)) return type.cast(event);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException("no " + type.getSimpleName() + " event for " + pathId + " within " + WAIT
                            + "; seen: " + events);
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }
    }
}
