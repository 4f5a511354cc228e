package io.kwik.tck.impair;

/**
 * Stateless pseudo-random numbers for the ready-made policies: a value depends only on the
 * seed, the direction and the packet index, so a policy gives the same answer for the same
 * datagram whatever order the proxy's threads ask in.
 */
final class Mixing {

    private Mixing() {
    }

    /** The SplitMix64 finalizer (the mixing function of {@link java.util.SplittableRandom}). */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** A uniform double in {@code [0, 1)} for one datagram. */
    static double uniform(long seed, Direction direction, long packetIndex) {
        long key = mix64(seed + 0x9e3779b97f4a7c15L * (2 * packetIndex + direction.ordinal() + 1));
        return (mix64(key ^ seed) >>> 11) * 0x1.0p-53;
    }
}
