package io.kwik.tck.impair;

import java.time.Duration;
import java.util.Objects;

/**
 * Decides how long an {@link ImpairmentProxy} holds one datagram before forwarding it, like
 * the {@code DelayPacket} callback of quic-go's test proxy. Datagrams are forwarded when their
 * own delay ends, so different delays reorder them. The proxy asks once per datagram it does
 * not drop, from its I/O threads, so an implementation must be thread-safe, quick and
 * non-blocking.
 *
 * @since 0.1.0
 */
@FunctionalInterface
public interface DelayPolicy {

    /**
     * How long to hold a datagram.
     *
     * @param direction   which way the datagram goes
     * @param packetIndex its index among the datagrams received in {@code direction}, from 0
     * @param length      its payload length in bytes
     * @return the delay; {@code null}, zero or negative forwards it at once
     */
    Duration delay(Direction direction, long packetIndex, int length);

    /** Forwards every datagram at once. */
    static DelayPolicy none() {
        return (direction, packetIndex, length) -> Duration.ZERO;
    }

    /** Holds every datagram for {@code delay}: adds latency without reordering. */
    static DelayPolicy fixed(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        return (direction, packetIndex, length) -> delay;
    }

    /**
     * Holds each datagram for a pseudo-random time in {@code [min, max)} (at microsecond
     * granularity), which reorders datagrams sent closer together than {@code max - min}. The
     * delay is a pure function of {@code seed}, the direction and the packet index.
     *
     * @throws IllegalArgumentException if {@code min} is negative or {@code max} is less than {@code min}
     */
    static DelayPolicy uniform(Duration min, Duration max, long seed) {
        Objects.requireNonNull(min, "min");
        Objects.requireNonNull(max, "max");
        if (min.isNegative() || max.compareTo(min) < 0) {
            throw new IllegalArgumentException("need 0 <= min <= max: " + min + ", " + max);
        }
        long minMicros = min.toNanos() / 1000;
        long spanMicros = max.toNanos() / 1000 - minMicros;
        return (direction, packetIndex, length) -> Duration.ofNanos(1000 * (minMicros
                + (long) (spanMicros * Mixing.uniform(~seed, direction, packetIndex))));
    }

    /** This policy in {@code direction}; datagrams going the other way are forwarded at once. */
    default DelayPolicy onlyIn(Direction direction) {
        Objects.requireNonNull(direction, "direction");
        return (d, packetIndex, length) -> d == direction ? delay(d, packetIndex, length) : Duration.ZERO;
    }
}
