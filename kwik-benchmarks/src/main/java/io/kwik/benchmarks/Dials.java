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
 * (as {@code Kwik.dial} creates one per session). The cases alternate their order every round;
 * {@value #WARMUP} rounds are not counted.
 */
final class Dials {

    private static final int WARMUP = 5;

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
        try {
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
        } catch (Exception e) {
            System.out.printf("dial %s FAILED: %s%n", backend, CaseGuard.describe(e));
            results.failures.put("dial", CaseGuard.describe(e));
        }
    }
}
