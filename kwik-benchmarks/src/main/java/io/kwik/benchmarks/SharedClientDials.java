package io.kwik.benchmarks;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import io.kwik.api.ClientConfig;
import io.kwik.api.Kwik;
import io.kwik.api.KwikClient;
import io.kwik.api.KwikSession;
import io.kwik.tck.tools.ThreadCensus;

/**
 * The dial cases of {@link E2eHarness} that a shared {@link KwikClient} adds: a dial through
 * one client, and the threads a session costs with a transport of its own ({@code Kwik.dial})
 * and through one client. Its own class so that the harness's dial mode only calls it.
 */
final class SharedClientDials implements AutoCloseable {
    private final ClientConfig config;
    private final InetSocketAddress primary;
    private final KwikClient client;

    SharedClientDials(ClientConfig config, InetSocketAddress primary) throws IOException {
        this.config = config;
        this.primary = primary;
        this.client = Kwik.newClient(config);
    }

    /** One dial through the shared client, in milliseconds until the session is authenticated; then closed. */
    Callable<Double> dial() {
        return () -> {
            long start = System.nanoTime();
            try (KwikSession session = client.dial(primary)) {
                return (System.nanoTime() - start) / 1e6;
            }
        };
    }

    /**
     * The JVM's live threads, virtual ones included, that {@code sessions} open sessions add,
     * per session: with {@code Kwik.dial} when {@code shared} is false, else through a client
     * made for the count (its transport counted too). Every session is closed afterwards.
     */
    ThreadsPerSession threadsPerSession(int sessions, boolean shared) throws IOException, InterruptedException {
        int before = settled();
        int platformBefore = platformThreads();
        List<KwikSession> open = new ArrayList<>();
        KwikClient counted = shared ? Kwik.newClient(config) : null;
        try {
            for (int i = 0; i < sessions; i++) open.add(shared ? counted.dial(primary) : Kwik.dial(primary, config));
            return new ThreadsPerSession(sessions, before, ThreadCensus.liveThreads(), platformBefore, platformThreads());
        } finally {
            open.forEach(KwikSession::close);
            if (counted != null) counted.close();
        }
    }

    /**
     * The live threads once they stop falling: the threads of sessions closed just before
     * (kwik's connection threads, virtual threads of the engine) end a while after the close,
     * and counting them would make the next count look cheaper.
     */
    private static int settled() throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE_LIMIT_NANOS;
        int lowest = ThreadCensus.liveThreads();
        long lowestSince = System.nanoTime();
        while (System.nanoTime() < deadline && System.nanoTime() - lowestSince < SETTLED_NANOS) {
            Thread.sleep(100);
            int now = ThreadCensus.liveThreads();
            if (now < lowest) {
                lowest = now;
                lowestSince = System.nanoTime();
            }
        }
        return lowest;
    }

    private static final long SETTLED_NANOS = 2_000_000_000L;
    private static final long SETTLE_LIMIT_NANOS = 30_000_000_000L;

    /** Platform threads only: event loops and kwik's connection threads, not the engine's virtual threads. */
    private static int platformThreads() {
        return Thread.getAllStackTraces().size();
    }

    /** Live threads (virtual ones included) and platform threads before and after {@code sessions} sessions were opened. */
    record ThreadsPerSession(int sessions, int before, int after, int platformBefore, int platformAfter) {
        double perSession() {
            return (after - before) / (double) sessions;
        }

        double platformPerSession() {
            return (platformAfter - platformBefore) / (double) sessions;
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
