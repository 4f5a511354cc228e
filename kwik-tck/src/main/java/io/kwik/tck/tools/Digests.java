package io.kwik.tck.tools;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;

/**
 * SHA-256 helpers and reproducible payloads for byte-exact checks.
 *
 * @since 0.1.0
 */
public final class Digests {
    private Digests() {}

    /** A new SHA-256 digest. */
    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }

    /** Hex SHA-256 of {@code bytes}. */
    public static String sha256Hex(byte[] bytes) {
        return HexFormat.of().formatHex(sha256().digest(bytes));
    }

    /** {@code length} pseudo-random bytes, the same for the same seed. */
    public static byte[] payload(long seed, int length) {
        byte[] bytes = new byte[length];
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < length; ) {
            long value = random.nextLong();
            for (int k = 0; k < 8 && i < length; k++, value >>>= 8) bytes[i++] = (byte) value;
        }
        return bytes;
    }
}
