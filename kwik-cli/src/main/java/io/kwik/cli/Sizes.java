package io.kwik.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Byte counts and rates, as people write and read them: {@code 256MiB}, {@code 1.5 GiB}, {@code 12.3 MiB/s}. */
final class Sizes {
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]i?b?|b)?", Pattern.CASE_INSENSITIVE);

    private Sizes() {}

    /**
     * Parses {@code 1234}, {@code 64KiB}, {@code 256MiB}, {@code 1GiB}, {@code 16M} (binary
     * multiples; {@code KB}, {@code MB}, {@code GB} are decimal).
     *
     * @throws IllegalArgumentException when it does not parse, or is negative or too large
     */
    static long parse(String text) {
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) throw new IllegalArgumentException("not a size: '" + text + "' (try 32MiB, 1GiB, 1000000)");
        double number = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
        boolean decimal = unit.length() == 2 && unit.endsWith("b") && !unit.equals("ib");
        long base = decimal ? 1000 : 1024;
        long multiplier = switch (unit.charAt(0)) {
            case 'k' -> base;
            case 'm' -> base * base;
            case 'g' -> base * base * base;
            case 't' -> base * base * base * base;
            default -> 1;
        };
        double bytes = number * multiplier;
        if (bytes > Long.MAX_VALUE / 2) throw new IllegalArgumentException("size too large: " + text);
        return Math.round(bytes);
    }

    /** {@code 512 B}, {@code 1.5 KiB}, {@code 256.0 MiB}, ... */
    static String bytes(long bytes) {
        if (bytes < 1024) return bytes + " B";
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    /** A rate in bytes per second: {@code 45.2 MiB/s}; {@code -} when not known (negative). */
    static String rate(double bytesPerSecond) {
        if (bytesPerSecond < 0 || Double.isNaN(bytesPerSecond)) return "-";
        return bytes(Math.round(bytesPerSecond)) + "/s";
    }
}
