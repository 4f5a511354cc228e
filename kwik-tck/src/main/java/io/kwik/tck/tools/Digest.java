package io.kwik.tck.tools;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * What a byte sequence is, for comparison: its size and SHA-256.
 *
 * @param size   the number of bytes
 * @param sha256 their SHA-256 in lowercase hex
 * @since 0.1.0
 */
public record Digest(long size, String sha256) {

    /**
     * The digest of {@code bytes}.
     *
     * @param bytes the bytes
     * @return their size and SHA-256
     */
    public static Digest of(byte[] bytes) {
        return new Digest(bytes.length, Digests.sha256Hex(bytes));
    }

    /**
     * Reads {@code in} to its end and returns the digest of what was read.
     *
     * @param in the stream to read; not closed
     * @return the size and SHA-256 of what it gave
     * @throws IOException if reading fails
     */
    public static Digest of(InputStream in) throws IOException {
        MessageDigest sha = Digests.sha256();
        byte[] buffer = new byte[KwikStreams.CHUNK];
        long size = 0;
        for (int n; (n = in.read(buffer)) >= 0; ) {
            sha.update(buffer, 0, n);
            size += n;
        }
        return new Digest(size, HexFormat.of().formatHex(sha.digest()));
    }
}
