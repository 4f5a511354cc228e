package io.kwik.backend.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import io.kwik.spi.QuicConnection;
import io.kwik.spi.QuicServer;
import io.kwik.spi.QuicStream;
import io.kwik.spi.TransportLimits;
import io.kwik.tck.transport.TransportFixture;
import io.kwik.tck.transport.Waits;

/**
 * Raw single-stream throughput over loopback: 256 MiB, three rounds, each on a new
 * connection. Off by default; run it with
 * {@code ./mvnw -B -q -pl kwik-backend-netty test -Dtest=NettyThroughputBenchmark -Dio.kwik.netty.benchmark=true}
 * and read the figures in {@code target/surefire-reports/}. It measures, it asserts only
 * that every byte arrived.
 */
@EnabledIfSystemProperty(named = "io.kwik.netty.benchmark", matches = "true")
class NettyThroughputBenchmark {

    private static final long BYTES = 256L << 20;
    private static final int ROUNDS = 3;
    private static final Duration LIMIT = Duration.ofMinutes(5);

    @Test
    void singleStream256MiB(TestReporter reporter) throws Exception {
        byte[] chunk = new byte[64 * 1024];
        for (int i = 0; i < chunk.length; i++) chunk[i] = (byte) (i * 31 + 7);
        try (TransportFixture fixture = TransportFixture.create(new NettyTransportProvider())) {
            QuicServer server = fixture.server(TransportLimits.DEFAULTS, (connection, stream) -> {
                long total = 0;
                byte[] buffer = new byte[64 * 1024];
                InputStream in = stream.input();
                for (int n; (n = in.read(buffer)) >= 0; ) total += n;
                stream.output().write(Long.toString(total).getBytes(StandardCharsets.US_ASCII));
                stream.output().close();
            });
            for (int round = 1; round <= ROUNDS; round++) {
                QuicConnection client = fixture.connect(server, TransportLimits.DEFAULTS, LIMIT);
                QuicStream stream = TransportFixture.open(client, LIMIT);
                CompletableFuture<byte[]> answer = Waits.async("answer", () -> stream.input().readAllBytes());
                long start = System.nanoTime();
                try (OutputStream out = stream.output()) {
                    for (long sent = 0; sent < BYTES; sent += chunk.length) out.write(chunk);
                }
                String received = new String(Waits.await(answer, LIMIT, "the server's count"), StandardCharsets.US_ASCII);
                double seconds = (System.nanoTime() - start) / 1e9;
                assertThat(Long.parseLong(received)).isEqualTo(BYTES);
                String line = String.format("round %d: %d bytes in %.2f s = %.1f MB/s (%.1f MiB/s); stats %s", round, BYTES,
                        seconds, BYTES / 1e6 / seconds, BYTES / 1048576.0 / seconds, client.stats());
                System.out.println(line);
                reporter.publishEntry("throughput", line);
                client.close();
            }
        }
    }
}
