package io.kwik.benchmarks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One backend's samples per case key, and what failed. Used by one thread at a time. */
final class Results {
    final Map<String, List<Double>> values = new LinkedHashMap<>();
    final Map<String, String> failures = new LinkedHashMap<>();
    final Map<String, List<String>> failed = new LinkedHashMap<>();

    void add(String key, double value) {
        values.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
    }

    Double median(String key) {
        return percentile(key, 50);
    }

    Double percentile(String key, double p) {
        List<Double> list = values.get(key);
        return list == null || list.isEmpty() ? null : percentile(list, p);
    }

    /** The {@code p}th percentile (nearest rank); the median of an even count is the mean of the middle two. */
    static double percentile(List<Double> values, double p) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (p == 50 && sorted.length % 2 == 0) return (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
        int index = (int) Math.ceil(p / 100 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
