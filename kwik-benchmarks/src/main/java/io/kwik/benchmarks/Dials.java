package io.kwik.benchmarks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import io.kwik.api.ClientConfig;
import io.kwik.api.Kwik;
import io.kwik.api.KwikSession;
import io.kwik.spi.ClientTransportConfig;
import io.kwik.spi.QuicConnection;
import io.kwik.spi.QuicTransport;
import io.kwik.spi.TransportContext;

/**
 * Dialing on one backend: {@code Kwik.dial} until it returns an authenticated session, against
 * the raw QUIC handshake ({@code transport.connect}) on a shared transport and on a fresh one
 * (as {@code Kwik.dial} creates one per session), and through one shared {@code KwikClient}
 * ({@link SharedClientDials}), with the live threads per session for both
 * ({@value #THREAD_COUNT_SESSIONS} open at once). The cases alternate their order every round;
 * {@value #WARMUP} rounds are not counted.
 */
final class Dials {

    private static final int WARMUP = 5;
    /** Sessions held open at once to count the threads a session costs. */
    private static final int THREAD_COUNT_SESSIONS = 20;

    private final BackendRun run;

    Dials(BackendRun run) {
        this.run = run;
    }

    void run(Results results) {
        String backend = run.backend();
        ClientTransportConfig rawConfig = run.rawConfig();
        ClientConfig kwikConfig = run.clientConfig(run.options().window());
        Map<String, Callable<Double>> cases = new LinkedHashMap<>();
        cases.put("dial-raw", () -> {
            long start = System.nanoTime();
            QuicConnection connection = run.rawClient().connect(run.raw().address(), rawConfig).get(30, TimeUnit.SECONDS);
            double millis = (System.nanoTime() - start) / 1e6;
            connection.close();
            return millis;
        });
        cases.put("dial-raw-fresh", () -> {
            long start = System.nanoTime();
            try (QuicTransport transport = E2eSupport.provider(backend).create(TransportContext.of("e2e-dial"))) {
                QuicConnection connection = transport.connect(run.raw().address(), rawConfig).get(30, TimeUnit.SECONDS);
                double millis = (System.nanoTime() - start) / 1e6;
                connection.close();
                return millis;
            }
        });
        cases.put("dial-kwik", () -> {
            long start = System.nanoTime();
            try (KwikSession session = Kwik.dial(run.primary().address(), kwikConfig)) {
                return (System.nanoTime() - start) / 1e6;
            }
        });
        try (SharedClientDials shared = new SharedClientDials(kwikConfig, run.primary().address())) {
            cases.put("dial-kwik-shared", shared.dial());
            for (int i = 0; i < WARMUP + run.options().dials(); i++) {
                List<String> order = new ArrayList<>(cases.keySet());
                if (i % 2 == 1) Collections.reverse(order);
                for (String key : order) {
                    double millis = run.guard().within(60, key, () -> { }, cases.get(key));
                    if (i >= WARMUP) results.add(key, millis);
                }
            }
            System.out.printf(Locale.ROOT, "dial %s: %d each; p50 raw %.1f ms, raw fresh transport %.1f ms, KWIK %.1f ms%n", backend,
                    run.options().dials(), results.median("dial-raw"), results.median("dial-raw-fresh"), results.median("dial-kwik"));
            System.out.printf(Locale.ROOT, "dial %s: p50 KWIK through one KwikClient %.1f ms%n", backend,
                    results.median("dial-kwik-shared"));
            for (boolean sharing : new boolean[] {false, true}) {
                SharedClientDials.ThreadsPerSession threads = shared.threadsPerSession(THREAD_COUNT_SESSIONS, sharing);
                results.add(sharing ? "threads-shared" : "threads-fresh", threads.perSession());
                results.add(sharing ? "platform-shared" : "platform-fresh", threads.platformPerSession());
                System.out.printf(Locale.ROOT, "dial %s: %s: live threads %d before, %d with %d sessions open: %.2f per session;"
                        + " platform threads %d, %d: %.2f per session%n", backend, sharing ? "one KwikClient" : "Kwik.dial",
                        threads.before(), threads.after(), threads.sessions(), threads.perSession(), threads.platformBefore(),
                        threads.platformAfter(), threads.platformPerSession());
            }
        } catch (Exception e) {
            System.out.printf("dial %s FAILED: %s%n", backend, CaseGuard.describe(e));
            results.failures.put("dial", CaseGuard.describe(e));
        }
    }
}
