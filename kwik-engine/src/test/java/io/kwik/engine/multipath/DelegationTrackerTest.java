package io.kwik.engine.multipath;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.Test;

import io.kwik.api.ByteRange;
import io.kwik.api.Delegation;
import io.kwik.api.ErrorCode;
import io.kwik.api.KwikException;
import io.kwik.api.PathDeadException;

class DelegationTrackerTest {
    private final DelegationTracker tracker = new DelegationTracker("s-test");

    @Test
    void aDelegationCompletesOnlyWhenReceiptsCoverItsWholeRange() {
        Delegation range = new Delegation("p1", 4, 100, 50);
        CompletableFuture<Delegation> done = tracker.track(range);
        tracker.onReceipt(4, List.of(new ByteRange(0, 120), new ByteRange(130, 150)));
        assertThat(done).isNotDone();
        tracker.onReceipt(4, List.of(new ByteRange(0, 150)));
        assertThat(done).isCompletedWithValue(range);
    }

    @Test
    void receiptsForOtherStreamsDoNotCompleteIt() {
        CompletableFuture<Delegation> done = tracker.track(new Delegation("p1", 4, 0, 10));
        tracker.onReceipt(8, List.of(new ByteRange(0, 100)));
        assertThat(done).isNotDone();
    }

    @Test
    void aDeadPathFailsItsDelegationsWithTheMissingRanges() {
        CompletableFuture<Delegation> onP1 = tracker.track(new Delegation("p1", 4, 100, 100));
        CompletableFuture<Delegation> onP2 = tracker.track(new Delegation("p2", 4, 200, 100));
        tracker.onReceipt(4, List.of(new ByteRange(0, 120), new ByteRange(150, 160)));
        tracker.onPathDead("p1", "blackholed");
        assertThat(onP2).isNotDone();
        assertThat(onP1).isCompletedExceptionally();
        PathDeadException dead = (PathDeadException) onP1.handle((v, e) -> e).join();
        assertThat(dead.code()).isEqualTo(ErrorCode.PATH_DEAD);
        assertThat(dead.pathId()).isEqualTo("p1");
        assertThat(dead.missingRanges()).containsExactly(new ByteRange(120, 150), new ByteRange(160, 200));
    }

    @Test
    void theEndOfTheSessionFailsEveryPendingDelegation() {
        CompletableFuture<Delegation> pending = tracker.track(new Delegation("p1", 4, 0, 10));
        tracker.failAll(new KwikException(ErrorCode.SESSION_CLOSED, "closed"));
        assertThat(pending).isCompletedExceptionally();
        assertThat(pending.handle((v, e) -> e).join()).isInstanceOf(KwikException.class);
    }

    @Test
    void missingRangesSkipWhatIsHeld() {
        Delegation range = new Delegation("p1", 4, 10, 20);
        assertThat(DelegationTracker.missing(range, List.of())).containsExactly(new ByteRange(10, 30));
        assertThat(DelegationTracker.missing(range, List.of(new ByteRange(0, 30)))).isEmpty();
        assertThat(DelegationTracker.missing(range, List.of(new ByteRange(15, 20), new ByteRange(25, 40))))
                .containsExactly(new ByteRange(10, 15), new ByteRange(20, 25));
    }

    @Test
    void anAbandonedDelegationFailsWithItsCause() {
        Delegation range = new Delegation("p9", 4, 0, 10);
        CompletableFuture<Delegation> pending = tracker.track(range);
        KwikException cause = new KwikException(ErrorCode.PATH_NOT_FOUND, "no p9");
        tracker.abandon(range, cause);
        assertThat(pending.handle((v, e) -> e instanceof CompletionException c ? c.getCause() : e).join()).isSameAs(cause);
    }
}
