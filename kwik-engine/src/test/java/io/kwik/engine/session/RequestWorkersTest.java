package io.kwik.engine.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class RequestWorkersTest {

    @Test
    void blockedRequestsFillABoundedBacklogOnAFixedNumberOfThreads() throws Exception {
        AtomicInteger started = new AtomicInteger();
        ThreadFactory counting = body -> {
            started.incrementAndGet();
            return Thread.ofVirtual().unstarted(body);
        };
        RequestWorkers workers = new RequestWorkers("test", counting, 2, 10, 1 << 20);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(2);
        Runnable blocked = () -> {
            running.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        int accepted = 0;
        // a primary that floods requests whose answers cannot go out
        for (int i = 0; i < 100_000 && workers.submit(blocked, 7); i++) accepted++;
        assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();

        assertThat(accepted).as("requests taken before the backlog refused").isBetween(10, 12);
        assertThat(started.get()).as("threads started").isEqualTo(2);
        release.countDown();
        workers.close();
    }

    @Test
    void theBacklogIsBoundedInBytesToo() {
        RequestWorkers workers = new RequestWorkers("test", body -> Thread.ofVirtual().unstarted(() -> { }), 1, 1000, 100);
        assertThat(workers.submit(() -> { }, 60)).isTrue();
        assertThat(workers.submit(() -> { }, 60)).isFalse();
        workers.close();
    }

    @Test
    void workersEndWhenTheBacklogIsEmptyAndEveryJobRuns() throws Exception {
        CountDownLatch done = new CountDownLatch(50);
        RequestWorkers workers = new RequestWorkers("test", Thread.ofVirtual().factory(), 3, 100, 1 << 20);
        for (int i = 0; i < 50; i++) assertThat(workers.submit(done::countDown, 10)).isTrue();
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        workers.close();
    }
}
