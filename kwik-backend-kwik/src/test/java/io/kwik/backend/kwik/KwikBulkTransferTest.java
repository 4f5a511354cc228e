package io.kwik.backend.kwik;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.kwik.spi.QuicConnection;
import io.kwik.spi.QuicServer;
import io.kwik.spi.QuicStream;
import io.kwik.spi.TransportLimits;
import io.kwik.tck.transport.StreamIo;
import io.kwik.tck.transport.TransportFixture;
import io.kwik.tck.transport.Waits;

/**
 * Back-to-back single-stream bulk transfers on loopback, for measuring throughput and
 * catching the kwik stall (see README.md). Runs only when {@code kwik.bulk.runs} is set:
 *
 * <pre>
 * ./mvnw -B -q -pl kwik-backend-kwik test -Dtest=KwikBulkTransferTest -Dkwik.bulk.runs=10 -Dkwik.bulk.mib=256
 * </pre>
 *
 * Other properties: {@code kwik.bulk.udp} (UDP buffer bytes, default 4 MiB),
 * {@code kwik.bulk.streamWindow} and {@code kwik.bulk.connectionWindow} (bytes),
 * {@code kwik.bulk.stallSeconds} (no progress for this long counts as a stall, default 10).
 */
final class KwikBulkTransferTest {

    @Test
    void bulkTransfersCompleteWithoutStalling() throws Exception {
        int runs = Integer.getInteger("kwik.bulk.runs", 0);
        assumeTrue(runs > 0, "set -Dkwik.bulk.runs=N to run the bulk transfer series");
        long bytes = Long.getLong("kwik.bulk.mib", 64) << 20;
        long streamWindow = Long.getLong("kwik.bulk.streamWindow", TransportLimits.DEFAULTS.streamReceiveWindow());
        long connectionWindow = Long.getLong("kwik.bulk.connectionWindow", TransportLimits.DEFAULTS.connectionReceiveWindow());
        int udp = Integer.getInteger("kwik.bulk.udp", TransportLimits.DEFAULTS.udpBufferSize());
        Duration stall = Duration.ofSeconds(Long.getLong("kwik.bulk.stallSeconds", 10));
        TransportLimits limits = new TransportLimits(Duration.ofSeconds(stall.toSeconds() + 5), Duration.ZERO,
                streamWindow, connectionWindow, 100, udp);

        List<String> results = new ArrayList<>();
        int stalls = 0;
        for (int run = 1; run <= runs; run++) {
            String result = oneRun(run, bytes, limits, stall);
            results.add(result);
            System.out.println(result);
            if (result.contains("STALL")) {
                stalls++;
            }
        }
        System.out.println("bulk series: " + (runs - stalls) + "/" + runs + " completed, " + (bytes >> 20)
                + " MiB each, stream window " + streamWindow + ", connection window " + connectionWindow + ", udp " + udp);
        assertThat(stalls).as("stalled runs of %s", results).isZero();
    }

    private static String oneRun(int run, long bytes, TransportLimits limits, Duration stall) throws Exception {
        try (TransportFixture fixture = TransportFixture.create(new KwikTransportProvider())) {
            QuicServer server = fixture.server(limits, (connection, stream) -> {
                StreamIo.Received received = StreamIo.readAll(stream.input());
                stream.output().write((received.size() + " " + received.sha256()).getBytes(StandardCharsets.US_ASCII));
                stream.output().close();
            });
            QuicConnection client = fixture.connect(server, limits, Duration.ofSeconds(30));
            QuicConnection accepted = fixture.acceptedConnection(Duration.ofSeconds(30));
            QuicStream stream = TransportFixture.open(client, Duration.ofSeconds(30));
            CompletableFuture<byte[]> answer = Waits.async("answer", () -> stream.input().readAllBytes());
            AtomicLong written = new AtomicLong();
            long start = System.nanoTime();
            CompletableFuture<StreamIo.Received> writer = Waits.async("writer", () -> {
                try (OutputStream out = new CountingOutput(stream.output(), written)) {
                    return StreamIo.writePayload(out, run, bytes);
                }
            });
            long lastProgress = -1;
            long lastChange = System.nanoTime();
            while (!answer.isDone()) {
                try {
                    answer.get(200, java.util.concurrent.TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    long now = written.get();
                    if (now != lastProgress) {
                        lastProgress = now;
                        lastChange = System.nanoTime();
                    } else if (System.nanoTime() - lastChange > stall.toNanos()) {
                        return String.format("run %d: STALL after %d of %d bytes; client %s; server %s", run, now, bytes,
                                client.stats(), accepted.stats());
                    }
                } catch (java.util.concurrent.ExecutionException e) {
                    return String.format("run %d: STALL/failure after %d of %d bytes: %s; client %s; server %s", run,
                            written.get(), bytes, e.getCause(), client.stats(), accepted.stats());
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            StreamIo.Received sent = writer.get();
            String expected = sent.size() + " " + sent.sha256();
            String got = new String(answer.get(), StandardCharsets.US_ASCII);
            assertThat(got).isEqualTo(expected);
            return String.format("run %d: %d MiB in %.2f s = %.1f MB/s; client lost %d of %d packets", run, bytes >> 20,
                    seconds, bytes / 1e6 / seconds, client.stats().packetsLost(), client.stats().packetsSent());
        }
    }

    private static final class CountingOutput extends OutputStream {
        private final OutputStream delegate;
        private final AtomicLong count;

        CountingOutput(OutputStream delegate, AtomicLong count) {
            this.delegate = delegate;
            this.count = count;
        }

        @Override
        public void write(int b) throws java.io.IOException {
            delegate.write(b);
            count.incrementAndGet();
        }

        @Override
        public void write(byte[] b, int off, int len) throws java.io.IOException {
            delegate.write(b, off, len);
            count.addAndGet(len);
        }

        @Override
        public void close() throws java.io.IOException {
            delegate.close();
        }
    }
}
