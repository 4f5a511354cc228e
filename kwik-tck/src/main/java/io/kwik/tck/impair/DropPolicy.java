package io.kwik.tck.impair;

import java.util.Objects;

/**
 * Decides whether an {@link ImpairmentProxy} drops one datagram, like the {@code DropPacket}
 * callback of quic-go's test proxy. The proxy asks once per datagram, from its I/O threads,
 * so an implementation must be thread-safe and quick; it must not block.
 *
 * <p>{@code packetIndex} counts the datagrams the proxy received in that direction, from 0,
 * over all clients, including those it dropped.
 *
 * @since 0.1.0
 */
@FunctionalInterface
public interface DropPolicy {

    /**
     * Whether to drop a datagram.
     *
     * @param direction   which way the datagram goes
     * @param packetIndex its index among the datagrams received in {@code direction}, from 0
     * @param length      its payload length in bytes
     * @return {@code true} to drop it, {@code false} to forward it (perhaps after a delay)
     */
    boolean drop(Direction direction, long packetIndex, int length);

    /** Forwards everything. */
    static DropPolicy none() {
        return (direction, packetIndex, length) -> false;
    }

    /** Drops everything, in both directions: a permanent blackhole (see also {@link ImpairmentProxy#blackhole(boolean)}). */
    static DropPolicy all() {
        return (direction, packetIndex, length) -> true;
    }

    /**
     * Drops each datagram with probability {@code probability}, independently. The decision is
     * a pure function of {@code seed}, the direction and the packet index, so two runs that
     * send the same datagrams in the same order drop the same ones.
     *
     * @throws IllegalArgumentException unless {@code 0 <= probability <= 1}
     */
    static DropPolicy randomLoss(double probability, long seed) {
        if (!(probability >= 0 && probability <= 1)) {
            throw new IllegalArgumentException("probability must be in [0, 1]: " + probability);
        }
        return (direction, packetIndex, length) -> Mixing.uniform(seed, direction, packetIndex) < probability;
    }

    /**
     * Drops the first {@code count} datagrams of each direction and forwards the rest.
     *
     * @throws IllegalArgumentException if {@code count} is negative
     */
    static DropPolicy firstN(long count) {
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0: " + count);
        }
        return (direction, packetIndex, length) -> packetIndex < count;
    }

    /** This policy in {@code direction}; datagrams going the other way are never dropped. */
    default DropPolicy onlyIn(Direction direction) {
        Objects.requireNonNull(direction, "direction");
        return (d, packetIndex, length) -> d == direction && drop(d, packetIndex, length);
    }

    /** Drops a datagram that this policy or {@code other} drops (both are always asked). */
    default DropPolicy or(DropPolicy other) {
        Objects.requireNonNull(other, "other");
        return (d, packetIndex, length) -> drop(d, packetIndex, length) | other.drop(d, packetIndex, length);
    }
}
