package io.kwik.tck.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link Bounds}: the engine suites' one way to bound a wait, scaled like every other. */
class BoundsTest {

    private String before;

    @BeforeEach
    void rememberTheFactor() {
        before = System.getProperty(TimeoutScale.PROPERTY);
    }

    @AfterEach
    void restoreTheFactor() {
        if (before == null) System.clearProperty(TimeoutScale.PROPERTY);
        else System.setProperty(TimeoutScale.PROPERTY, before);
    }

    @Test
    void aSuitesOwnBoundIsMultipliedByTheFactor() {
        System.setProperty(TimeoutScale.PROPERTY, "3");
        assertThat(Bounds.scaled(Duration.ofSeconds(90))).isEqualTo(Duration.ofSeconds(270));
        System.setProperty(TimeoutScale.PROPERTY, "1");
        assertThat(Bounds.scaled(Duration.ofSeconds(90))).isEqualTo(Duration.ofSeconds(90));
    }

    @Test
    void awaitGivesTheValueOrTheFailuresOwnCause() throws Exception {
        assertThat(Bounds.await(CompletableFuture.completedFuture("done"), Duration.ofSeconds(1))).isEqualTo("done");
        IOException cause = new IOException("the peer went away");
        assertThatThrownBy(() -> Bounds.await(CompletableFuture.failedFuture(cause), Duration.ofSeconds(1))).isSameAs(cause);
    }

    @Test
    void awaitEndsAfterTheBoundWithATimeout() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> Bounds.await(new CompletableFuture<>(), Duration.ofMillis(200)))
                .isInstanceOf(TimeoutException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("how long it waited").isGreaterThanOrEqualTo(Duration.ofMillis(200));
    }
}
