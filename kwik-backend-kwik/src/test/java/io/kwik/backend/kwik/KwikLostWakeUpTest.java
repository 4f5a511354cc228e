package io.kwik.backend.kwik;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.kwik.spi.QuicConnection;
import io.kwik.spi.QuicServer;
import io.kwik.spi.QuicStream;
import io.kwik.spi.TransportLimits;
import io.kwik.spi.TransportStats;
import io.kwik.tck.transport.StreamIo;
import io.kwik.tck.transport.TransportFixture;
import io.kwik.tck.transport.Waits;

/**
 * Regression test for kwik 0.10.8's lost send wake-up outside a blocked write (see {@link SendRearmer}),
 * through the SPI only.
 *
 * <p>Each round opens {@value #STREAMS} streams at once on one connection; many small STREAM
 * frames compete for the same packets, so kwik often hands a stream less room than it has
 * buffered, which is when the wake-up can be lost. A stream whose data stays in kwik's buffer
 * never gets its echo, and the round times out after {@link #STALL}.
 *
 * <ul>
 *   <li>{@link #smallWriteThenWaitForEcho()}: case (a), a writer that wrote 1000 bytes and
 *       waits for the echo without closing (its data must leave without any further call);</li>
 *   <li>{@link #writeSeveralFramesThenClose()}: case (b), 8 KiB (several frames) written and the
 *       output closed at once, then the echo read to its end.</li>
 * </ul>
 *
 * <p>Rounds: system property {@code kwik.wakeup.rounds} (default 150). Both cases run by default
 * (README.md, "The lost wake-up without a blocked writer").
 */
final class KwikLostWakeUpTest {

    private static final int STREAMS = 16;
    private static final int ROUNDS = Integer.getInteger("kwik.wakeup.rounds", 150);
    private static final Duration STALL = Duration.ofSeconds(10);
    private static final TransportLimits LIMITS = TransportLimits.DEFAULTS;

    private final TransportFixture fixture = TransportFixture.create(new KwikTransportProvider());
    private QuicConnection client;
    private QuicConnection serverSide;
    private final Map<Long, Long> serverReceived = new ConcurrentHashMap<>();
    private TransportStats clientAtStart;
    private TransportStats serverAtStart;

    @AfterEach
    void close() {
        fixture.close();
    }

    @Test
    void smallWriteThenWaitForEcho() throws Exception {
        client = echoConnection();
        for (int round = 1; round <= ROUNDS; round++) {
            startRound();
            List<CompletableFuture<Boolean>> streams = new ArrayList<>();
            for (int i = 0; i < STREAMS; i++) {
                byte[] payload = payload(round * 1000L + i, 1000);
                streams.add(Waits.async("small-" + round + "-" + i, () -> {
                    QuicStream stream = TransportFixture.open(client, STALL);
                    OutputStream out = stream.output();
                    InputStream in = stream.input();
                    out.write(payload);
                    out.flush();
                    byte[] echo = StreamIo.readExactly(in, payload.length);
                    out.close();
                    return Arrays.equals(echo, payload) && in.read() == -1;
                }));
            }
            awaitRound(streams, round, "1000 bytes written, echo awaited without closing");
        }
        assertThat(fixture.handlerFailures()).isEmpty();
    }

    @Test
    void writeSeveralFramesThenClose() throws Exception {
        client = echoConnection();
        for (int round = 1; round <= ROUNDS; round++) {
            startRound();
            List<CompletableFuture<Boolean>> streams = new ArrayList<>();
            for (int i = 0; i < STREAMS; i++) {
                byte[] payload = payload(round * 1000L + i, 8 * 1024);
                streams.add(Waits.async("close-" + round + "-" + i, () -> {
                    QuicStream stream = TransportFixture.open(client, STALL);
                    try (OutputStream out = stream.output()) {
                        out.write(payload);
                    }
                    return Arrays.equals(stream.input().readAllBytes(), payload);
                }));
            }
            awaitRound(streams, round, "8 KiB written and closed, echo read to its end");
        }
        assertThat(fixture.handlerFailures()).isEmpty();
    }

    private QuicConnection echoConnection() throws Exception {
        QuicServer server = fixture.server(LIMITS, (connection, stream) -> {
            byte[] buffer = new byte[StreamIo.CHUNK];
            for (int n; (n = stream.input().read(buffer)) != -1; ) {
                serverReceived.merge(stream.id(), (long) n, Long::sum);
                stream.output().write(buffer, 0, n);
            }
            stream.output().close();
        });
        QuicConnection client = fixture.connect(server, LIMITS, STALL);
        serverSide = fixture.acceptedConnection(STALL);
        return client;
    }

    private void startRound() {
        serverReceived.clear();
        clientAtStart = client.stats();
        serverAtStart = serverSide.stats();
    }

    private void awaitRound(List<CompletableFuture<Boolean>> streams, int round, String what) throws Exception {
        for (int i = 0; i < streams.size(); i++) {
            String which = "round " + round + " stream " + i + " (" + what + ")";
            boolean equal;
            try {
                equal = Waits.await(streams.get(i), STALL, which);
            } catch (AssertionError stalled) {
                throw new AssertionError(stalled.getMessage() + "; bytes the server read per stream id this round "
                        + serverReceived + "; at the round's start: client " + clientAtStart + ", server " + serverAtStart
                        + "; now: client " + client.stats() + ", server " + serverSide.stats(), stalled);
            }
            assertThat(equal).as("%s: echo equals payload and ends with FIN", which).isTrue();
        }
    }

    private static byte[] payload(long seed, int length) {
        byte[] bytes = new byte[length];
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) random.nextInt(256);
        }
        return bytes;
    }
}
