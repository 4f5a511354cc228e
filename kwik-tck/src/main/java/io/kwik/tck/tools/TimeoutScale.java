package io.kwik.tck.tools;

import java.time.Duration;

/**
 * The one factor that stretches the kit's waits for slow machines: the system property
 * {@systemProperty kwik.tck.timeoutScale}, else the environment variable
 * {@code KWIK_TCK_TIMEOUT_SCALE}, else 1.
 *
 * <p>The kit multiplies by it every wait that goes through {@link io.kwik.tck.transport.Waits},
 * every bound of {@link Bounds} (all waits of the engine suites) and every {@code @Timeout} of a
 * suite (through {@link ScaledTimeoutExtension}). A value of 3 on a machine three times slower
 * than a developer's laptop keeps the kit's margins; it never makes a test check less.
 *
 * @since 0.1.0
 */
public final class TimeoutScale {

    /** The system property that sets the factor. */
    public static final String PROPERTY = "kwik.tck.timeoutScale";
    /** The environment variable read when the system property is not set. */
    public static final String ENVIRONMENT_VARIABLE = "KWIK_TCK_TIMEOUT_SCALE";

    private TimeoutScale() {
    }

    /**
     * The factor in force, read on every call so a test JVM may set it late.
     *
     * @return a finite factor greater than 0; 1 when nothing sets it
     * @throws IllegalArgumentException if the property or variable is set to anything else,
     *         naming where it came from
     */
    public static double factor() {
        String property = System.getProperty(PROPERTY);
        if (property != null && !property.isBlank()) {
            return parse(property, "system property " + PROPERTY);
        }
        String variable = System.getenv(ENVIRONMENT_VARIABLE);
        if (variable != null && !variable.isBlank()) {
            return parse(variable, "environment variable " + ENVIRONMENT_VARIABLE);
        }
        return 1.0;
    }

    /**
     * {@code timeout} multiplied by {@link #factor()}, to the millisecond (at least 1 ms when
     * {@code timeout} is positive).
     *
     * @param timeout the bound a fast machine needs
     * @return the bound to use here
     */
    public static Duration scaled(Duration timeout) {
        double factor = factor();
        if (factor == 1.0 || timeout.isZero() || timeout.isNegative()) {
            return timeout;
        }
        double millis = Math.ceil(timeout.toMillis() * factor);
        return Duration.ofMillis(millis >= Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(1, (long) millis));
    }

    private static double parse(String text, String source) {
        double factor;
        try {
            factor = Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(source + " must be a number such as 2 or 1.5, not \"" + text + "\"", e);
        }
        if (!Double.isFinite(factor) || factor <= 0) {
            throw new IllegalArgumentException(source + " must be a finite number above 0, not \"" + text + "\"");
        }
        return factor;
    }
}
