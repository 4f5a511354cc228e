package io.kwik.interop;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import io.kwik.spi.ConnectionClose;
import io.kwik.spi.QuicConnection;
import io.kwik.spi.QuicServer;
import io.kwik.spi.QuicStream;
import io.kwik.spi.TransportLimits;
import io.kwik.tck.transport.StreamIo;
import io.kwik.tck.transport.TransportFixture;

/**
 * The raw join of {@code MultiPathSuite.required_R3_joinTokens…} reduced to the SPI, in a loop:
 * a client dials, opens a stream, writes a 100-byte request and flushes; the server reads the
 * 100 bytes and closes the connection with code 5; the client must see that close within
 * 10 s. On a miss it reports whether the server got the whole request and whether it closed.
 * Off by default: {@code ./mvnw -B -o -pl kwik-interop -am verify -Dtest=RefusedJoinCloseLoop
 * -Dsurefire.failIfNoSpecifiedTests=false -Dio.kwik.interop.closeLoop=1000
 * -Dio.kwik.interop.closeLoopPair=kwik-netty} (client-server).
 */
@EnabledIfSystemProperty(named = "io.kwik.interop.closeLoop", matches = "[0-9]+")
class RefusedJoinCloseLoop {

    private static final int REQUEST = 100;
    private static final int PARALLEL = 5;
    private static final Duration STEP = Duration.ofSeconds(30);
    private static final Duration CLOSE_WITHIN = Duration.ofSeconds(10);

    @Test
    void everyRefusalReachesTheClient() throws Exception {
        int attempts = Integer.getInteger("io.kwik.interop.closeLoop");
        String[] pair = System.getProperty("io.kwik.interop.closeLoopPair", "kwik-netty").split("-");
        Map<Integer, String> serverSaw = new ConcurrentHashMap<>();
        try (TransportFixture server = TransportFixture.create(InteropBackends.named(pair[1]));
             TransportFixture client = TransportFixture.create(InteropBackends.named(pair[0]))) {
            QuicServer listener = server.server(TransportLimits.DEFAULTS, (connection, stream) -> {
                serverSaw.put(-connection.remoteAddress().getPort(), "stream " + stream.id() + " accepted");
                byte[] request = StreamIo.readExactly(stream.input(), REQUEST);
                int attempt = request[0] & 0xff | (request[1] & 0xff) << 8;
                serverSaw.put(attempt, "read " + REQUEST + " bytes, closing");
                connection.close(5, "refused");
                serverSaw.put(attempt, "read " + REQUEST + " bytes, closed: " + connection.closed().getNow(null));
            });
            Thread drain = Thread.ofVirtual().name("close-loop-accepted").start(() -> {
                try {
                    while (true) {  // keep the fixture's queue from filling
                        QuicConnection accepted = server.acceptedConnection(Duration.ofDays(1));
                        serverSaw.putIfAbsent(-accepted.remoteAddress().getPort(), "connection accepted, no stream");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            AtomicInteger next = new AtomicInteger();
            List<CompletableFuture<String>> workers = new ArrayList<>();
            for (int w = 0; w < PARALLEL; w++) {
                workers.add(CompletableFuture.supplyAsync(() -> {
                    for (int attempt = next.getAndIncrement(); attempt < attempts; attempt = next.getAndIncrement()) {
                        String failure = oneAttempt(client, listener, attempt, serverSaw);
                        if (failure != null) return failure;
                    }
                    return null;
                }));
            }
            for (CompletableFuture<String> worker : workers) {
                String failure = worker.get(attempts * CLOSE_WITHIN.toSeconds() + 60, TimeUnit.SECONDS);
                if (failure != null) throw new AssertionError(failure);
            }
            drain.interrupt();
            System.out.println("close loop: " + attempts + " refusals reached the " + pair[0] + " client");
        }
    }

    /** kwik's packet trace of the last packets, when {@code -Dio.kwik.interop.closeLoopTrace=true}. */
    private static final java.util.ArrayDeque<String> TRACE = new java.util.ArrayDeque<>();

    static {
        if (Boolean.getBoolean("io.kwik.interop.closeLoopTrace")) {
            java.util.logging.Logger packets = java.util.logging.Logger.getLogger("io.kwik.backend.kwik.packets");
            packets.setLevel(java.util.logging.Level.ALL);
            packets.addHandler(new java.util.logging.Handler() {
                @Override
                public void publish(java.util.logging.LogRecord record) {
                    synchronized (TRACE) {
                        if (TRACE.size() == 20_000) TRACE.removeFirst();
                        TRACE.addLast(record.getMessage());
                    }
                }

                @Override
                public void flush() {
                }

                @Override
                public void close() {
                }
            });
        }
    }

    private static String trace() {
        synchronized (TRACE) {
            if (TRACE.isEmpty()) return "";
            try {
                java.nio.file.Path file = java.nio.file.Path.of("target", "close-loop-trace.txt");
                java.nio.file.Files.write(file, TRACE);
                return "; trace in " + file.toAbsolutePath();
            } catch (java.io.IOException e) {
                return "; trace not written: " + e;
            }
        }
    }

    private static String oneAttempt(TransportFixture client, QuicServer listener, int attempt, Map<Integer, String> serverSaw) {
        QuicConnection connection = null;
        try {
            connection = client.connect(listener.localAddress(), client.clientConfig(TransportLimits.DEFAULTS), STEP);
            QuicStream stream = TransportFixture.open(connection, STEP);
            byte[] request = new byte[REQUEST];
            request[0] = (byte) attempt;
            request[1] = (byte) (attempt >> 8);
            stream.output().write(request);
            stream.output().flush();
            long start = System.nanoTime();
            try {
                ConnectionClose close = connection.closed().get(CLOSE_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
                if (close.origin() != ConnectionClose.Origin.PEER || close.errorCode() != 5) {
                    return "attempt " + attempt + ": " + close;
                }
                return null;
            } catch (TimeoutException e) {
                // one more byte queues a new send request in kwik: if the request then arrives and the
                // server closes, the data was stuck in the client's send path, not lost beyond it
                String rescue;
                try {
                    stream.output().write(0);
                    stream.output().flush();
                    ConnectionClose late = connection.closed().get(CLOSE_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
                    rescue = "after one more byte the close came: " + late;
                } catch (TimeoutException stillStuck) {
                    rescue = "one more byte did not bring the close";
                } catch (Exception other) {
                    rescue = "one more byte failed: " + other;
                }
                return "attempt " + attempt + ": " + rescue + "; no close after " + (System.nanoTime() - start) / 1_000_000 + " ms; client "
                        + connection + " " + connection.stats() + " stream " + stream + "; server: " + serverSaw.getOrDefault(attempt, "nothing read")
                        + ", " + serverSaw.getOrDefault(-connection.localAddress().getPort(), "no stream accepted from that port")
                        + trace();
            }
        } catch (Exception e) {
            return "attempt " + attempt + ": " + e;
        } finally {
            if (connection != null) connection.close();
        }
    }
}
