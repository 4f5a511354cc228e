package io.kwik.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import com.sun.management.HotSpotDiagnosticMXBean;

import io.kwik.spi.ClientTransportConfig;
import io.kwik.spi.DialRace;
import io.kwik.spi.QuicConnection;
import io.kwik.spi.QuicServer;
import io.kwik.spi.QuicTransport;
import io.kwik.spi.ServerTransportConfig;
import io.kwik.spi.TransportContext;
import io.kwik.spi.TransportLimits;
import io.kwik.tck.tools.SelfSignedCertificate;

/**
 * Many sequential QUIC handshakes through the SPI only, client on one backend and server on
 * the other, each with a short timeout; counts the handshakes that do not complete.
 *
 * <p>Skipped unless {@code interop.handshakes} (the number of connects) is set, e.g.
 * {@code -Dinterop.handshakes=200 -Dinterop.client=kwik -Dinterop.server=netty
 * -Dinterop.handshakeTimeoutMillis=5000}. With {@code -Dinterop.raceStallMillis=N} every
 * connect goes through {@link DialRace} with a stall timeout of N ms (as the engine dials),
 * so a run with and one without show what the second attempt saves.
 */
@EnabledIfSystemProperty(named = "interop.handshakes", matches = "\\d+")
class HandshakeInteropTest {

    @Test
    void sequentialHandshakesComplete() throws Exception {
        int runs = Integer.getInteger("interop.handshakes");
        String clientName = System.getProperty("interop.client", "kwik");
        String serverName = System.getProperty("interop.server", "netty");
        long timeoutMillis = Long.getLong("interop.handshakeTimeoutMillis", 5_000);
        String key = System.getProperty("interop.key", "RSA_2048");
        long traceAboveMillis = Long.getLong("interop.traceAboveMillis", 500);
        long raceStallMillis = Long.getLong("interop.raceStallMillis", 0);
        SelfSignedCertificate certificate = SelfSignedCertificate.generate("localhost",
                SelfSignedCertificate.KeyAlgorithm.valueOf(key), Duration.ofDays(1));
        TransportLimits limits = TransportLimits.DEFAULTS;
        AtomicInteger accepted = new AtomicInteger();
        List<String> failures = new ArrayList<>();
        long[] millis = new long[runs];
        LogCapture logs = Boolean.getBoolean("interop.log")
                ? new LogCapture("io.netty.handler.codec.quic", "io.kwik.backend.kwik.library", "io.kwik.backend.netty")
                : null;
        boolean fresh = Boolean.getBoolean("interop.fresh");
        int rounds = fresh ? runs : 1;
        int perRound = fresh ? 1 : runs;
        for (int round = 0; round < rounds; round++) {
            try (QuicTransport serverTransport = InteropBackends.named(serverName).create(TransportContext.of("hs-server"));
                 QuicTransport clientTransport = InteropBackends.named(clientName).create(TransportContext.of("hs-client"));
                 QuicServer server = serverTransport.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                         new ServerTransportConfig("kwik/1", certificate.chain(), certificate.privateKey(), limits),
                         connection -> accepted.incrementAndGet())) {
                InetSocketAddress serverAddress = new InetSocketAddress(InetAddress.getLoopbackAddress(),
                        server.localAddress().getPort());
                UdpTraceRelay relay = Boolean.getBoolean("interop.trace") ? new UdpTraceRelay(serverAddress) : null;
                InetSocketAddress address = relay == null ? serverAddress : relay.address();
                ClientTransportConfig config = new ClientTransportConfig("kwik/1", "localhost",
                        List.of(certificate.certificate()), false, limits);
                for (int j = 0; j < perRound; j++) {
                    int i = round * perRound + j;
                    if (relay != null) relay.clear();
                    if (logs != null) logs.drain();
                    long start = System.nanoTime();
                    var future = raceStallMillis > 0
                            ? DialRace.connect(clientTransport, address, config, Duration.ofMillis(raceStallMillis),
                                    Duration.ofMillis(timeoutMillis))
                            : clientTransport.connect(address, config);
                    if (i == 0 && Boolean.getBoolean("interop.dumpFirst")) dumpThreadsWhilePending(future);
                    try {
                        QuicConnection connection = future.get(timeoutMillis, TimeUnit.MILLISECONDS);
                        millis[i] = (System.nanoTime() - start) / 1_000_000;
                        connection.close(0, "done");
                    } catch (TimeoutException e) {
                        millis[i] = -1;
                        failures.add("#" + i + " timed out after " + timeoutMillis + " ms");
                        future.cancel(true);
                        future.whenComplete((c, t) -> {
                            if (c != null) c.close(0, "late");
                        });
                    } catch (ExecutionException e) {
                        millis[i] = -1;
                        failures.add("#" + i + " failed: " + e.getCause());
                    }
                    if (relay != null && (millis[i] < 0 || millis[i] > traceAboveMillis)) printTrace(i, millis[i], relay);
                    if (logs != null && (millis[i] < 0 || millis[i] > traceAboveMillis)) {
                        Thread.sleep(200);
                        System.out.println("LOG #" + i + (millis[i] < 0 ? " (timed out)" : " (" + millis[i] + " ms)"));
                        logs.drain().forEach(l -> System.out.println("    " + l));
                    }
                }
                if (relay != null) relay.close();
            }
        }
        List<Long> slow = new ArrayList<>();
        for (long m : millis) if (m > 1_000) slow.add(m);
        System.out.printf("HANDSHAKES client=%s server=%s key=%s raceStallMillis=%d runs=%d failed=%d accepted=%d slow(>1s)=%s%n",
                clientName, serverName, key, raceStallMillis, runs, failures.size(), accepted.get(), slow);
        long[] sorted = Arrays.stream(millis).filter(m -> m >= 0).sorted().toArray();
        if (sorted.length > 0) System.out.printf("HANDSHAKE ms: median=%d p90=%d max=%d%n", sorted[sorted.length / 2],
                sorted[sorted.length * 9 / 10], sorted[sorted.length - 1]);
        failures.forEach(f -> System.out.println("HANDSHAKE " + f));
        assertThat(failures).as("handshakes that did not complete within %d ms", timeoutMillis).isEmpty();
    }

    private static void printTrace(int run, long millis, UdpTraceRelay relay) throws InterruptedException {
        Thread.sleep(200);
        System.out.println("TRACE #" + run + (millis < 0 ? " (timed out)" : " (" + millis + " ms)"));
        relay.traces().forEach((client, lines) -> {
            System.out.println("  client " + client);
            synchronized (lines) {
                lines.forEach(l -> System.out.println("    " + l));
            }
        });
    }

    /** Dumps all threads (virtual ones too) every 500 ms to target/ while {@code pending} is not done. */
    private static void dumpThreadsWhilePending(Future<?> pending) {
        var bean = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        Thread.ofPlatform().daemon().start(() -> {
            for (int n = 0; n < 60 && !pending.isDone(); n++) {
                try {
                    Path file = Path.of("target", "handshake-dump-" + n + ".txt");
                    Files.deleteIfExists(file);
                    bean.dumpThreads(file.toAbsolutePath().toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.TEXT_PLAIN);
                    Thread.sleep(500);
                } catch (IOException | InterruptedException e) {
                    return;
                }
            }
        });
    }
}
