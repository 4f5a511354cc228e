package io.kwik.tck;

import static io.kwik.tck.tools.Bounds.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.kwik.api.ClientConfig;
import io.kwik.api.Delegation;
import io.kwik.api.KwikSession;
import io.kwik.api.KwikStream;
import io.kwik.api.RawData;
import io.kwik.api.PathEvent;
import io.kwik.api.ErrorCode;
import io.kwik.api.SessionClose;
import io.kwik.tck.tools.Bounds;
import io.kwik.tck.tools.Digest;
import io.kwik.tck.tools.Harness;
import io.kwik.tck.tools.Digests;
import io.kwik.tck.tools.LoopbackServer;
import io.kwik.tck.tools.SelfSignedCertificate;
import io.kwik.tck.tools.SessionCluster;

/**
 * The edge of a transport: closes that must reach the peer, and what a hostile peer may not
 * do to a server (docs/ENGINE.md, "Closing" and "Security").
 *
 * <p>Every check is on an event or on bytes (sizes and SHA-256), never on a time alone: a close
 * that is lost shows as a session ended by its idle timeout instead of by the peer.
 *
 * @since 0.1.0
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class EdgeSuite extends BackendSuite {

    /** For a backend's test class, which extends this suite. */
    protected EdgeSuite() {
    }

    private static final System.Logger LOG = System.getLogger(EdgeSuite.class.getName());

    /**
     * The idle timeout of the servers whose sessions must see a close: short, so that a lost
     * close ends the session (as an idle timeout, which the test tells apart) within the waits.
     */
    private static final Duration SERVER_IDLE_TIMEOUT = Duration.ofSeconds(10);

    private static final int SESSIONS = 10;

    /** A delegated range larger than any test here lets the secondary finish. */
    private static final long BUSY_RANGE = 1L << 30;

    /** A path timeout no test here waits for: a death it finds would be the heartbeat's, not a close's. */
    private static final Duration SLOW_PATH_TIMEOUT = Duration.ofSeconds(20);

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
     * Ten sessions in a row, each a 64 KiB echo and then the client's {@code close()}: every
     * server session must end by the client's CONNECTION_CLOSE (its {@code closed()} completes
     * with origin {@code PEER} and code {@code NONE}), not by its idle timeout. A client whose transport stopped before its close
     * was sent fails this.
     */
    @Test
    void required_clientCloseReachesTheServer() throws Exception {
        LoopbackServer server = h.server(builder -> builder.idleTimeout(SERVER_IDLE_TIMEOUT));
        List<CompletableFuture<Ended>> ends = new ArrayList<>();
        for (int i = 0; i < SESSIONS; i++) {
            KwikSession client = server.dial();
            KwikSession accepted = server.accept(WAIT);
            h.echoEverything(accepted);
            byte[] payload = Digests.payload(900 + i, 64 * 1024);
            assertThat(h.echoThrough(client, payload)).as("echo of session %d", i).isEqualTo(Digest.of(payload));
            long closing = System.nanoTime();
            client.close();
            ends.add(accepted.closed().toCompletableFuture()
                    .thenApply(close -> new Ended(close, Duration.ofNanos(System.nanoTime() - closing))));
        }
        List<Ended> ended = new ArrayList<>();
        for (CompletableFuture<Ended> end : ends) ended.add(end.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        long withinTwoSeconds = ended.stream().filter(e -> e.after().compareTo(Duration.ofSeconds(2)) <= 0).count();
        LOG.log(System.Logger.Level.INFO, () -> provider().name() + " server, " + clientProvider().name()
                + " client: " + withinTwoSeconds + " of " + SESSIONS + " server sessions ended within 2 s of the client's close: "
                + ended);
        assertThat(ended).as("how each server session ended: the client's graceful close arrived")
                .extracting(end -> end.close().origin(), end -> end.close().code())
                .containsOnly(org.assertj.core.groups.Tuple.tuple(SessionClose.Origin.PEER, ErrorCode.NONE));
    }

    /**
     * A secondary's listener is closed while its path is idle: the client must learn it from
     * the server's CONNECTION_CLOSE ("the server closed the path"), not from its heartbeat,
     * which here would need the 20 s path timeout.
     */
    @Test
    void required_closingAnIdleListenerReachesItsClients() throws Exception {
        listenerCloseReachesTheClient(false);
    }

    /** The same while the secondary is writing a delegated range as fast as the client reads. */
    @Test
    void required_closingABusyListenerReachesItsClients() throws Exception {
        Assumptions.assumeTrue(clientReadsACloseAfterABurst(),
                "this pair's client is known to lose a close that follows a burst: see clientReadsACloseAfterABurst()");
        listenerCloseReachesTheClient(true);
    }

    /**
     * Whether this pair's client reads a secondary's CONNECTION_CLOSE that follows a burst of
     * data. A kwik client behind on a Netty secondary's burst missed it in 2 of 3 runs here: its
     * receiver later read ICMP port unreachable from the closed socket and kwik aborted the
     * connection (reported as "kwik aborted the connection without a close event"), while Netty
     * sends CONNECTION_CLOSE once and keeps no closing state that would repeat it. An interop
     * run with that pair overrides this to false; the path is then still declared dead at once,
     * only for the wrong reason.
     */
    protected boolean clientReadsACloseAfterABurst() {
        return true;
    }

    private void listenerCloseReachesTheClient(boolean busy) throws Exception {
        SessionCluster cluster = h.closeAfterTest(SessionCluster.builder()
                .primaryTransport(provider().name())
                .secondaryTransport(provider().name())
                .clientTransport(clientProvider().name())
                .certificate(Harness.sharedCertificate())
                .secondaries(1)
                .clients(clients -> clients.pathTimeout(SLOW_PATH_TIMEOUT))
                .start());
        SessionCluster.Session session = cluster.open(WAIT);
        KwikSession client = session.client();
        SessionCluster.Joined joined = session.joined().get(0);
        String secondaryPath = joined.path().id();
        CompletableFuture<String> ended = new CompletableFuture<>();
        client.addPathListener(event -> {
            if (!event.path().id().equals(secondaryPath)) return;
            if (event instanceof PathEvent.Dead dead) ended.complete("dead: " + dead.reason());
            else if (event instanceof PathEvent.Removed) ended.complete("removed");
        });
        byte[] payload = Digests.payload(950, 64 * 1024);
        h.echoEverything(session.primary());
        assertThat(h.echoThrough(client, payload)).as("echo on the primary path").isEqualTo(Digest.of(payload));
        if (busy) keepBusy(session, joined.session(), secondaryPath);

        cluster.secondary(0).close();

        assertThat(ended.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("how the client saw the listener close")
                .isEqualTo("dead: the server closed the path");
        assertThat(client.closed().toCompletableFuture().isDone()).as("the session outlives its secondary").isFalse();
    }

    /**
     * Makes the secondary write a large delegated range, 64 KiB at a time, while the client
     * reads; returns once a first MiB has reached the client, so the path is mid-transfer.
     */
    private void keepBusy(SessionCluster.Session session, KwikSession secondary, String path) throws Exception {
        KwikStream stream = session.primary().openStreamSync();
        stream.delegate(path, BUSY_RANGE, ByteBuffer.allocate(1));
        h.background(() -> {
            RawData raw = secondary.receiveRawData();
            Delegation range = raw.delegated().orElseThrow();
            KwikStream out = secondary.stream(range.streamId());
            byte[] chunk = Digests.payload(952, 64 * 1024);
            for (long at = range.offset(); at < range.offset() + range.length(); at += chunk.length) {
                out.writeAt(at, ByteBuffer.wrap(chunk));
            }
            return null;
        });
        CompletableFuture<Void> firstMiB = new CompletableFuture<>();
        h.background(() -> {
            InputStream in = session.client().acceptStream().inputStream();
            byte[] buffer = new byte[64 * 1024];
            long total = 0;
            for (int n; (n = in.read(buffer)) >= 0; ) {
                total += n;
                if (total >= 1 << 20) firstMiB.complete(null);
            }
            return null;
        });
        firstMiB.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * RFC 6125: a trusted certificate without a CN whose only name is {@code attacker.example}
     * must not pass for the server name the client dials ({@code localhost} here). A name check
     * that falls back to "every CN matches" accepted it.
     */
    @Test
    void required_aCertificateWithoutACommonNameForAnotherNameIsRefused() throws Exception {
        SelfSignedCertificate attacker = SelfSignedCertificate.withSubjectAndDnsNames("O=Attacker Ltd", List.of("attacker.example"));
        LoopbackServer server = h.closeAfterTest(LoopbackServer.start(provider().name(), clientProvider().name(), attacker, b -> {}));
        ClientConfig config = server.clientConfig().serverName(LoopbackServer.SERVER_NAME)
                .handshakeTimeout(Duration.ofSeconds(10)).build();

        Future<KwikSession> dial = h.background(() -> server.dial(config));

        assertThatThrownBy(() -> Bounds.await(dial)).as("dialing %s with a certificate for attacker.example only",
                LoopbackServer.SERVER_NAME).isInstanceOf(IOException.class).isNotInstanceOf(TimeoutException.class);
    }

    /** The same kind of certificate, without a CN, is accepted for the name it does carry. */
    @Test
    void required_aCertificateWithoutACommonNameServesItsDnsName() throws Exception {
        SelfSignedCertificate named = SelfSignedCertificate.withSubjectAndDnsNames("O=Loopback Ltd", List.of(LoopbackServer.SERVER_NAME));
        LoopbackServer server = h.closeAfterTest(LoopbackServer.start(provider().name(), clientProvider().name(), named, b -> {}));

        KwikSession client = server.dial();
        KwikSession accepted = server.accept(WAIT);
        h.echoEverything(accepted);
        byte[] payload = Digests.payload(960, 64 * 1024);

        assertThat(h.echoThrough(client, payload)).isEqualTo(Digest.of(payload));
    }

    /**
     * A secondary whose raw inbox holds 64 KiB at most receives sixteen 256 KiB relays from the
     * primary: the bound is in bytes, a message larger than it still enters an empty inbox, and
     * every relay arrives byte-exact and in order. (That a delivery past the bound waits is
     * {@code RawInboxTest}'s.)
     */
    @Test
    void required_aRawInboxBoundedInBytesStillDeliversEveryRelay() throws Exception {
        SessionCluster cluster = h.closeAfterTest(SessionCluster.builder()
                .primaryTransport(provider().name())
                .secondaryTransport(provider().name())
                .clientTransport(clientProvider().name())
                .certificate(Harness.sharedCertificate())
                .secondaries(1)
                .servers(servers -> servers.rawInboxBytes(64 * 1024))
                .clients(clients -> clients.pathTimeout(SLOW_PATH_TIMEOUT))
                .start());
        SessionCluster.Session session = cluster.open(WAIT);
        SessionCluster.Joined joined = session.joined().get(0);
        int relays = 16;
        Future<Void> sender = h.background(() -> {
            for (int i = 0; i < relays; i++) {
                session.primary().sendRawData(joined.path().id(), ByteBuffer.wrap(Digests.payload(970 + i, 256 * 1024)));
            }
            return null;
        });

        for (int i = 0; i < relays; i++) {
            RawData raw = h.background(() -> joined.session().receiveRawData()).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            ByteBuffer data = raw.data().duplicate();
            byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            assertThat(Digest.of(bytes)).as("relay %d", i).isEqualTo(Digest.of(Digests.payload(970 + i, 256 * 1024)));
        }
        Bounds.await(sender);
    }

    /**
     * A server that requires address validation (QUIC Retry) still serves a client: the
     * client's handshake takes the Retry, and a 256 KiB echo comes back byte-exact.
     */
    @Test
    void required_aServerRequiringAddressValidationServesClients() throws Exception {
        LoopbackServer server = h.server(builder -> builder.addressValidation(true));

        KwikSession client = server.dial();
        KwikSession accepted = server.accept(WAIT);
        h.echoEverything(accepted);
        byte[] payload = Digests.payload(980, 256 * 1024);

        assertThat(h.echoThrough(client, payload)).isEqualTo(Digest.of(payload));
    }

    /**
     * A listener keeps {@code maxConnections} connections at most: the dial past it fails with
     * an error (not a timeout), and the sessions it kept carry on.
     */
    @Test
    void required_connectionsPastTheBoundAreRefused() throws Exception {
        LoopbackServer server = h.server(builder -> builder.maxConnections(2));
        List<KwikSession> kept = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            kept.add(server.dial());
            h.echoEverything(server.accept(WAIT));
        }
        ClientConfig config = server.clientConfig().handshakeTimeout(Duration.ofSeconds(20)).build();

        Future<KwikSession> third = h.background(() -> server.dial(config));

        long dialing = System.nanoTime();
        assertThatThrownBy(() -> Bounds.await(third)).as("the dial past maxConnections")
                .isInstanceOf(IOException.class)
                .satisfies(e -> assertThat(e.getMessage()).as("a refusal, not a timeout: %s", e).doesNotContain("timed out"))
                .satisfies(e -> LOG.log(System.Logger.Level.INFO, () -> "the dial past maxConnections failed after "
                        + Duration.ofNanos(System.nanoTime() - dialing).toMillis() + " ms: " + e));
        for (KwikSession session : kept) {
            byte[] payload = Digests.payload(990, 64 * 1024);
            assertThat(h.echoThrough(session, payload)).as("a kept session").isEqualTo(Digest.of(payload));
        }
    }

    /** How a server session ended, and how long after the client's close. */
    private record Ended(SessionClose close, Duration after) {
        @Override
        public String toString() {
            return close.origin() + " " + close.code() + " after " + after.toMillis() + " ms";
        }
    }
}
