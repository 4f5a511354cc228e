package io.kwik.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import io.kwik.api.RangePlanner.Assignment;

/**
 * {@link RangePlanner} on a fake clock: a small discrete-event simulation gives each path a
 * rate, delivers its ranges one after another at that rate, and checks what the planner did.
 */
final class RangePlannerTest {

    private static final long MiB = 1L << 20;
    private static final long KiB = 1L << 10;

    /** A fake nanosecond clock. */
    private static final class FakeClock {
        long now = 1_000_000_000L;

        long nanos() {
            return now;
        }
    }

    // ---------------------------------------------------------------- basics

    @Test
    void withNothingMeasuredThePathsGetEqualInterleavedRangesInOffsetOrder() {
        FakeClock clock = new FakeClock();
        RangePlanner planner = RangePlanner.builder(100, 100 + 64 * MiB).window(12 * MiB)
                .chunkSizes(1 * MiB, 4 * MiB).clock(clock::nanos).paths(List.of("p0", "p1", "p2")).build();

        List<Assignment> first = drain(planner);

        // unmeasured paths get one smallest range each, and nothing more until it completes
        assertThat(first).extracting(Assignment::pathId).containsExactly("p0", "p1", "p2");
        long offset = 100;
        for (Assignment a : first) {
            assertThat(a.offset()).as("ranges follow each other").isEqualTo(offset);
            assertThat(a.refill()).isFalse();
            assertThat(a.length()).isEqualTo(MiB);
            offset += a.length();
        }
        assertThat(planner.next()).as("each path has its first range").isEmpty();
        for (String path : List.of("p0", "p1", "p2")) assertThat(planner.share(path)).isCloseTo(1.0 / 3, within(1e-9));
    }

    @Test
    void theRefillPathIsAddedWhenNotListed() {
        RangePlanner planner = RangePlanner.builder(0, MiB).refillPath("p0").path("p1").build();
        assertThat(planner.livePaths()).containsExactly("p0", "p1");
    }

    @Test
    void anEmptyRangeIsFinishedAtOnce() {
        RangePlanner planner = RangePlanner.builder(7, 7).build();
        assertThat(planner.finished()).isTrue();
        assertThat(planner.next()).isEmpty();
        assertThat(planner.frontier()).isEqualTo(7);
    }

    @Test
    void noRangeIsSmallerThanTheSmallestChunkButTheLastOneFitsTheTail() {
        FakeClock clock = new FakeClock();
        long size = 10 * MiB + 100 * KiB;   // a tail of 100 KiB would be left; it joins the last range
        RangePlanner planner = RangePlanner.builder(0, size).window(64 * MiB).chunkSizes(MiB, 2 * MiB)
                .clock(clock::nanos).paths(List.of("p0", "p1")).build();
        planner.observe("p0", MiB);
        planner.observe("p1", MiB);

        List<Assignment> all = drain(planner);

        assertThat(all.stream().mapToLong(Assignment::length).sum()).isEqualTo(size);
        assertThat(all).allSatisfy(a -> assertThat(a.length()).isGreaterThanOrEqualTo(MiB));
        assertThat(all.getLast().range().end()).isEqualTo(size);
    }

    @Test
    void badValuesAreRefusedAtBuild() {
        assertThatThrownBy(() -> RangePlanner.builder(-1, 5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RangePlanner.builder(5, 4)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RangePlanner.builder(0, 10).chunkSizes(0, 5).build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RangePlanner.builder(0, 10).chunkSizes(8, 4).build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RangePlanner.builder(0, 10).chunkSizes(8, 16).window(4).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RangePlanner.builder(0, 10).smoothing(0).build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RangePlanner.builder(0, 10).smoothing(1.5).build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RangePlanner.builder(0, 10).path("p1").path("p1").build())
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void outcomesOfUnknownAssignmentsAreRefused() {
        RangePlanner planner = RangePlanner.builder(0, 8 * MiB).path("p1").build();
        Assignment a = planner.next().orElseThrow();
        planner.completed(a);
        assertThatThrownBy(() -> planner.completed(a)).isInstanceOf(IllegalArgumentException.class);
        Assignment forged = new Assignment("p1", new ByteRange(0, 5), false, 0);
        assertThatThrownBy(() -> planner.failed(forged, List.of())).isInstanceOf(IllegalArgumentException.class);
        Assignment own = drain(planner).stream().filter(x -> x.pathId().equals("p0")).findFirst().orElseThrow();
        assertThatThrownBy(() -> planner.failed(own, List.of(own.range()))).as("the refill path cannot fail")
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> planner.removePath("p0")).isInstanceOf(IllegalArgumentException.class);
    }

    // ---------------------------------------------------------------- goodput

    @Test
    void completionsAreGoodputSamples() {
        FakeClock clock = new FakeClock();
        RangePlanner planner = RangePlanner.builder(0, 100 * MiB).window(8 * MiB).chunkSizes(MiB, MiB)
                .smoothing(1).clock(clock::nanos).paths(List.of("p0", "p1")).build();
        planner.observe("p0", 1);                         // measured, very slow: each real sample replaces it
        planner.observe("p1", 1);
        Assignment a = planner.next().orElseThrow();      // p0
        Assignment b = planner.next().orElseThrow();      // p1
        Assignment c = planner.next().orElseThrow();      // p0 again, pipelined
        assertThat(List.of(a.pathId(), b.pathId(), c.pathId())).containsExactly("p0", "p1", "p0");
        assertThat(planner.goodput("p0")).isEqualTo(1);

        clock.now += 10_000_000;                          // 1 MiB in 10 ms: the path was idle, a lower bound above 1
        planner.completed(a);
        assertThat(planner.goodput("p0")).isEqualTo(Math.round(MiB / 0.010));
        clock.now += 600_000_000;                         // the pipelined one: 600 ms after the previous completion
        planner.completed(c);
        assertThat(planner.goodput("p0")).isEqualTo(Math.round(MiB / 0.600));
        clock.now += 10_000_000;                          // p1: 620 ms since it was handed out
        planner.completed(b);
        assertThat(planner.goodput("p1")).isEqualTo(Math.round(MiB / 0.620));
        assertThat(planner.share("p0")).isCloseTo(0.620 / 1.220, within(1e-6));

        planner.observe("p1", 0);                         // "not measured": ignored
        planner.observe("p1", -1);
        planner.observe("p9", 5);                         // unknown: ignored
        assertThat(planner.goodput("p1")).isEqualTo(Math.round(MiB / 0.620));
        planner.observe("p1", Math.round(MiB / 0.150));   // smoothing 1: the estimate is replaced
        assertThat(planner.share("p1")).isCloseTo(0.600 / 0.750, within(1e-6));
    }

    @Test
    void completionsThatComeInABunchAreNoSample() {
        // one receipt confirms ranges the path wrote over a long time: their bytes over the few
        // milliseconds between the completions are no measure of the path (docs/PERFORMANCE.md,
        // the timeline of 2026-12-07: estimates of gigabytes per second for a 9.5 MiB/s path)
        FakeClock clock = new FakeClock();
        RangePlanner planner = RangePlanner.builder(0, 100 * MiB).window(16 * MiB).chunkSizes(MiB, MiB)
                .smoothing(1).clock(clock::nanos).paths(List.of("p0", "p1")).build();
        planner.observe("p0", 10 * MiB);
        planner.observe("p1", 10 * MiB);
        List<Assignment> handed = drain(planner).stream().filter(a -> a.pathId().equals("p1")).toList();
        assertThat(handed).hasSizeGreaterThanOrEqualTo(3);
        clock.now += 100_000_000;                         // the first, alone: a lower bound of 10 MiB/s, no change
        planner.completed(handed.get(0));
        for (Assignment a : handed.subList(1, handed.size())) {
            clock.now += 1_000;                           // the rest 1 µs apart, in one receipt
            planner.completed(a);
        }
        assertThat(planner.goodput("p1")).as("p1's estimate").isEqualTo(10 * MiB);
    }

    @Test
    void aPathWithNoEstimateCountsAsTheMeanOfTheOthers() {
        RangePlanner planner = RangePlanner.builder(0, 100 * MiB).paths(List.of("p0", "p1", "p2")).build();
        planner.observe("p0", 300);
        planner.observe("p1", 100);
        assertThat(planner.share("p2")).isCloseTo(200.0 / 600, within(1e-9));
        assertThat(planner.share("p0")).isCloseTo(300.0 / 600, within(1e-9));
    }

    @Test
    void sharesFollowTheMeasuredGoodputAndTheWindowIsNeverExceeded() {
        Map<String, Double> rates = new LinkedHashMap<>();
        rates.put("p0", 100.0 * MiB);
        rates.put("p1", 50.0 * MiB);
        rates.put("p2", 25.0 * MiB);
        long size = 512 * MiB;
        Simulation sim = new Simulation(RangePlanner.builder(0, size).window(16 * MiB).chunkSizes(256 * KiB, 4 * MiB), rates);

        sim.run(Long.MAX_VALUE);

        assertThat(sim.planner.finished()).isTrue();
        assertThat(sim.maxOutstanding).as("bytes outstanding past the frontier").isLessThanOrEqualTo(16 * MiB);
        assertThat(sim.delivered).as("every byte, once, in order").isEqualTo(size);
        double total = rates.values().stream().mapToDouble(Double::doubleValue).sum();
        for (var rate : rates.entrySet()) {
            double share = (double) sim.planner.assigned(rate.getKey()) / size;
            assertThat(share).as("share of %s", rate.getKey()).isCloseTo(rate.getValue() / total, within(0.04));
        }
        // every path was kept busy: the whole transfer took about size / total rate
        double ideal = size / total;
        assertThat(sim.clock.now / 1e9 - 1).as("seconds").isLessThan(ideal * 1.15);
    }

    @Test
    void aPathMeasuredSlowOnceKeepsEnoughInFlightToShowItsRealSpeed() {
        Map<String, Double> rates = new LinkedHashMap<>();
        rates.put("p0", 60.0 * MiB);
        rates.put("p1", 60.0 * MiB);
        rates.put("p2", 60.0 * MiB);
        Simulation sim = new Simulation(RangePlanner.builder(0, 600 * MiB).window(12 * MiB).chunkSizes(256 * KiB, 4 * MiB), rates);
        for (String path : rates.keySet()) sim.latencies.put(path, 20_000_000L);   // 20 ms from write to receipt
        sim.planner.observe("p0", 60 * MiB);
        sim.planner.observe("p1", 60 * MiB);
        sim.planner.observe("p2", 100 * KiB);            // a bad first impression: 600 times too slow
        assertThat(sim.planner.share("p2")).isLessThan(0.01);

        sim.run(Long.MAX_VALUE);

        assertThat(sim.planner.goodput("p2")).as("p2's estimate recovers").isGreaterThan(50L * MiB);
        assertThat((double) sim.planner.assigned("p2") / (600 * MiB)).as("p2's share").isCloseTo(1.0 / 3, within(0.05));
    }

    @Test
    void sharesReBalanceWhenAPathSpeedsUp() {
        Map<String, Double> rates = new LinkedHashMap<>();
        rates.put("p0", 40.0 * MiB);
        rates.put("p1", 40.0 * MiB);
        long size = 400 * MiB;
        Simulation sim = new Simulation(RangePlanner.builder(0, size).window(16 * MiB).chunkSizes(256 * KiB, 2 * MiB), rates);

        sim.run(200 * MiB);                                 // half way at equal rates
        long p0Before = sim.planner.assigned("p0");
        long p1Before = sim.planner.assigned("p1");
        assertThat((double) p1Before / (p0Before + p1Before)).isCloseTo(0.5, within(0.05));

        rates.put("p1", 120.0 * MiB);                       // p1 becomes three times as fast
        sim.run(Long.MAX_VALUE);

        long p0After = sim.planner.assigned("p0") - p0Before;
        long p1After = sim.planner.assigned("p1") - p1Before;
        assertThat((double) p1After / (p0After + p1After)).as("p1's share after the change").isCloseTo(0.75, within(0.06));
        assertThat(sim.maxOutstanding).isLessThanOrEqualTo(16 * MiB);
        assertThat(sim.delivered).isEqualTo(size);
    }

    // ---------------------------------------------------------------- the client's arrival reports

    @Test
    void anArrivalRateIsAFullSampleOnlyWhileThePathHadWorkHandedOutBeforeIt() {
        FakeClock clock = new FakeClock();
        RangePlanner planner = RangePlanner.builder(0, 100 * MiB).window(64 * MiB).chunkSizes(MiB, MiB)
                .smoothing(1).clock(clock::nanos).paths(List.of("p0", "p1")).build();
        planner.observe("p1", 100 * MiB);                 // p1 gets a large allowance
        drain(planner);
        long handedToP1 = planner.assigned("p1");
        assertThat(handedToP1).isGreaterThan(4 * MiB);

        clock.now += 300_000_000;                         // the hand-outs are well in the past
        planner.arrived("p1", 0, 5_000_000_000L);         // the first report anchors the samples
        assertThat(planner.goodput("p1")).as("one report is no rate").isEqualTo(100 * MiB);
        clock.now += 100_000_000;
        planner.arrived("p1", MiB, 5_100_000_000L);       // too soon after the anchor: no sample yet
        assertThat(planner.goodput("p1")).isEqualTo(100 * MiB);
        clock.now += 200_000_000;
        planner.arrived("p1", 2 * MiB, 5_400_000_000L);   // 2 MiB in 400 ms while it still had work: a full sample
        assertThat(planner.goodput("p1")).as("the estimate may go down").isEqualTo(Math.round(2 * MiB / 0.4));

        planner.observe("p1", 100 * MiB);                 // once reported on, other estimates are ignored
        assertThat(planner.goodput("p1")).isEqualTo(Math.round(2 * MiB / 0.4));
        planner.arrived("p1", 2 * MiB, 5_300_000_000L);   // back in time: ignored
        planner.arrived("p1", MiB, 5_900_000_000L);       // fewer bytes than before: ignored
        assertThat(planner.goodput("p1")).isEqualTo(Math.round(2 * MiB / 0.4));

        clock.now += 400_000_000;
        planner.arrived("p1", handedToP1, 5_800_000_000L);   // all it was given arrived: it may have idled
        assertThat(planner.goodput("p1")).as("a lower bound above the estimate raises it")
                .isEqualTo(Math.round((handedToP1 - 2 * MiB) / 0.4));
        clock.now += 400_000_000;
        planner.arrived("p1", handedToP1, 6_200_000_000L);   // nothing more arrived, and it had nothing to write
        assertThat(planner.goodput("p1")).as("an idle path is not measured slow").isEqualTo(Math.round((handedToP1 - 2 * MiB) / 0.4));
    }

    @Test
    void aClientThatReadsInBurstsDoesNotLiftAStragglersEstimate() {
        Map<String, Double> rates = new LinkedHashMap<>();
        rates.put("p0", 9.5 * MiB);
        rates.put("p1", 9.5 * MiB);
        rates.put("p2", 9.5 / 8 * MiB);
        long size = 128 * MiB;
        Simulation sim = new Simulation(RangePlanner.builder(0, size).window(12 * MiB).chunkSizes(256 * KiB, 4 * MiB), rates);
        for (String path : List.of("p1", "p2")) {
            sim.latencies.put(path, 200_000_000L);
            sim.dispatch.put(path, 40_000_000L);
        }
        sim.reportEvery = 100_000_000L;
        sim.reportLag = 20_000_000L;
        sim.readEvery = 300_000_000L;                     // the client gets the CPU every 300 ms, and reads all at once

        sim.run(Long.MAX_VALUE);

        assertThat(sim.delivered).isEqualTo(size);
        assertThat(sim.planner.goodput("p2")).as("p2's estimate, against %d", (long) (9.5 / 8 * MiB))
                .isLessThan((long) (1.3 * 9.5 / 8 * MiB));
        assertThat((double) sim.planner.delivered("p2") / size).as("p2's share").isLessThan(1.0 / 17 + 0.02);
    }

    @Test
    void arrivalReportsKeepLaggedSecondariesAtTheirShare() {
        Map<String, Double> rates = new LinkedHashMap<>();
        rates.put("p0", 9.5 * MiB);
        rates.put("p1", 9.5 * MiB);
        rates.put("p2", 9.5 * MiB);
        long size = 256 * MiB;
        Simulation sim = new Simulation(RangePlanner.builder(0, size).window(12 * MiB).chunkSizes(256 * KiB, 4 * MiB), rates);
        for (String path : List.of("p1", "p2")) {
            sim.latencies.put(path, 200_000_000L);        // receipts 200 ms after the last byte
            sim.dispatch.put(path, 40_000_000L);          // instructions 40 ms on the way
        }
        sim.reportEvery = 100_000_000L;
        sim.reportLag = 20_000_000L;

        sim.run(Long.MAX_VALUE);

        assertThat(sim.delivered).isEqualTo(size);
        double ideal = size / (3 * 9.5 * MiB);
        // the rest of the gap is the window: ranges count against it until their receipts come
        assertThat(sim.clock.now / 1e9 - 1).as("seconds, against %.2f at the sum of the rates", ideal).isLessThan(ideal * 1.16);
        for (String path : rates.keySet()) {
            assertThat(sim.planner.goodput(path)).as("%s's estimate", path).isCloseTo((long) (9.5 * MiB), within((long) (0.5 * MiB)));
            assertThat((double) sim.planner.delivered(path) / size).as("share of %s", path).isCloseTo(1.0 / 3, within(0.06));
        }
    }

    @Test
    void withArrivalReportsAStragglerCarriesLittleAndNeverHoldsTheReaderBack() {
        Map<String, Double> rates = new LinkedHashMap<>();
        rates.put("p0", 9.5 * MiB);
        rates.put("p1", 9.5 * MiB);
        rates.put("p2", 9.5 / 8 * MiB);
        long size = 128 * MiB;
        Simulation sim = new Simulation(RangePlanner.builder(0, size).window(12 * MiB).chunkSizes(256 * KiB, 4 * MiB), rates);
        for (String path : List.of("p1", "p2")) {
            sim.latencies.put(path, 200_000_000L);
            sim.dispatch.put(path, 40_000_000L);
        }
        sim.reportEvery = 100_000_000L;
        sim.reportLag = 20_000_000L;

        sim.run(Long.MAX_VALUE);

        assertThat(sim.delivered).isEqualTo(size);
        double fastAlone = size / (19.0 * MiB);
        assertThat(sim.clock.now / 1e9 - 1).as("seconds, against %.2f for the two fast paths alone", fastAlone)
                .isLessThan(fastAlone * 1.05);
        assertThat((double) sim.planner.delivered("p2") / size).as("p2's share").isLessThan(1.0 / 17 + 0.02);
        assertThat(sim.planner.goodput("p2")).as("p2's estimate").isLessThan(2L * MiB);
    }

    @Test
    void forgedArrivalReportsSkewTheSharesButNeverBreakThePlan() {
        Map<String, Double> rates = new LinkedHashMap<>();
        rates.put("p0", 20.0 * MiB);
        rates.put("p1", 20.0 * MiB);
        rates.put("p2", 20.0 * MiB);
        long size = 64 * MiB;
        java.util.Random random = new java.util.Random(13);
        for (int round = 0; round < 20; round++) {
            Simulation sim = new Simulation(RangePlanner.builder(0, size).window(8 * MiB).chunkSizes(256 * KiB, 2 * MiB), rates);
            long[] forged = {0, 1, Long.MAX_VALUE, Long.MIN_VALUE, -1, 1L << 62, size};
            // a report of absurd figures before every step the planner takes
            RangePlanner planner = sim.planner;
            for (int i = 0; i < 50; i++) {
                String path = "p" + random.nextInt(4);
                planner.arrived(path, forged[random.nextInt(forged.length)], forged[random.nextInt(forged.length)]);
            }
            sim.reportEvery = 50_000_000L;
            sim.run(size / 2);
            for (int i = 0; i < 50; i++) {
                planner.arrived("p" + random.nextInt(3), forged[random.nextInt(forged.length)],
                        sim.clock.now + forged[random.nextInt(forged.length)]);
            }
            sim.run(Long.MAX_VALUE);

            assertThat(sim.delivered).as("round %d: every byte, in order", round).isEqualTo(size);
            assertThat(sim.maxOutstanding).as("round %d: within the window", round).isLessThanOrEqualTo(8 * MiB);
            for (String path : rates.keySet()) {
                assertThat(planner.goodput(path)).as("round %d: %s's estimate", round, path).isBetween(-1L, (long) 1e12);
            }
        }
    }

    // ---------------------------------------------------------------- the end game

    @Test
    void aStragglerCarriesLittleAndNeverHoldsTheReaderBack() {
        Map<String, Double> rates = new LinkedHashMap<>();
        // the speeds of the benchmark's capped links: 80 Mbit/s, and an eighth of it
        rates.put("p0", 9.5 * MiB);
        rates.put("p1", 9.5 * MiB);
        rates.put("p2", 9.5 / 8 * MiB);
        long size = 128 * MiB;
        Simulation sim = new Simulation(RangePlanner.builder(0, size).window(16 * MiB).chunkSizes(256 * KiB, 4 * MiB), rates);
        for (String path : List.of("p1", "p2")) sim.latencies.put(path, 200_000_000L);   // 200 ms from write to receipt

        sim.run(Long.MAX_VALUE);

        assertThat(sim.delivered).isEqualTo(size);
        double fastAlone = size / (19.0 * MiB);
        assertThat(sim.clock.now / 1e9 - 1).as("seconds, against %.2f for the two fast paths alone", fastAlone)
                .isLessThan(fastAlone * 1.05);
        assertThat((double) sim.planner.delivered("p2") / size).as("p2's share").isLessThan(1.0 / 17 + 0.02);
    }

    @Test
    void aHolderThatStopsWithoutDyingIsCopiedWholeAfterTheGrace() {
        Map<String, Double> rates = new LinkedHashMap<>();
        rates.put("p0", 40.0 * MiB);
        rates.put("p1", 40.0 * MiB);
        Simulation sim = new Simulation(RangePlanner.builder(0, 64 * MiB).window(16 * MiB).chunkSizes(256 * KiB, 4 * MiB)
                .rescueGrace(java.time.Duration.ofMillis(300)), rates);
        sim.run(8 * MiB);
        rates.put("p1", 1.0);                              // one byte a second: stuck, but alive

        sim.run(Long.MAX_VALUE);

        assertThat(sim.delivered).isEqualTo(64 * MiB);
        assertThat(sim.planner.finished()).isTrue();
        assertThat(sim.planner.copied("p0")).as("bytes p0 copied").isPositive();
        assertThat(sim.clock.now / 1e9 - 1).as("seconds").isLessThan(10);
    }

    // ---------------------------------------------------------------- failures

    @Test
    void aFailedPathsMissingBytesAreRefilledFirstByTheRefillPath() {
        FakeClock clock = new FakeClock();
        // no end-game copies here: the check below is that refills leave no gap and no overlap
        RangePlanner planner = RangePlanner.builder(0, 48 * MiB).window(12 * MiB).chunkSizes(MiB, 2 * MiB)
                .endgame(false).clock(clock::nanos).paths(List.of("p0", "p1", "p2")).build();
        for (String path : List.of("p0", "p1", "p2")) planner.observe(path, 10 * MiB);
        List<Assignment> first = drain(planner);
        Assignment lost = first.stream().filter(a -> a.pathId().equals("p2")).findFirst().orElseThrow();
        Assignment alsoLost = first.stream().filter(a -> a.pathId().equals("p2")).skip(1).findFirst().orElseThrow();
        // the client holds the first half of the first range, none of the second
        ByteRange hole = new ByteRange(lost.offset() + MiB, lost.range().end());

        clock.now += 1_000_000;
        planner.failed(lost, List.of(hole, new ByteRange(alsoLost.offset(), alsoLost.range().end() + 5 * MiB)));
        planner.failed(alsoLost, List.of(alsoLost.range()));

        assertThat(planner.livePaths()).containsExactly("p0", "p1");
        assertThat(planner.share("p2")).isZero();
        assertThat(planner.frontier()).isEqualTo(first.getFirst().offset());
        Assignment refill1 = planner.next().orElseThrow();
        Assignment refill2 = planner.next().orElseThrow();
        assertThat(refill1).extracting(Assignment::pathId, Assignment::range, Assignment::refill)
                .containsExactly("p0", hole, true);
        assertThat(refill2).extracting(Assignment::pathId, Assignment::range, Assignment::refill)
                .containsExactly("p0", alsoLost.range(), true);
        assertThat(planner.delivered("p2")).isEqualTo(MiB);

        // finish everything, p2 never gets a new range, and every byte is delivered exactly once
        Map<Long, Long> covered = new TreeMap<>();
        for (Assignment a : first) {
            if (!a.pathId().equals("p2")) covered.put(a.offset(), a.range().end());
        }
        covered.put(lost.offset(), lost.offset() + MiB);
        List<Assignment> pending = new ArrayList<>(List.of(refill1, refill2));
        for (Assignment a : first) {
            if (!a.pathId().equals("p2")) pending.add(a);
        }
        while (!pending.isEmpty()) {
            Assignment a = pending.removeFirst();
            clock.now += 1_000_000;
            planner.completed(a);
            if (a.refill()) covered.put(a.offset(), a.range().end());
            Optional<Assignment> more;
            while ((more = planner.next()).isPresent()) {
                assertThat(more.get().pathId()).isNotEqualTo("p2");
                covered.put(more.get().offset(), more.get().range().end());
                pending.add(more.get());
            }
        }
        assertThat(planner.finished()).isTrue();
        long cursor = 0;
        for (var range : covered.entrySet()) {
            assertThat(range.getKey()).as("no gap nor overlap at %d", cursor).isEqualTo(cursor);
            cursor = range.getValue();
        }
        assertThat(cursor).isEqualTo(48 * MiB);
    }

    @Test
    void largeRefillsAreSplitIntoChunks() {
        RangePlanner planner = RangePlanner.builder(0, 64 * MiB).window(32 * MiB).chunkSizes(MiB, 4 * MiB)
                .paths(List.of("p0", "p1")).build();
        planner.observe("p0", 100 * MiB);
        planner.observe("p1", 100 * MiB);
        Assignment p1 = drain(planner).stream().filter(a -> a.pathId().equals("p1")).findFirst().orElseThrow();
        assertThat(p1.length()).isEqualTo(4 * MiB);
        planner.failed(p1, List.of(new ByteRange(0, 64 * MiB)));   // reaches past the range: clipped
        planner.removePath("p9");                                  // unknown: ignored
        assertThat(planner.next().orElseThrow().range()).isEqualTo(new ByteRange(p1.offset(), p1.offset() + 4 * MiB));
        assertThat(planner.next()).as("p0 has its allowance and more in flight").isEmpty();
    }

    @Test
    void aRemovedPathGetsNoNewRangesButItsOutstandingOnesStillComplete() {
        RangePlanner planner = RangePlanner.builder(0, 64 * MiB).window(8 * MiB).chunkSizes(MiB, MiB)
                .paths(List.of("p0", "p1")).build();
        List<Assignment> first = drain(planner);
        planner.removePath("p1");
        for (Assignment a : first) planner.completed(a);
        List<Assignment> second = drain(planner);
        assertThat(second).isNotEmpty().allSatisfy(a -> assertThat(a.pathId()).isEqualTo("p0"));
        assertThat(planner.inFlight("p1")).isZero();
    }

    // ---------------------------------------------------------------- helpers

    private static List<Assignment> drain(RangePlanner planner) {
        List<Assignment> out = new ArrayList<>();
        Optional<Assignment> next;
        while ((next = planner.next()).isPresent()) out.add(next.get());
        return out;
    }

    /**
     * Each path sends its ranges one after another at its rate, and each arrives its path's
     * latency later. The client "reads" in order: {@link #delivered} is the end of the
     * contiguous prefix delivered so far.
     */
    private static final class Simulation {
        final FakeClock clock = new FakeClock();
        final RangePlanner planner;
        final Map<String, Double> rates;
        final Map<String, Long> latencies = new HashMap<>();
        /** From a hand-out to the path's first byte: the instruction's way to a secondary. */
        final Map<String, Long> dispatch = new HashMap<>();
        final Map<String, Long> sendingUntil = new HashMap<>();
        /** Each path's sends, {start, end, bytes}, for what had arrived by a moment. */
        final Map<String, List<long[]>> sends = new HashMap<>();
        /** How often the client reports arrivals ({@link RangePlanner#arrived}); 0 for never. */
        long reportEvery;
        /** How old a report's figures are when the planner gets them. */
        long reportLag;
        /** When not 0: the client counts arrivals only at multiples of this, all at once. */
        long readEvery;
        long nextReport = clock.now;
        final java.util.PriorityQueue<Arrival> arrivals = new java.util.PriorityQueue<>();
        final TreeMap<Long, Long> arrived = new TreeMap<>();
        long delivered;
        long maxOutstanding;
        static final long TICK = 10_000_000L;

        record Arrival(long at, Assignment assignment) implements Comparable<Arrival> {
            @Override
            public int compareTo(Arrival other) {
                return Long.compare(at, other.at);
            }
        }

        Simulation(RangePlanner.Builder builder, Map<String, Double> rates) {
            this.rates = rates;
            this.planner = builder.clock(clock::nanos).paths(List.copyOf(rates.keySet())).build();
            this.delivered = planner.range().start();
        }

        /** Bytes of {@code path}'s ranges that had arrived by {@code nanos}. */
        long arrivedBy(String path, long nanos) {
            if (readEvery > 0) nanos -= Math.floorMod(nanos, readEvery);
            long bytes = 0;
            for (long[] send : sends.getOrDefault(path, List.of())) {
                if (nanos >= send[1]) {
                    bytes += send[2];
                } else if (nanos > send[0]) {
                    bytes += (long) (send[2] * (double) (nanos - send[0]) / (send[1] - send[0]));
                }
            }
            return bytes;
        }

        /** Runs until {@code bytes} are delivered in order, or the plan is finished. */
        void run(long bytes) {
            long start = planner.range().start();
            while (!planner.finished() && delivered - start < bytes) {
                Optional<Assignment> next;
                while ((next = planner.next()).isPresent()) {
                    Assignment a = next.get();
                    maxOutstanding = Math.max(maxOutstanding, planner.nextOffset() - planner.frontier());
                    long sendFrom = Math.max(clock.now + dispatch.getOrDefault(a.pathId(), 0L),
                            sendingUntil.getOrDefault(a.pathId(), 0L));
                    long sent = sendFrom + (long) (a.length() / rates.get(a.pathId()) * 1e9);
                    sendingUntil.put(a.pathId(), sent);
                    sends.computeIfAbsent(a.pathId(), k -> new ArrayList<>()).add(new long[] {sendFrom, sent, a.length()});
                    arrivals.add(new Arrival(sent + latencies.getOrDefault(a.pathId(), 0L), a));
                }
                Arrival first = arrivals.peek();
                if (first == null) throw new AssertionError("nothing in flight and not finished: " + planner);
                if (reportEvery > 0 && nextReport <= Math.min(first.at(), clock.now + TICK)) {
                    clock.now = Math.max(clock.now, nextReport);
                    nextReport += reportEvery;
                    long seen = clock.now - reportLag;
                    for (String path : rates.keySet()) planner.arrived(path, arrivedBy(path, seen), seen);
                    continue;
                }
                if (first.at() > clock.now + TICK) {
                    clock.now += TICK;                    // time passes without news: the end game may act
                    continue;
                }
                arrivals.poll();
                clock.now = Math.max(clock.now, first.at());
                planner.completed(first.assignment());
                arrived.merge(first.assignment().offset(), first.assignment().range().end(), Math::max);
                // end-game copies overlap the ranges they copy
                while (!arrived.isEmpty() && arrived.firstKey() <= delivered) {
                    delivered = Math.max(delivered, arrived.pollFirstEntry().getValue());
                }
            }
        }
    }

}
