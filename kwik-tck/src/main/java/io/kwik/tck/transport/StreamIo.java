package io.kwik.tck.transport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;

import io.kwik.tck.tools.Digests;

/**
 * Byte-exact stream helpers: reproducible payloads written in chunks, and digests of what was read.
 *
 * @since 0.1.0
 */
public final class StreamIo {

    /** The chunk size of {@link #writePayload}. */
    public static final int CHUNK = 64 * 1024;

    private StreamIo() {
    }

    /** Size and SHA-256 of a byte sequence. */
    public record Received(long size, String sha256) {
    }

    /**
     * Writes {@code length} pseudo-random bytes derived from {@code seed} in {@link #CHUNK}-sized
     * writes, and returns their size and SHA-256. Nothing larger than one chunk is held in memory.
     */
    public static Received writePayload(OutputStream out, long seed, long length) throws IOException {
        MessageDigest digest = Digests.sha256();
        SplittableRandom random = new SplittableRandom(seed);
        byte[] chunk = new byte[CHUNK];
        long remaining = length;
        while (remaining > 0) {
            int n = (int) Math.min(chunk.length, remaining);
            for (int i = 0; i < n; i += 8) {
                long value = random.nextLong();
                for (int k = 0; k < 8 && i + k < n; k++, value >>>= 8) {
                    chunk[i + k] = (byte) value;
                }
            }
            out.write(chunk, 0, n);
            digest.update(chunk, 0, n);
            remaining -= n;
        }
        return new Received(length, HexFormat.of().formatHex(digest.digest()));
    }

    /** Reads {@code in} to its end and returns the size and SHA-256 of what it carried. */
    public static Received readAll(InputStream in) throws IOException {
        MessageDigest digest = Digests.sha256();
        byte[] buffer = new byte[CHUNK];
        long size = 0;
        for (int n; (n = in.read(buffer)) != -1; ) {
            digest.update(buffer, 0, n);
            size += n;
        }
        return new Received(size, HexFormat.of().formatHex(digest.digest()));
    }

    /** Reads exactly {@code length} bytes, failing at an early end of stream. */
    public static byte[] readExactly(InputStream in, int length) throws IOException {
        byte[] bytes = in.readNBytes(length);
        if (bytes.length != length) {
            throw new IOException("stream ended after " + bytes.length + " of " + length + " bytes");
        }
        return bytes;
    }

    /** Copies {@code in} to {@code out} until the end of {@code in}; returns the byte count. */
    public static long copy(InputStream in, OutputStream out) throws IOException {
        byte[] buffer = new byte[CHUNK];
        long total = 0;
        for (int n; (n = in.read(buffer)) != -1; ) {
            out.write(buffer, 0, n);
            total += n;
        }
        return total;
    }
}
