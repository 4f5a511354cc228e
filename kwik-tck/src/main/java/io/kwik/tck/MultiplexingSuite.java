package io.kwik.tck;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.kwik.api.KwikSession;
import io.kwik.api.KwikStream;
import io.kwik.api.ServerConfig;
import io.kwik.tck.tools.Bounds;
import io.kwik.tck.tools.Digests;
import io.kwik.tck.tools.LoopbackServer;
import io.kwik.tck.tools.SelfSignedCertificate;

/**
 * Logical streams on real streams (docs/PROTOCOL.md 4.3; R7, R10.1, R13): the multiplexing ratio, real
 * streams following demand up and down, isolation of a stalled stream from the streams that
 * share its real stream, and a thousand concurrent streams on one session. Every transfer is
 * checked by size and SHA-256.
 *
 * @since 0.1.0
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class MultiplexingSuite extends BackendSuite {

    /** For a backend's test class, which extends this suite. */
    protected MultiplexingSuite() {
    }

    private static final Duration WAIT = Bounds.scaled(Duration.ofSeconds(60));
    private static final Duration IDLE = Duration.ofMillis(300);

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    final void closeResources() throws Exception {
        for (AutoCloseable resource : resources.reversed()) resource.close();
    }

    private LoopbackServer server(int maxStreams) throws IOException {
        LoopbackServer server = LoopbackServer.start(provider().name(), clientProvider().name(), SelfSignedCertificate.generate(),
                builder -> configure(builder, maxStreams));
        resources.add(server);
        return server;
    }

    private static void configure(ServerConfig.Builder builder, int maxStreams) {
        builder.maxConcurrentStreams(maxStreams).realStreamIdleTimeout(IDLE);
    }

    private KwikSession dial(LoopbackServer server, int maxStreams) throws IOException {
        return server.dial(server.clientConfig().maxConcurrentStreams(maxStreams).realStreamIdleTimeout(IDLE).build());
    }

    private static int realStreams(KwikSession session) {
        return session.stats().paths().get(session.pathId()).openRealStreams();
    }

    private static void awaitValue(String what, IntSupplier value, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        int seen;
        while ((seen = value.getAsInt()) != expected) {
            if (System.nanoTime() > deadline) throw new AssertionError(what + " stayed at " + seen + ", expected " + expected);
            Thread.sleep(20);
        }
    }

    private static String sha256(InputStream in, long[] size) throws IOException {
        MessageDigest digest = Digests.sha256();
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        int n;
        while ((n = in.read(buffer)) >= 0) {
            digest.update(buffer, 0, n);
            total += n;
        }
        size[0] = total;
        return HexFormat.of().formatHex(digest.digest());
    }

    private static void writeExactly(OutputStream out, byte[] payload) throws IOException {
        for (int off = 0; off < payload.length; off += 64 * 1024) out.write(payload, off, Math.min(64 * 1024, payload.length - off));
    }

    /** Accepts every stream of {@code session} and echoes it, each on its own virtual thread. */
    private static void echoAll(KwikSession session) {
        Thread.ofVirtual().name("tck-echo-acceptor").start(() -> {
            try {
                while (true) {
                    KwikStream stream = session.acceptStream();
                    Thread.ofVirtual().start(() -> {
                        try (stream) {
                            stream.inputStream().transferTo(stream.outputStream());
                        } catch (IOException e) {
                            stream.reset(1);
                        }
                    });
                }
            } catch (IOException | InterruptedException e) {
                // the session ended: the test's assertions report what mattered
            }
        });
    }

    @Test
    void required_R7_3_sixteenStreamsShareFourRealStreamsAndTheRealStreamsCloseWhenIdle() throws Exception {
        LoopbackServer server = server(100);
        KwikSession client = dial(server, 100);
        KwikSession accepted = server.accept(WAIT);
        List<KwikStream> streams = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            KwikStream stream = client.openStream();
            stream.outputStream().write(Digests.payload(i, 1000));
            streams.add(stream);
        }
        List<KwikStream> peers = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            KwikStream peer = accepted.acceptStream(WAIT);
            assertThat(peer).as("stream %d reached the server", i).isNotNull();
            assertThat(peer.inputStream().readNBytes(1000)).hasSize(1000);
            peers.add(peer);
        }
        assertThat(realStreams(client)).as("real streams for 16 logical streams at ratio 4").isEqualTo(4);

        for (KwikStream stream : streams) stream.shutdownOutput();
        for (KwikStream peer : peers) {
            assertThat(peer.inputStream().read()).isEqualTo(-1);
            peer.close();
        }
        for (KwikStream stream : streams) assertThat(stream.inputStream().read()).isEqualTo(-1);
        awaitValue("client real streams after every logical stream ended", () -> realStreams(client), 0);
        awaitValue("server real streams after every logical stream ended", () -> realStreams(accepted), 0);
    }

    @Test
    void required_R7_4_growingFromFourToFortyStreamsGrowsTheRealStreamsToTen() throws Exception {
        LoopbackServer server = server(100);
        KwikSession client = dial(server, 100);
        echoAll(server.accept(WAIT));
        List<KwikStream> streams = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            KwikStream stream = client.openStream();
            stream.outputStream().write(i);
            assertThat(stream.inputStream().read()).isEqualTo(i);
            streams.add(stream);
            if (i == 3) assertThat(realStreams(client)).as("real streams for 4 logical streams").isEqualTo(1);
        }
        // 10 the client opened; the echoing server may have opened one of its own for its replies
        // in the instant before it adopted the client's newest, and the client may send on that too
        assertThat(realStreams(client)).as("real streams for 40 logical streams").isBetween(10, 12);
        for (KwikStream stream : streams) {
            stream.shutdownOutput();
            assertThat(stream.inputStream().read()).isEqualTo(-1);
        }
        awaitValue("client real streams after the 40 streams ended", () -> realStreams(client), 0);
    }

    @Test
    void required_R10_1_aStreamNobodyReadsNeverBlocksTheStreamsSharingItsRealStream() throws Exception {
        LoopbackServer server = server(100);
        KwikSession client = dial(server, 100);
        KwikSession accepted = server.accept(WAIT);
        int size = 16 << 20;
        List<KwikStream> streams = new ArrayList<>();
        for (int i = 0; i < 4; i++) streams.add(client.openStream());

        // stream 0 writes far past its window and is never read: its writer must block alone
        KwikStream stalled = streams.get(0);
        AtomicInteger stalledWritten = new AtomicInteger();
        Thread stalledWriter = Thread.ofVirtual().start(() -> {
            try {
                byte[] chunk = new byte[64 * 1024];
                while (true) {
                    stalled.outputStream().write(chunk);
                    stalledWritten.addAndGet(chunk.length);
                }
            } catch (IOException e) {
                // the session closes at the end of the test
            }
        });
        List<CompletableFuture<Void>> writers = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (int i = 1; i < 4; i++) {
            byte[] payload = Digests.payload(100 + i, size);
            expected.add(Digests.sha256Hex(payload));
            KwikStream stream = streams.get(i);
            writers.add(CompletableFuture.runAsync(() -> {
                try {
                    writeExactly(stream.outputStream(), payload);
                    stream.shutdownOutput();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, runnable -> Thread.ofVirtual().start(runnable)));
        }
        List<KwikStream> peers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            KwikStream peer = accepted.acceptStream(WAIT);
            assertThat(peer).as("stream %d reached the server", i).isNotNull();
            peers.add(peer);
        }
        assertThat(realStreams(client)).as("four logical streams share one real stream").isEqualTo(1);
        for (int i = 1; i < 4; i++) {
            long id = streams.get(i).id();
            KwikStream peer = peers.stream().filter(p -> p.id() == id).findFirst().orElseThrow();
            long[] received = new long[1];
            assertThat(sha256(peer.inputStream(), received)).as("SHA-256 of stream %d", i).isEqualTo(expected.get(i - 1));
            assertThat(received[0]).isEqualTo(size);
        }
        CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(stalledWriter.isAlive()).as("the unread stream's writer is still blocked on its window").isTrue();
        assertThat(stalledWritten.get()).as("bytes the unread stream got past its 1 MiB window")
                .isLessThanOrEqualTo((int) ServerConfig.DEFAULT_STREAM_RECEIVE_WINDOW);
    }

    @Test
    void required_R7_aThousandConcurrentStreamsEachCarry64KiBBothWaysOnAtMost250RealStreams() throws Exception {
        int count = 1000;
        int size = 64 * 1024;
        LoopbackServer server = server(count);
        KwikSession client = dial(server, count);
        echoAll(server.accept(WAIT));
        AtomicInteger mostRealStreams = new AtomicInteger();
        List<CompletableFuture<Long>> transfers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int seed = i;
            transfers.add(CompletableFuture.supplyAsync(() -> {
                try {
                    byte[] payload = Digests.payload(seed, size);
                    KwikStream stream = client.openStreamSync();
                    Thread writer = Thread.ofVirtual().start(() -> {
                        try {
                            writeExactly(stream.outputStream(), payload);
                            mostRealStreams.accumulateAndGet(realStreams(client), Math::max);
                            stream.shutdownOutput();
                        } catch (IOException e) {
                            stream.reset(2);
                        }
                    });
                    long[] received = new long[1];
                    String hash = sha256(stream.inputStream(), received);
                    writer.join();
                    assertThat(hash).as("SHA-256 of stream %d", seed).isEqualTo(Digests.sha256Hex(payload));
                    return received[0];
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException("stream " + seed + " failed", e);
                }
            }, runnable -> Thread.ofVirtual().start(runnable)));
        }
        long total = 0;
        for (CompletableFuture<Long> transfer : transfers) total += transfer.get(WAIT.toSeconds() * 2, TimeUnit.SECONDS);
        assertThat(total).isEqualTo((long) count * size);
        System.out.printf("%d logical streams: at most %d real streams seen on the client%n", count, mostRealStreams.get());
        assertThat(mostRealStreams.get()).as("most real streams seen").isBetween(1, count / 4);
    }
}
