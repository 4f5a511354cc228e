package io.kwik.tck;

import static io.kwik.tck.tools.Bounds.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.kwik.api.ErrorCode;
import io.kwik.api.KwikSession;
import io.kwik.api.SessionClose;
import io.kwik.tck.tools.Bounds;
import io.kwik.tck.tools.Digest;
import io.kwik.tck.tools.Harness;
import io.kwik.tck.tools.Digests;
import io.kwik.tck.tools.LoopbackServer;
import io.kwik.tck.tools.ThreadCensus;

/**
 * Sessions opened and closed in a row must give back what they took: a server that keeps a
 * thread per ended session (a reader, a heartbeat, a worker) runs out of them in production
 * long before any test notices a slowdown.
 *
 * <p>Threads are counted from a thread dump ({@link ThreadCensus}), virtual ones included: the
 * engine works on virtual threads, which the thread MXBean does not see. The count is of the
 * whole JVM, clients and test threads included; all of them must be gone once the sessions end.
 *
 * @since 0.1.0
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class SessionChurnSuite extends BackendSuite {

    /** For a backend's test class, which extends this suite. */
    protected SessionChurnSuite() {
    }
    private static final System.Logger LOG = System.getLogger(SessionChurnSuite.class.getName());

    private static final int SESSIONS = 50;

    /**
     * Threads allowed above the baseline once the sessions ended: a pool may keep an idle
     * thread or two a little longer. One leaked thread per session would be 50.
     */
    private static final int SLACK = 8;

    /** How long the threads get to end after the last session did; polled, not slept. */
    private static final Duration SETTLE = Bounds.scaled(Duration.ofSeconds(30));

    private Harness h;

    @BeforeEach
    final void openHarness() {
        h = new Harness(provider(), clientProvider());
    }

    @AfterEach
    final void closeHarness() throws Exception {
        h.close();
    }

    /**
     * Fifty sessions, each a 16 KiB echo checked by SHA-256 and then the client's
     * {@code close()}: once every server session has ended, the JVM's live threads return to
     * what they were after one warm-up session (which starts whatever the backends start once
     * per process), within {@value #SLACK} threads and 30 s.
     */
    @Test
    void required_threadsReturnToTheBaselineAfter50Sessions() throws Exception {
        LoopbackServer server = h.server(builder -> { });
        openEchoAndClose(server, -1);
        int baseline = baselineThreads();

        List<KwikSession> accepted = new ArrayList<>();
        int most = 0;
        for (int i = 0; i < SESSIONS; i++) {
            accepted.add(openEchoAndClose(server, i));
            if (i % 10 == 9) most = Math.max(most, ThreadCensus.liveThreads());
        }
        for (KwikSession session : accepted) {
            SessionClose close = session.closed().toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(close.code()).as("how a server session ended (%s; NONE: the client's close arrived)", close)
                    .isEqualTo(ErrorCode.NONE);
        }
        int after = settledThreads(baseline + SLACK);
        int peak = most;
        LOG.log(System.Logger.Level.INFO, () -> provider().name() + " server, " + clientProvider().name() + " client: live threads "
                + baseline + " after a warm-up session, " + peak + " at most while sessions came and went, " + after
                + " at the first count within " + SLACK + " of the baseline, or after 30 s, once " + SESSIONS + " sessions ended");
        assertThat(after).as("live threads after %d sessions ended (baseline %d)", SESSIONS, baseline)
                .isLessThanOrEqualTo(baseline + SLACK);
    }

    /** One session: dial, echo 16 KiB, check it, close; returns the server's end of it. */
    private KwikSession openEchoAndClose(LoopbackServer server, int index) throws Exception {
        KwikSession client = server.dial();
        KwikSession accepted = server.accept(WAIT);
        h.echoEverything(accepted);
        byte[] payload = Digests.payload(5000 + index, 16 * 1024);
        assertThat(h.echoThrough(client, payload)).as("echo of session %d", index).isEqualTo(Digest.of(payload));
        client.close();
        if (index < 0) {
            accepted.closed().toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }
        return accepted;
    }

    /** The live threads once a count a while after the last one is no lower, or after {@link #SETTLE}. */
    private static int baselineThreads() throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        int previous = ThreadCensus.liveThreads();
        while (System.nanoTime() < deadline) {
            Thread.sleep(500);
            int now = ThreadCensus.liveThreads();
            if (now >= previous) return previous;
            previous = now;
        }
        return previous;
    }

    /** The live threads once they are at most {@code target}, or after {@link #SETTLE}. */
    private static int settledThreads(int target) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        int now = ThreadCensus.liveThreads();
        while (now > target && System.nanoTime() < deadline) {
            Thread.sleep(250);
            now = ThreadCensus.liveThreads();
        }
        return now;
    }
}
