package io.kwik.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.kwik.api.Kwik;
import io.kwik.api.KwikSession;
import io.kwik.api.KwikStream;
import io.kwik.spi.QuicConnection;
import io.kwik.spi.QuicStream;

/**
 * 64-byte echo round trips of one backend on one raw QUIC stream and on one KWIK stream, in
 * alternating blocks on the same two streams, every sample kept for the percentiles.
 */
final class RoundTrips {

    private static final int BLOCKS = 5;

    private final BackendRun run;

    RoundTrips(BackendRun run) {
        this.run = run;
    }

    void run(Results results) {
        int perBlock = Math.max(1, run.options().rtts() / BLOCKS);
        List<String> failures = new ArrayList<>();
        EchoPair pair = null;
        try {
            for (int block = -1; block < BLOCKS && failures.size() < 2; block++) {
                boolean rawFirst = block % 2 == 0;
                boolean warmup = block < 0;
                int count = warmup ? 2000 : perBlock;
                String what = warmup ? "echo warm-up" : "echo block " + block;
                try {
                    if (pair == null) pair = new EchoPair();
                    EchoPair echo = pair;
                    AtomicLong progress = new AtomicLong();
                    CompletableFuture<Void> done = new CompletableFuture<>();
                    Thread watchdog = run.guard().watch(what, progress, 2L * count, done);
                    try {
                        run.guard().within(run.options().timeoutSeconds(), what, echo::close, () -> {
                            List<Double> rawSamples = warmup ? null : new ArrayList<>();
                            List<Double> kwikSamples = warmup ? null : new ArrayList<>();
                            if (rawFirst) echo.raw.run(count, rawSamples, progress);
                            echo.kwik.run(count, kwikSamples, progress);
                            if (!rawFirst) echo.raw.run(count, rawSamples, progress);
                            if (!warmup) {
                                rawSamples.forEach(v -> results.add("rtt-raw", v));
                                kwikSamples.forEach(v -> results.add("rtt-kwik", v));
                            }
                            return null;
                        });
                    } finally {
                        done.complete(null);
                        watchdog.interrupt();
                    }
                } catch (Exception e) {
                    String why = CaseGuard.describe(e);
                    System.out.printf("echo %s %s FAILED: %s%n", run.backend(), what, why);
                    failures.add(what + ": " + why);
                    if (pair != null) pair.close();
                    pair = null; // the next block starts on a new connection and session
                }
            }
        } finally {
            if (pair != null) pair.close();
        }
        List<Double> rawSamples = results.values.getOrDefault("rtt-raw", List.of());
        if (!rawSamples.isEmpty()) {
            System.out.printf(Locale.ROOT, "echo %s: %d round trips each; p50 raw %.1f us, KWIK %.1f us%n", run.backend(),
                    rawSamples.size(), results.median("rtt-raw"), results.median("rtt-kwik"));
        }
        if (!failures.isEmpty()) {
            results.failures.put("rtt", String.join("; ", failures) + (failures.size() >= 2 ? " (gave up)" : "")
                    + "; " + rawSamples.size() + " of " + BLOCKS * perBlock + " round trips measured");
        }
    }

    /** A raw QUIC stream and a KWIK stream, each answered by an echoing server. */
    private final class EchoPair {
        final QuicConnection connection;
        final KwikSession session;
        final Echo raw;
        final Echo kwik;

        EchoPair() throws Exception {
            connection = run.rawClient().connect(run.raw().address(), run.rawConfig()).get(30, TimeUnit.SECONDS);
            try {
                session = Kwik.dial(run.primary().address(), run.clientConfig(run.options().window()));
                QuicStream rawStream = connection.openBidirectionalStream().get(30, TimeUnit.SECONDS);
                KwikStream kwikStream = session.openStreamSync();
                raw = new Echo(rawStream.output(), rawStream.input());
                kwik = new Echo(kwikStream.outputStream(), kwikStream.inputStream());
            } catch (Exception e) {
                connection.close();
                throw e;
            }
        }

        void close() {
            connection.close();
            session.close();
        }
    }

    /** One echoing stream: writes 64 bytes, reads them back, checks them, times the round trip. */
    private static final class Echo {
        final OutputStream out;
        final InputStream in;
        final byte[] message = new byte[64];
        final byte[] answer = new byte[64];

        Echo(OutputStream out, InputStream in) throws IOException {
            this.out = out;
            this.in = in;
            out.write(E2eSupport.OP_ECHO);
            Arrays.fill(message, (byte) 0x42);
        }

        void run(int count, List<Double> micros, AtomicLong progress) throws IOException {
            for (int i = 0; i < count; i++) {
                message[0] = (byte) i;
                long start = System.nanoTime();
                out.write(message);
                out.flush();
                if (in.readNBytes(answer, 0, answer.length) != answer.length) throw new IOException("echo ended early");
                long elapsed = System.nanoTime() - start;
                if (!Arrays.equals(message, answer)) throw new IOException("echo answered other bytes");
                if (micros != null) micros.add(elapsed / 1e3);
                progress.incrementAndGet();
            }
        }
    }
}
