package io.kwik.engine.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.security.KeyStore;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import com.code_intelligence.jazzer.junit.FuzzTest;

import io.kwik.api.ByteRange;
import io.kwik.api.ClientConfig;
import io.kwik.api.ErrorCode;
import io.kwik.api.KwikConfig;
import io.kwik.api.KwikException;
import io.kwik.api.KwikSession;
import io.kwik.api.ServerConfig;
import io.kwik.engine.multipath.PathDirectory;
import io.kwik.engine.session.ScriptedPeer.ScriptedConnection;
import io.kwik.engine.session.ScriptedPeer.Threads;
import io.kwik.engine.session.ScriptedPeer.Transport;
import io.kwik.engine.stream.LogicalStream;
import io.kwik.spi.ConnectionClose;

/**
 * Fuzzes the session handlers as a hostile peer reaches them: the primary ({@link PrimaryRole}),
 * a secondary ({@link SecondaryRole}) and the client ({@link ClientRole}), each behind the
 * {@link SessionCore} and the path reader that decode the peer's bytes, from the
 * authentication on. The peer is a {@link ScriptedPeer} playing the fuzzer's bytes on a
 * connection's control stream and data streams (and, for the client, on the secondaries it is
 * asked to join); no network is involved.
 *
 * <p>The property: whatever arrives, the engine takes it or closes the connection with a
 * protocol error code, never {@link ErrorCode#INTERNAL} (which a reader uses when a handler
 * threw something else) and never a code it does not know; no thread of the session dies of an
 * uncaught exception; every connection is closed and every thread of the session ends within
 * {@link ScriptedPeer#PATIENCE} (no hang); and when the session holds everything the peer sent,
 * what it holds is within its bounds: open streams, bytes buffered per stream (the receive
 * window: the test reads nothing), paths, relayed bytes waiting and receive reports.
 *
 * <p>The seed corpus (made by {@link SessionHandlersSeeds}) authenticates first, so that every
 * build reaches the handlers' frames.
 */
class SessionHandlersFuzzTest {
    private static final long WINDOW = 16 * 1024;
    private static final int MAX_STREAMS = 8;
    private static final long RAW_INBOX_BYTES = 64 * 1024;
    private static final char[] PASSWORD = "scripted".toCharArray();
    private static final KeyStore KEYS = keys();

    /** The primary server: the client authenticates as a primary path, then sends frames. */
    @FuzzTest(maxDuration = "10m")
    void primary(byte[] input) throws Exception {
        serve(input, server().build());
    }

    /** A secondary server: the client joins a session (joins without a token are accepted), then sends frames. */
    @FuzzTest(maxDuration = "10m")
    void secondary(byte[] input) throws Exception {
        serve(input, server().insecureAcceptUnauthenticatedJoins().build());
    }

    /**
     * The client: the primary answers its authentication, then sends frames, and asks it to
     * join secondaries, which the scripts of the next connections play.
     */
    @FuzzTest(maxDuration = "10m")
    void client(byte[] input) throws Exception {
        List<ScriptedPeer.ConnectionScript> scripts = ScriptedPeer.parse(input);
        Threads threads = new Threads();
        Transport transport = new Transport(scripts);
        ClientConfig config = limits(ClientConfig.builder()).insecureTrustAll().pathTimeout(Duration.ofSeconds(5))
                .controlBacklog(4).controlBacklogBytes(4096).maxDelegatedRangesPerPath(8).maxReceiptRanges(16).build();
        List<String> violations = new CopyOnWriteArrayList<>();
        CompletableFuture<EngineSession> dialed = new CompletableFuture<>();
        List<Long> ids = new ArrayList<>();
        scripts.forEach(script -> ids.addAll(script.streamIds()));
        Thread dialer = Thread.currentThread();
        transport.beforeControlEnds(() -> {
            // on the dialing thread the handshake has not returned a session: nothing to inspect yet
            if (Thread.currentThread() == dialer) return;
            try {
                EngineSession session = dialed.get(ScriptedPeer.PATIENCE.toNanos(), TimeUnit.NANOSECONDS);
                if (session != null) violations.addAll(bounds(session.core(), ids));
            } catch (Exception e) {
                violations.add("no session to inspect: " + e);
            }
        });
        KwikSession session = null;
        try {
            session = ClientDialer.handshake(transport, threads, Transport.address(0), config, ended -> { });
            dialed.complete((EngineSession) session);
        } catch (KwikException e) {
            dialed.complete(null);
            assertThat(allowed(e.wireCode())).as("the dial failed with %s", e).isTrue();
        } catch (IOException e) {
            dialed.complete(null);
            throw new AssertionError("the dial failed with an I/O error instead of a KwikException", e);
        }
        try {
            assertThat(ScriptedPeer.awaitClosed(transport.connections.subList(0, 1)))
                    .as(() -> "the primary path never closed; uncaught: " + threads.uncaught + "; threads:" + threads.whereAlive())
                    .isEmpty();
        } finally {
            if (session != null) session.close();
        }
        check(transport, threads, violations);
    }

    private static void serve(byte[] input, ServerConfig config) throws Exception {
        List<ScriptedPeer.ConnectionScript> scripts = ScriptedPeer.parse(input);
        Threads threads = new Threads();
        Transport transport = new Transport(scripts);
        List<String> violations = new CopyOnWriteArrayList<>();
        List<Long> ids = scripts.get(0).streamIds();
        EngineListener listener = EngineListener.bind(Transport.address(0), config, transport, threads);
        transport.beforeControlEnds(() -> {
            for (KwikSession session : listener.openSessions()) violations.addAll(bounds(((EngineSession) session).core(), ids));
        });
        try {
            transport.arrive();
            assertThat(ScriptedPeer.awaitClosed(transport.connections))
                    .as(() -> "connections the engine never closed; uncaught: " + threads.uncaught + "; threads:" + threads.whereAlive())
                    .isEmpty();
        } finally {
            listener.close();
        }
        check(transport, threads, violations);
    }

    private static void check(Transport transport, Threads threads, List<String> violations) throws InterruptedException {
        assertThat(ScriptedPeer.awaitClosed(transport.connections))
                .as(() -> "connections the engine never closed; uncaught: " + threads.uncaught + "; threads:" + threads.whereAlive())
                .isEmpty();
        List<String> alive = threads.awaitAll(ScriptedPeer.PATIENCE);
        assertThat(alive).as(() -> "session threads still running:" + threads.whereAlive()).isEmpty();
        // a join that finished after the first look opened one more connection
        assertThat(ScriptedPeer.awaitClosed(transport.connections)).as("connections the engine never closed").isEmpty();
        assertThat(threads.uncaught).as("uncaught exceptions in session threads").isEmpty();
        for (ScriptedConnection connection : transport.connections) {
            assertThat(connection.problems).as("the peer's waits").isEmpty();
            ConnectionClose close = connection.closeRecord();
            assertThat(allowed(close.errorCode())).as("closed with %s", close).isTrue();
        }
        assertThat(violations).as("bounds").isEmpty();
    }

    /** A close code this end may use for a peer's input: a protocol error, or a graceful close. */
    private static boolean allowed(long code) {
        ErrorCode known = ErrorCode.fromCode(code);
        return known != ErrorCode.INTERNAL && known != ErrorCode.UNKNOWN;
    }

    /** What the session holds beyond its bounds, as sentences; empty when all is well. */
    private static List<String> bounds(SessionCore core, List<Long> streamIds) {
        List<String> out = new ArrayList<>();
        int open = core.registry().openStreams();
        if (open > MAX_STREAMS) out.add(open + " open streams, more than " + MAX_STREAMS);
        for (long id : streamIds) {
            LogicalStream stream = core.registry().get(id);
            if (stream == null) continue;
            long held = 0;
            for (ByteRange range : stream.receivedRanges()) held += range.end() - range.start();
            if (held > WINDOW) out.add("stream " + id + " holds " + held + " bytes, more than its window of " + WINDOW);
        }
        SessionRole role = core.role();
        int paths = role.directory().all().size();
        if (paths > PathDirectory.MAX_PATHS) out.add(paths + " paths, more than " + PathDirectory.MAX_PATHS);
        int reports = role.clientReceived().size();
        if (reports > PathDirectory.MAX_PATHS) out.add(reports + " receive reports kept");
        if (role instanceof ServerRole server && server.inbox.bytes() > RAW_INBOX_BYTES) {
            out.add(server.inbox.bytes() + " relayed bytes waiting, more than " + RAW_INBOX_BYTES);
        }
        return out;
    }

    private static ServerConfig.Builder server() {
        return limits(ServerConfig.builder()).keyStore(KEYS, "server", PASSWORD).rawInboxBytes(RAW_INBOX_BYTES).acceptBacklog(4);
    }

    /** Small limits, so that a short input reaches them; short timeouts, so that waits end fast. */
    private static <B extends KwikConfig.Builder<B>> B limits(B builder) {
        return builder.streamReceiveWindow(WINDOW).maxConcurrentStreams(MAX_STREAMS).maxMessageSize(64 * 1024)
                .handshakeTimeout(Duration.ofSeconds(5)).streamCreationTimeout(Duration.ofMillis(20));
    }

    private static KeyStore keys() {
        try (InputStream in = SessionHandlersFuzzTest.class.getResourceAsStream("scripted-peer.p12")) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, PASSWORD);
            return store;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot load the test key store", e);
        }
    }
}
