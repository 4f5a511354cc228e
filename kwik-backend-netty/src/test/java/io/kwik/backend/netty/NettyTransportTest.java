package io.kwik.backend.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.kwik.spi.ClientTransportConfig;
import io.kwik.spi.ConnectionClose;
import io.kwik.spi.ConnectionClosedException;
import io.kwik.spi.QuicConnection;
import io.kwik.spi.QuicServer;
import io.kwik.spi.QuicStream;
import io.kwik.spi.QuicTransportProvider;
import io.kwik.spi.StreamResetByPeerException;
import io.kwik.spi.TransportLimits;
import io.kwik.tck.transport.CountingOutputStream;
import io.kwik.tck.transport.StreamHandler;
import io.kwik.tck.transport.StreamIo;
import io.kwik.tck.transport.TransportFixture;
import io.kwik.tck.transport.Waits;

/**
 * The Netty backend on loopback, through the SPI: data integrity, back-pressure, resets and
 * the close reasons. Every wait is bounded and waits for an event, never for time.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class NettyTransportTest {

    private static final Duration STEP = Duration.ofSeconds(30);
    private static final Duration BULK = Duration.ofSeconds(120);

    private TransportFixture fixture;

    @BeforeEach
    void createFixture() {
        fixture = TransportFixture.create(new NettyTransportProvider());
    }

    @AfterEach
    void closeFixture() {
        fixture.close();
    }

    private static StreamHandler echo() {
        return (connection, stream) -> {
            StreamIo.copy(stream.input(), stream.output());
            stream.output().close();
        };
    }

    private static StreamHandler digest() {
        return (connection, stream) -> {
            StreamIo.Received received = StreamIo.readAll(stream.input());
            stream.output().write((received.size() + " " + received.sha256()).getBytes(StandardCharsets.US_ASCII));
            stream.output().close();
        };
    }

    private static StreamIo.Received[] exchange(QuicConnection connection, long seed, long length) throws Exception {
        QuicStream stream = TransportFixture.open(connection, STEP);
        CompletableFuture<StreamIo.Received> back = Waits.async("read-" + stream.id(), () -> StreamIo.readAll(stream.input()));
        StreamIo.Received sent;
        try (OutputStream out = stream.output()) {
            sent = StreamIo.writePayload(out, seed, length);
        }
        return new StreamIo.Received[] {sent, Waits.await(back, BULK, "echo of stream " + stream.id())};
    }

    @Test
    void providerIsFoundAndDescribesItself() {
        List<String> names = ServiceLoader.load(QuicTransportProvider.class).stream()
                .map(p -> p.get().name()).toList();
        NettyTransportProvider provider = new NettyTransportProvider();

        assertThat(names).contains("netty");
        assertThat(provider.priority()).isEqualTo(20);
        assertThat(provider.spiVersion()).isEqualTo(QuicTransportProvider.SPI_VERSION);
        assertThat(provider.isAvailable()).as("native quiche loads: %s", provider.unavailabilityCause()).isTrue();
        assertThat(provider.unavailabilityCause()).isEmpty();
    }

    @Test
    void echoesOneStream() throws Exception {
        QuicServer server = fixture.server(TransportLimits.DEFAULTS, echo());
        QuicConnection client = fixture.connect(server, TransportLimits.DEFAULTS, STEP);

        StreamIo.Received[] result = exchange(client, 11, 100_003);

        assertThat(result[1]).isEqualTo(result[0]);
        assertThat(client.maxStreamFramePayload()).isEqualTo(QuicSettings.streamFramePayload(QuicSettings.MAX_UDP_PAYLOAD));
        assertThat(client.localAddress().getAddress()).isEqualTo(server.localAddress().getAddress());
        assertThat(fixture.handlerFailures()).isEmpty();
    }

    @Test
    void bulk64MiBOnOneStreamIsByteExact() throws Exception {
        QuicServer server = fixture.server(TransportLimits.DEFAULTS, digest());
        QuicConnection client = fixture.connect(server, TransportLimits.DEFAULTS, STEP);
        QuicStream stream = TransportFixture.open(client, STEP);
        CompletableFuture<byte[]> answer = Waits.async("digest", () -> stream.input().readAllBytes());

        StreamIo.Received sent = Waits.within(BULK, "writing 64 MiB", () -> {
            try (OutputStream out = stream.output()) {
                return StreamIo.writePayload(out, 64, 64L << 20);
            }
        });
        String[] received = new String(Waits.await(answer, BULK, "server digest"), StandardCharsets.US_ASCII).split(" ");

        assertThat(sent.size()).isEqualTo(64L << 20);
        assertThat(Long.parseLong(received[0])).isEqualTo(sent.size());
        assertThat(received[1]).isEqualTo(sent.sha256());
        assertThat(client.stats().bytesSent()).isGreaterThan(64L << 20);
        assertThat(client.stats().smoothedRtt()).isPositive();
    }

    @Test
    void buffersHandedOverWhileTheEventLoopIsBusyReachItAsOneTask() throws Exception {
        QuicServer server = fixture.server(TransportLimits.DEFAULTS, digest());
        QuicConnection client = fixture.connect(server, TransportLimits.DEFAULTS, STEP);
        QuicStream stream = TransportFixture.open(client, STEP);
        NettyStream netty = (NettyStream) stream;
        CompletableFuture<byte[]> answer = Waits.async("digest", () -> stream.input().readAllBytes());
        long before = netty.eventLoop().submit(netty::drains).get(STEP.toSeconds(), TimeUnit.SECONDS);
        // hold the event loop, so every buffer below is handed over before the first drain runs
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        CompletableFuture<Void> held = new CompletableFuture<>();
        netty.eventLoop().execute(() -> {
            held.complete(null);
            try {
                release.await(STEP.toSeconds(), TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        held.get(STEP.toSeconds(), TimeUnit.SECONDS);
        // four buffers (three of 64 KiB and one of 1 KiB, under the 256 KiB outbound limit), then the flush
        StreamIo.Received sent;
        OutputStream out = stream.output();
        try {
            sent = StreamIo.writePayload(out, 14, 3L * NettyStream.WRITE_CHUNK + 1024);
            out.flush();
        } finally {
            release.countDown();
        }
        long after = netty.eventLoop().submit(netty::drains).get(STEP.toSeconds(), TimeUnit.SECONDS);
        assertThat(after - before).as("event-loop tasks for four buffers and a flush").isEqualTo(1);
        out.close();
        String digest = new String(Waits.await(answer, STEP, "the server's digest"), StandardCharsets.US_ASCII);
        assertThat(digest).isEqualTo(sent.size() + " " + sent.sha256());
    }

    @Test
    void hundredConcurrentStreams() throws Exception {
        QuicServer server = fixture.server(TransportLimits.DEFAULTS, echo());
        QuicConnection client = fixture.connect(server, TransportLimits.DEFAULTS, STEP);

        List<CompletableFuture<StreamIo.Received[]>> streams = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            long seed = 1000 + i;
            streams.add(Waits.async("stream-" + i, () -> exchange(client, seed, 50_000 + seed)));
        }
        for (int i = 0; i < streams.size(); i++) {
            StreamIo.Received[] result = Waits.await(streams.get(i), BULK, "stream " + i);
            assertThat(result[1]).as("stream %d", i).isEqualTo(result[0]);
        }
        assertThat(fixture.handlerFailures()).isEmpty();
    }

    @Test
    void opensWaitForStreamCreditInsteadOfFailing() throws Exception {
        TransportLimits fewStreams = TransportLimits.DEFAULTS.withMaxIncomingStreams(4);
        QuicServer server = fixture.server(fewStreams, echo());
        QuicConnection client = fixture.connect(server, fewStreams, STEP);

        List<CompletableFuture<StreamIo.Received[]>> streams = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            long seed = 2000 + i;
            streams.add(Waits.async("stream-" + i, () -> exchange(client, seed, 10_000 + seed)));
        }
        for (int i = 0; i < streams.size(); i++) {
            StreamIo.Received[] result = Waits.await(streams.get(i), BULK, "stream " + i);
            assertThat(result[1]).as("stream %d", i).isEqualTo(result[0]);
        }
    }

    @Test
    void writerBlocksWhileThePeerDoesNotRead() throws Exception {
        long window = 128 * 1024;
        TransportLimits small = TransportLimits.DEFAULTS.withWindows(window, 4 * window);
        QuicServer server = fixture.server(small, null);
        QuicConnection client = fixture.connect(server, small, STEP);
        QuicConnection accepted = fixture.acceptedConnection(STEP);
        QuicStream stream = TransportFixture.open(client, STEP);
        long total = 8L << 20;
        AtomicLong written = new AtomicLong();
        AtomicReference<Thread> writerThread = new AtomicReference<>();
        CompletableFuture<StreamIo.Received> writer = Waits.async("writer", () -> {
            writerThread.set(Thread.currentThread());
            try (OutputStream out = stream.output()) {
                return StreamIo.writePayload(new CountingOutputStream(out, written), 77, total);
            }
        });

        QuicStream peer = Waits.within(STEP, "accepting the stream", accepted::acceptStream);
        long bound = 2 * window + NettyStream.INBOUND_HIGH_WATER + 64 * 1024
                + NettyStream.OUTBOUND_LIMIT + NettyStream.WRITE_CHUNK + StreamIo.CHUNK;
        Waits.within(STEP, "the writer to park in back-pressure", () -> {
            while (!parkedInReserve(writerThread.get())) Thread.onSpinWait();
            return null;
        });

        assertThat(writer).isNotDone();
        assertThat(written.get()).as("bytes accepted from a writer whose peer reads nothing").isLessThanOrEqualTo(bound);
        StreamIo.Received received = Waits.within(BULK, "reading everything", () -> StreamIo.readAll(peer.input()));
        assertThat(received).isEqualTo(Waits.await(writer, BULK, "writer"));
    }

    @Test
    void peerResetSurfacesWithItsCode() throws Exception {
        CompletableFuture<Throwable> serverSaw = new CompletableFuture<>();
        CompletableFuture<Void> firstBytes = new CompletableFuture<>();
        QuicServer server = fixture.server(TransportLimits.DEFAULTS, (connection, stream) -> {
            StreamIo.readExactly(stream.input(), 100);
            firstBytes.complete(null);
            serverSaw.complete(catchThrowable(() -> StreamIo.readAll(stream.input())));
        });
        QuicConnection client = fixture.connect(server, TransportLimits.DEFAULTS, STEP);
        QuicStream stream = TransportFixture.open(client, STEP);
        stream.output().write(new byte[100]);
        stream.output().flush();
        Waits.await(firstBytes, STEP, "first bytes");

        stream.reset(1234);

        Throwable failure = Waits.await(serverSaw, STEP, "read after reset");
        assertThat(failure).isInstanceOf(StreamResetByPeerException.class);
        assertThat(((StreamResetByPeerException) failure).errorCode()).isEqualTo(1234);
        assertThat(catchThrowable(() -> stream.output().write(1))).isInstanceOf(IOException.class);
    }

    @Test
    void stopSendingFailsThePeersWrites() throws Exception {
        CompletableFuture<Throwable> writerSaw = new CompletableFuture<>();
        QuicServer server = fixture.server(TransportLimits.DEFAULTS, (connection, stream) -> {
            StreamIo.readExactly(stream.input(), 10);
            writerSaw.complete(catchThrowable(() -> {
                byte[] chunk = new byte[16 * 1024];
                for (long sent = 0; sent < (1L << 34); sent += chunk.length) stream.output().write(chunk);
            }));
        });
        QuicConnection client = fixture.connect(server, TransportLimits.DEFAULTS, STEP);
        QuicStream stream = TransportFixture.open(client, STEP);
        stream.output().write(new byte[10]);
        stream.output().flush();

        stream.stopSending(5);

        Throwable failure = Waits.await(writerSaw, STEP, "writes after STOP_SENDING");
        assertThat(failure).isInstanceOf(StreamResetByPeerException.class);
        assertThat(((StreamResetByPeerException) failure).errorCode()).isEqualTo(NettyStream.UNKNOWN_ERROR_CODE);
    }

    @Test
    void closeReasonReachesThePeer() throws Exception {
        QuicServer server = fixture.server(TransportLimits.DEFAULTS, echo());
        QuicConnection client = fixture.connect(server, TransportLimits.DEFAULTS, STEP);
        QuicConnection accepted = fixture.acceptedConnection(STEP);
        assertThat(exchange(client, 5, 1000)[1].size()).isEqualTo(1000);
        CompletableFuture<QuicStream> blocked = Waits.async("accept", client::acceptStream);

        client.close(77, "bye from the client");

        ConnectionClose local = Waits.await(client.closed(), STEP, "client close");
        ConnectionClose remote = Waits.await(accepted.closed(), STEP, "server sees close");
        assertThat(local).isEqualTo(new ConnectionClose(ConnectionClose.Origin.LOCAL, 77, "bye from the client"));
        assertThat(remote).isEqualTo(new ConnectionClose(ConnectionClose.Origin.PEER, 77, "bye from the client"));
        assertThat(catchThrowable(() -> Waits.await(blocked, STEP, "blocked accept")))
                .isInstanceOf(ConnectionClosedException.class);
        assertThat(catchThrowable(() -> Waits.await(accepted.openBidirectionalStream(), STEP, "open after close")))
                .isInstanceOf(ConnectionClosedException.class);
    }

    @Test
    void idleTimeoutClosesBothEnds() throws Exception {
        TransportLimits idle = TransportLimits.DEFAULTS.withIdleTimeout(Duration.ofSeconds(2));
        QuicServer server = fixture.server(idle, echo());
        QuicConnection client = fixture.connect(server, idle, STEP);
        QuicConnection accepted = fixture.acceptedConnection(STEP);

        assertThat(Waits.await(client.closed(), STEP, "client idle").origin()).isEqualTo(ConnectionClose.Origin.IDLE_TIMEOUT);
        assertThat(Waits.await(accepted.closed(), STEP, "server idle").origin()).isEqualTo(ConnectionClose.Origin.IDLE_TIMEOUT);
    }

    @Test
    void keepAliveOutlivesTheIdleTimeout() throws Exception {
        TransportLimits idle = TransportLimits.DEFAULTS.withIdleTimeout(Duration.ofSeconds(2));
        TransportLimits keepAlive = idle.withKeepAliveInterval(Duration.ofMillis(400));
        QuicServer server = fixture.server(idle, echo());
        QuicConnection kept = fixture.connect(server, keepAlive, STEP);
        QuicConnection quiet = fixture.connect(server, idle, STEP);

        ConnectionClose quietClose = Waits.await(quiet.closed(), STEP, "the younger connection without keep-alive to time out");

        assertThat(quietClose.origin()).isEqualTo(ConnectionClose.Origin.IDLE_TIMEOUT);
        assertThat(kept.closed()).as("the older connection with keep-alive").isNotDone();
        assertThat(exchange(kept, 9, 5000)[1].size()).isEqualTo(5000);
    }

    @Test
    void wrongServerNameFailsTheHandshake() throws Exception {
        QuicServer server = fixture.server(TransportLimits.DEFAULTS, echo());
        ClientTransportConfig wrongName = new ClientTransportConfig(TransportFixture.ALPN, "wrong.example",
                List.of(TransportFixture.certificate().certificate()), false,
                TransportLimits.DEFAULTS.withIdleTimeout(Duration.ofSeconds(5)));
        ClientTransportConfig rightName = new ClientTransportConfig(TransportFixture.ALPN, "localhost",
                List.of(TransportFixture.certificate().certificate()), false, TransportLimits.DEFAULTS);
        ClientTransportConfig ipName = new ClientTransportConfig(TransportFixture.ALPN, "127.0.0.1",
                List.of(TransportFixture.certificate().certificate()), false, TransportLimits.DEFAULTS);

        Throwable failure = catchThrowable(() -> fixture.connect(server.localAddress(), wrongName, STEP));

        assertThat(failure).isInstanceOf(IOException.class);
        assertThat(fixture.connect(server.localAddress(), rightName, STEP).closed()).isNotDone();
        assertThat(fixture.connect(server.localAddress(), ipName, STEP).closed()).isNotDone();
    }

    @Test
    void transportCloseEndsEveryConnection() throws Exception {
        QuicServer server = fixture.server(TransportLimits.DEFAULTS, echo());
        QuicConnection client = fixture.connect(server, TransportLimits.DEFAULTS, STEP);
        QuicConnection accepted = fixture.acceptedConnection(STEP);

        server.close();

        assertThat(Waits.await(accepted.closed(), STEP, "server side").origin()).isEqualTo(ConnectionClose.Origin.LOCAL);
        ConnectionClose seen = Waits.await(client.closed(), STEP, "client side");
        assertThat(seen.origin()).isEqualTo(ConnectionClose.Origin.PEER);
        assertThat(seen.reason()).isEqualTo("server closed");
    }

    /** True when {@code thread} waits for outbound room in {@code NettyStream}'s output. */
    private static boolean parkedInReserve(Thread thread) {
        if (thread == null || thread.getState() != Thread.State.WAITING) return false;
        for (StackTraceElement frame : thread.getStackTrace())
            if (frame.getMethodName().equals("reserve") && frame.getClassName().startsWith(NettyStream.class.getName())) return true;
        return false;
    }
}
