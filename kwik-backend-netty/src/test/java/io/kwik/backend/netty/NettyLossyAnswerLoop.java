package io.kwik.backend.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import io.kwik.spi.QuicConnection;
import io.kwik.spi.QuicServer;
import io.kwik.spi.QuicStream;
import io.kwik.spi.TransportLimits;
import io.kwik.tck.impair.DropPolicy;
import io.kwik.tck.impair.ImpairmentProxy;
import io.kwik.tck.transport.StreamHandler;
import io.kwik.tck.transport.StreamIo;
import io.kwik.tck.transport.TransportFixture;
import io.kwik.tck.transport.Waits;

/**
 * The kit's lossy transfer ({@code ImpairedTransportSuite.required_R11_lossyLinkDeliversByteExact})
 * in a loop, one loss seed per round: a 16 MiB upload through 5% loss both ways, answered with
 * its size and SHA-256 and a FIN. It found the lost FIN-only frame that quiche never
 * retransmits (see {@link NettyStream}); the test suite runs the transfer once per build,
 * which catches a regression only now and then. Off by default:
 * {@code ./mvnw -B -o -pl kwik-backend-netty test -Dtest=NettyLossyAnswerLoop -Dio.kwik.netty.lossLoop=60}
 * runs 60 rounds; {@code -Dio.kwik.netty.qlogDir=DIR} adds quiche's qlog files of every
 * connection to DIR.
 */
@EnabledIfSystemProperty(named = "io.kwik.netty.lossLoop", matches = "[0-9]+")
class NettyLossyAnswerLoop {

    private static final long BYTES = 16L << 20;
    private static final double LOSS = 0.05;
    private static final long FIRST_SEED = 0x5EED_1055L;
    /** Well below the 30 s idle timeout, which is where a lost FIN ends up. */
    private static final Duration ANSWER = Duration.ofSeconds(25);
    private static final Duration STEP = Duration.ofSeconds(30);
    private static final System.Logger LOG = System.getLogger(NettyLossyAnswerLoop.class.getName());

    @Test
    void everyRoundGetsItsAnswerAndFin() throws Exception {
        int rounds = Integer.getInteger("io.kwik.netty.lossLoop");
        TransportLimits limits = TransportLimits.DEFAULTS.withIdleTimeout(Duration.ofSeconds(30))
                .withKeepAliveInterval(Duration.ZERO);
        for (int round = 0; round < rounds; round++) {
            long seed = FIRST_SEED + round;
            try (TransportFixture fixture = TransportFixture.create(new NettyTransportProvider())) {
                QuicServer server = fixture.server(limits, digest());
                try (ImpairmentProxy proxy = ImpairmentProxy.builder(server.localAddress())
                        .dropPolicy(DropPolicy.randomLoss(LOSS, seed)).maxLifetime(Duration.ofMinutes(5))
                        .name("netty-loss-loop").start()) {
                    QuicConnection client = fixture.connect(proxy.address(), fixture.clientConfig(limits), STEP);
                    QuicStream stream = TransportFixture.open(client, STEP);
                    CompletableFuture<byte[]> answer = Waits.async("answer", () -> stream.input().readAllBytes());
                    long start = System.nanoTime();
                    StreamIo.Received sent;
                    try (OutputStream out = stream.output()) {
                        sent = StreamIo.writePayload(out, seed, BYTES);
                    }
                    String received;
                    try {
                        received = new String(Waits.await(answer, ANSWER, "the answer and its FIN"), StandardCharsets.US_ASCII);
                    } catch (Exception | AssertionError e) {
                        throw new AssertionError("round " + round + ", seed " + Long.toHexString(seed) + ": " + e
                                + "; client stream: " + stream + "; proxy: " + proxy.counters(), e);
                    }
                    assertThat(received).as("round %d, seed %x", round, seed).isEqualTo(sent.size() + " " + sent.sha256());
                    String line = String.format("round %d: seed %x, %.2f s, proxy %s", round, seed,
                            (System.nanoTime() - start) / 1e9, proxy.counters());
                    LOG.log(System.Logger.Level.INFO, line);
                }
                assertThat(fixture.handlerFailures()).as("server handler failures").isEmpty();
            }
        }
    }

    /** Reads the stream to its FIN, then answers {@code "<size> <sha256>"} and closes (FIN). */
    private static StreamHandler digest() {
        return (connection, stream) -> {
            StreamIo.Received received = StreamIo.readAll(stream.input());
            stream.output().write((received.size() + " " + received.sha256()).getBytes(StandardCharsets.US_ASCII));
            stream.output().close();
        };
    }
}
