package io.kwik.tck;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.Timeout;

import io.kwik.spi.QuicConnection;
import io.kwik.spi.QuicServer;
import io.kwik.spi.QuicStream;
import io.kwik.spi.TransportLimits;
import io.kwik.tck.impair.Direction;
import io.kwik.tck.impair.DropPolicy;
import io.kwik.tck.impair.ImpairmentProxy;
import io.kwik.tck.impair.ProxyCounters;
import io.kwik.tck.tools.Digests;
import io.kwik.tck.transport.CountingOutputStream;
import io.kwik.tck.transport.StreamHandler;
import io.kwik.tck.transport.StreamIo;
import io.kwik.tck.transport.TransportCapability;
import io.kwik.tck.transport.TransportFixture;
import io.kwik.tck.transport.Waits;

/**
 * Raw QUIC of the backend under test through the kit's {@link ImpairmentProxy}: lost and
 * blackholed datagrams must not cost a single byte. docs/PROTOCOL.md section 4.5 rests on this: "QUIC
 * makes each path reliable, so at KWIK level 'loss' means a path died" (R11). Everything runs
 * through the SPI only, on {@code 127.0.0.1}, with the client dialling the proxy and the proxy
 * forwarding to the server.
 *
 * <p>A backend runs it with one class:
 * <pre>{@code
 * class MyImpairedTransportTest extends ImpairedTransportSuite {
 *     protected QuicTransportProvider provider() { return new MyProvider(); }
 * }
 * }</pre>
 *
 * <p>Every transfer is checked by size and SHA-256. Loss is seeded, so a run drops the same
 * datagrams as long as the backend sends the same ones in the same order. Every wait is
 * bounded; the one timed step, the length of the blackhole, is the impairment itself, not a
 * synchronisation.
 *
 * @since 0.1.0
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class ImpairedTransportSuite extends BackendSuite {

    /** For a backend's test class, which extends this suite. */
    protected ImpairedTransportSuite() {
    }

    /** The bound on one handshake or one small exchange (handshakes retransmit under loss). */
    protected static final Duration STEP = Duration.ofSeconds(30);
    /** The bound on a bulk transfer through an impaired link. */
    protected static final Duration BULK = Duration.ofSeconds(150);

    private static final long LOSSY_BYTES = 16L << 20;
    private static final double LOSS = 0.05;
    private static final long LOSS_SEED = 0x5EED_1055L;
    private static final long BLACKHOLE_BYTES = 4L << 20;
    private static final long BLACKHOLE_AFTER = 1L << 20;
    private static final Duration BLACKHOLE = Duration.ofSeconds(2);
    private static final int FIN_ANSWER_BYTES = 4096;
    /** Far below the 30 s idle timeout, far above a few probe timeouts. */
    private static final Duration FIN_RETRANSMISSION = Duration.ofSeconds(15);

    private static final System.Logger LOG = System.getLogger(ImpairedTransportSuite.class.getName());

    private TransportFixture fixture;
    private ImpairmentProxy proxy;
    private QuicConnection accepted;
    /** Bytes the server's handler has read or written so far, and what it is doing: for failure messages. */
    private final AtomicLong serverBytes = new AtomicLong();
    private volatile String serverStep = "no stream yet";
    /** The server's end of the stream under test, for failure messages. */
    private volatile QuicStream serverStream;
    /** The client's end of the stream under test, for failure messages. */
    private volatile QuicStream clientStream;
    /** The client's connection in the FIN tests, for failure messages. */
    private QuicConnection clientConnection;
    private ScheduledExecutorService timer;

    /**
     * The limits both ends use: the defaults with a 30 s idle timeout, well above the
     * blackhole, and no keep-alive. Backends may override.
     */
    @Override
    protected TransportLimits limits() {
        return TransportLimits.DEFAULTS.withIdleTimeout(Duration.ofSeconds(30)).withKeepAliveInterval(Duration.ZERO);
    }

    @BeforeEach
    void createFixture() {
        long start = System.nanoTime();
        fixture = TransportFixture.create(provider()); // the first one of a JVM generates the certificate
        LOG.log(System.Logger.Level.INFO, () -> provider().name() + " setup: " + seconds(System.nanoTime() - start));
        timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("tck-impairment-timer").factory());
    }

    @AfterEach
    void closeFixture() {
        long start = System.nanoTime();
        if (timer != null) {
            timer.shutdownNow();
        }
        if (fixture != null) {
            fixture.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        LOG.log(System.Logger.Level.INFO, () -> provider().name() + " teardown: " + seconds(System.nanoTime() - start));
    }

    /**
     * Binds a server with {@code handler}, puts a proxy in front of it, and dials the proxy
     * (the handshake already goes through {@code policy}); reports how long the handshake took.
     */
    private QuicConnection connectThroughProxy(StreamHandler handler, DropPolicy policy, TestReporter reporter)
            throws Exception {
        QuicServer server = fixture.server(limits(), handler);
        proxy = ImpairmentProxy.builder(server.localAddress()).dropPolicy(policy).maxLifetime(Duration.ofMinutes(5))
                .name("tck-impairment-proxy").start();
        long start = System.nanoTime();
        QuicConnection client = fixture.connect(proxy.address(), fixture.clientConfig(limits()), STEP);
        report(reporter, "handshake", seconds(System.nanoTime() - start) + " through the proxy");
        accepted = fixture.acceptedConnection(STEP);
        return client;
    }

    private void assertNoHandlerFailures() {
        assertThat(fixture.handlerFailures()).as("failures in server stream handlers").isEmpty();
    }

    /** Reads the stream to its end, then answers {@code "<size> <sha256>"} and FIN. */
    private StreamHandler digest() {
        return (connection, stream) -> {
            serverStream = stream;
            serverStep = "reading";
            StreamIo.Received received = readAllWithProgress(stream.input(), Long.MAX_VALUE, new CompletableFuture<>(),
                    serverBytes);
            serverStep = "answering after reading to the FIN";
            stream.output().write((received.size() + " " + received.sha256()).getBytes(StandardCharsets.US_ASCII));
            stream.output().close();
            serverStep = "answered and closed its output";
        };
    }

    /** Reads a request of two longs (seed, length) to its FIN, then writes that payload and FIN. */
    private StreamHandler download() {
        return (connection, stream) -> {
            serverStream = stream;
            serverStep = "reading the request";
            ByteBuffer request = ByteBuffer.wrap(StreamIo.readExactly(stream.input(), 2 * Long.BYTES));
            long seed = request.getLong();
            long length = request.getLong();
            if (stream.input().read() != -1) {
                throw new IOException("request longer than two longs");
            }
            serverStep = "writing";
            try (OutputStream out = new CountingOutputStream(stream.output(), serverBytes)) {
                StreamIo.writePayload(out, seed, length);
                serverStep = "closing its output";
            }
            serverStep = "wrote everything and closed its output";
        };
    }

    private static StreamIo.Received parseDigest(byte[] answer) {
        String[] parts = new String(answer, StandardCharsets.US_ASCII).split(" ");
        assertThat(parts).as("digest answer").hasSize(2);
        return new StreamIo.Received(Long.parseLong(parts[0]), parts[1]);
    }

    /**
     * Like {@link StreamIo#readAll}, and completes {@code reached} once {@code threshold} bytes
     * were read; {@code progress} follows the byte count.
     */
    private static StreamIo.Received readAllWithProgress(InputStream in, long threshold, CompletableFuture<Long> reached,
                                                         AtomicLong progress) throws IOException {
        MessageDigest digest = Digests.sha256();
        byte[] buffer = new byte[StreamIo.CHUNK];
        long size = 0;
        for (int n; (n = in.read(buffer)) != -1; ) {
            digest.update(buffer, 0, n);
            size += n;
            progress.set(size);
            if (size >= threshold && !reached.isDone()) {
                reached.complete(size);
            }
        }
        return new StreamIo.Received(size, HexFormat.of().formatHex(digest.digest()));
    }

    /** Publishes a measurement to the test report and logs it at INFO (build logs keep it). */
    private void report(TestReporter reporter, String key, String value) {
        reporter.publishEntry(key, value);
        LOG.log(System.Logger.Level.INFO, () -> provider().name() + " " + key + ": " + value);
    }

    /** An error naming the state of the transfer, the proxy and both ends when {@code cause} ended it. */
    private AssertionError failure(Throwable cause, QuicConnection client, String progress, long start) {
        return new AssertionError(provider().name() + ": transfer failed after " + seconds(System.nanoTime() - start)
                + " (" + progress + "); proxy: " + proxy.counters() + "; client: " + describe(client)
                + "; client stream: " + clientStream + "; server handler: " + serverStep + ", " + serverBytes.get()
                + " bytes; server: " + describe(accepted) + "; server stream: " + serverStream, cause);
    }

    private static String describe(QuicConnection connection) {
        if (connection == null) {
            return "none";
        }
        return connection.stats() + (connection.closed().isDone() ? ", " + connection.closed().join() : ", open");
    }

    private static String seconds(long nanos) {
        return String.format("%.2f s", nanos / 1e9);
    }

    /**
     * R11, docs/PROTOCOL.md 4.5: a 16 MiB upload on one stream through 5% seeded random loss in both
     * directions (data one way, acknowledgements the other) arrives byte-exact.
     */
    @Test
    void required_R11_lossyLinkDeliversByteExact(TestReporter reporter) throws Exception {
        QuicConnection client = connectThroughProxy(digest(), DropPolicy.randomLoss(LOSS, LOSS_SEED), reporter);
        QuicStream stream = TransportFixture.open(client, STEP);
        clientStream = stream;
        CompletableFuture<byte[]> answer = Waits.async("digest", () -> stream.input().readAllBytes());
        AtomicLong written = new AtomicLong();

        long start = System.nanoTime();
        StreamIo.Received sent;
        StreamIo.Received received;
        try {
            sent = Waits.within(BULK, "writing " + LOSSY_BYTES + " bytes through 5% loss", () -> {
                try (OutputStream out = new CountingOutputStream(stream.output(), written)) {
                    return StreamIo.writePayload(out, 11, LOSSY_BYTES);
                }
            });
            received = parseDigest(Waits.await(answer, BULK, "server's digest of the lossy transfer"));
        } catch (Exception | AssertionError e) {
            throw failure(e, client, written.get() + " of " + LOSSY_BYTES + " bytes written", start);
        }
        long elapsed = System.nanoTime() - start;

        assertThat(received).isEqualTo(sent);
        ProxyCounters counters = proxy.counters();
        assertThat(counters.dropped(Direction.TO_SERVER)).as("datagrams lost towards the server").isPositive();
        assertThat(counters.dropped(Direction.TO_CLIENT)).as("datagrams lost towards the client").isPositive();
        report(reporter, "transfer", String.format("%d bytes in %s (%.1f MB/s) through %.0f%% loss",
                LOSSY_BYTES, seconds(elapsed), LOSSY_BYTES / 1e6 / (elapsed / 1e9), LOSS * 100));
        report(reporter, "proxy", counters.toString());
        assertNoHandlerFailures();
    }

    /**
     * R11, docs/PROTOCOL.md 4.5: a 4 MiB download survives a 2 s blackhole in both directions in its
     * middle (switched on once the client has read 1 MiB) when the idle timeout is longer than
     * the blackhole, and arrives byte-exact after it lifts.
     */
    @Test
    void required_R11_blackholeShorterThanIdleTimeoutIsSurvivedByteExact(TestReporter reporter) throws Exception {
        QuicConnection client = connectThroughProxy(download(), DropPolicy.none(), reporter);
        QuicStream stream = TransportFixture.open(client, STEP);
        clientStream = stream;
        CompletableFuture<Long> firstMiB = new CompletableFuture<>();
        AtomicLong read = new AtomicLong();
        CompletableFuture<StreamIo.Received> body = Waits.async("download",
                () -> readAllWithProgress(stream.input(), BLACKHOLE_AFTER, firstMiB, read));

        long start = System.nanoTime();
        try (OutputStream out = stream.output()) {
            out.write(ByteBuffer.allocate(2 * Long.BYTES).putLong(13).putLong(BLACKHOLE_BYTES).array());
        }
        long readBeforeBlackhole;
        try {
            readBeforeBlackhole = Waits.await(firstMiB, STEP, "the first MiB of the download");
        } catch (Exception | AssertionError e) {
            throw failure(e, client, read.get() + " of " + BLACKHOLE_BYTES + " bytes read, before any blackhole", start);
        }
        proxy.blackhole(true);
        long blackholeOn = System.nanoTime();
        AtomicLong blackholeOff = new AtomicLong();
        timer.schedule(() -> {
            blackholeOff.set(System.nanoTime());
            proxy.blackhole(false);
        }, BLACKHOLE.toMillis(), TimeUnit.MILLISECONDS);

        StreamIo.Received received;
        try {
            received = Waits.await(body, BULK, "the download after a " + BLACKHOLE + " blackhole");
        } catch (Exception | AssertionError e) {
            throw failure(e, client, read.get() + " of " + BLACKHOLE_BYTES + " bytes read; blackhole after "
                    + readBeforeBlackhole + " bytes, lifted "
                    + (blackholeOff.get() == 0 ? "not yet" : seconds(System.nanoTime() - blackholeOff.get()) + " ago"), start);
        }
        long done = System.nanoTime();

        StreamIo.Received expected = StreamIo.writePayload(OutputStream.nullOutputStream(), 13, BLACKHOLE_BYTES);
        assertThat(received).isEqualTo(expected);
        assertThat(blackholeOff.get()).as("the download finished only after the blackhole lifted").isNotZero();
        ProxyCounters counters = proxy.counters();
        assertThat(counters.dropped(Direction.TO_SERVER) + counters.dropped(Direction.TO_CLIENT))
                .as("datagrams swallowed by the blackhole").isPositive();
        assertThat(client.closed()).as("the connection outlived the blackhole").isNotDone();
        report(reporter, "transfer", String.format("%d bytes in %s; blackhole after %d bytes read, for %s;"
                        + " finished %s after it lifted", BLACKHOLE_BYTES, seconds(done - start), readBeforeBlackhole,
                seconds(blackholeOff.get() - blackholeOn), seconds(done - blackholeOff.get())));
        report(reporter, "proxy", counters.toString());
        assertNoHandlerFailures();
    }

    /**
     * R11, docs/PROTOCOL.md 4.5: a FIN that travels alone, right behind its data, and is lost is sent
     * again. The server answers 4 KiB, flushes and closes its output at once, so the FIN usually
     * leaves in a STREAM frame of its own before the data's acknowledgement is back; the proxy
     * drops the first small datagram towards the client after the answer's full-size ones.
     * The client must still read the end of the stream, well before the idle timeout. A
     * backend that sends the FIN with the last data leaves nothing small to drop; the check of
     * the end of the stream still applies. (The quiche inside Netty 4.2.18 fails this:
     * cloudflare/quiche#2525.)
     */
    @Test
    void required_R11_aLostFinRightBehindItsDataIsRetransmitted(TestReporter reporter) throws Exception {
        assume(TransportCapability.LOST_FIN_ONLY_FRAME_RETRANSMITTED);
        FirstSmallAfterLarge policy = new FirstSmallAfterLarge();
        QuicStream stream = requestAnswer(policy, CompletableFuture.completedFuture(null), reporter);
        policy.armed.set(true);
        long start = System.nanoTime();
        sendRequest(stream);
        readToTheEnd(stream, FIN_ANSWER_BYTES, start,
                () -> "the small datagram after the answer dropped: " + policy.dropped.get());
        report(reporter, "fin", String.format("end of stream %s after the request; %s; proxy: %s",
                seconds(System.nanoTime() - start), policy.dropped.get() ? "the FIN's own datagram was dropped"
                        : "no small datagram followed the answer (the FIN went with the data)", proxy.counters()));
        assertNoHandlerFailures();
    }

    /**
     * R11, docs/PROTOCOL.md 4.5: a FIN sent on its own long after its data, once the client has read
     * the answer, and lost, is sent again: the proxy drops the first datagram towards the
     * client after the server was told to close, which carries the FIN. (quiche inside Netty
     * 4.2.18 fails this too when the acknowledgement of the last data arrives after the FIN
     * left: 1 run of 3.)
     */
    @Test
    void required_R11_aLostFinLongAfterItsDataIsRetransmitted(TestReporter reporter) throws Exception {
        assume(TransportCapability.LOST_FIN_ONLY_FRAME_RETRANSMITTED);
        AtomicBoolean armed = new AtomicBoolean();
        AtomicBoolean dropped = new AtomicBoolean();
        CompletableFuture<Void> finNow = new CompletableFuture<>();
        QuicStream stream = requestAnswer((direction, index, length) -> direction == Direction.TO_CLIENT && armed.get()
                && dropped.compareAndSet(false, true), finNow, reporter);
        long start = System.nanoTime();
        sendRequest(stream);
        try {
            Waits.within(STEP, "reading the answer", () -> StreamIo.readExactly(stream.input(), FIN_ANSWER_BYTES));
        } catch (Exception | AssertionError e) {
            throw failure(e, clientConnection, "the answer before the FIN", start);
        }
        armed.set(true);
        finNow.complete(null);
        readToTheEnd(stream, 0, start, () -> "the FIN's datagram dropped: " + dropped.get());
        assertThat(dropped.get()).as("the first datagram after the close, dropped").isTrue();
        report(reporter, "fin", String.format("end of stream %s after the request; proxy: %s",
                seconds(System.nanoTime() - start), proxy.counters()));
        assertNoHandlerFailures();
    }

    /**
     * Connects through a proxy with {@code policy} to a server that reads a request to its
     * FIN, answers {@link #FIN_ANSWER_BYTES} bytes, flushes, waits for {@code finNow} and
     * closes its output; returns the client's stream.
     */
    private QuicStream requestAnswer(DropPolicy policy, CompletableFuture<Void> finNow, TestReporter reporter)
            throws Exception {
        StreamHandler answerFlushFin = (connection, stream) -> {
            serverStream = stream;
            serverStep = "reading the request";
            StreamIo.readAll(stream.input());
            serverStep = "answering";
            stream.output().write(new byte[FIN_ANSWER_BYTES]);
            stream.output().flush();
            serverStep = "waiting to close";
            Waits.await(finNow, STEP, "the test's go-ahead for the FIN");
            stream.output().close();
            serverStep = "answered, flushed and closed its output";
        };
        clientConnection = connectThroughProxy(answerFlushFin, policy, reporter);
        QuicStream stream = TransportFixture.open(clientConnection, STEP);
        clientStream = stream;
        return stream;
    }

    private static void sendRequest(QuicStream stream) throws IOException {
        try (OutputStream out = stream.output()) {
            out.write(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        }
    }

    /**
     * Reads {@code answerBytes} more, then requires the end of the stream within
     * {@link #FIN_RETRANSMISSION}; a failure names {@code state}.
     */
    private void readToTheEnd(QuicStream stream, int answerBytes, long start, Supplier<String> state) throws Exception {
        try {
            Waits.within(STEP, "reading the answer", () -> StreamIo.readExactly(stream.input(), answerBytes));
            int end = Waits.within(FIN_RETRANSMISSION, "the end of the stream after its FIN was lost",
                    () -> stream.input().read());
            assertThat(end).as("nothing after the answer but the end of the stream").isEqualTo(-1);
        } catch (Exception | AssertionError e) {
            throw failure(e, clientConnection, "FIN after a " + FIN_ANSWER_BYTES + "-byte answer; " + state.get(), start);
        }
    }

    /**
     * Once armed, drops the first datagram towards the client shorter than
     * {@link #SMALL_DATAGRAM} bytes that follows one at least {@link #FULL_DATAGRAM} long.
     */
    private static final class FirstSmallAfterLarge implements DropPolicy {
        private static final int FULL_DATAGRAM = 1000;
        private static final int SMALL_DATAGRAM = 100;
        final AtomicBoolean armed = new AtomicBoolean();
        final AtomicBoolean sawLarge = new AtomicBoolean();
        final AtomicBoolean dropped = new AtomicBoolean();

        @Override
        public boolean drop(Direction direction, long packetIndex, int length) {
            if (direction != Direction.TO_CLIENT || !armed.get()) return false;
            if (length >= FULL_DATAGRAM) {
                sawLarge.set(true);
                return false;
            }
            return length < SMALL_DATAGRAM && sawLarge.get() && dropped.compareAndSet(false, true);
        }
    }
}
