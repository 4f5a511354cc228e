package io.kwik.api;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Recovery for delegations (docs/PROTOCOL.md 4.5): when the path a range was delegated to dies, the
 * primary writes the bytes the client is missing itself.
 *
 * <pre>{@code
 * stream.delegate("p1", length, instruction)
 *       .exceptionallyCompose(Refill.from(stream, (offset, n) -> file.read(offset, n)));
 * }</pre>
 *
 * Any other failure is passed on unchanged.
 *
 * @since 0.1.0
 */
public final class Refill {
    /** The most bytes asked of the source at once. */
    public static final int CHUNK = 1 << 20;

    private Refill() {}

    /** Where refilled bytes come from: exactly {@code length} bytes at KWIK offset {@code offset}. */
    @FunctionalInterface
    public interface Source {
        /**
         * Reads bytes to refill.
         *
         * @param offset the KWIK offset of the first byte
         * @param length how many bytes, exactly
         * @return exactly {@code length} bytes, from position to limit
         * @throws IOException when they cannot be read
         */
        ByteBuffer read(long offset, int length) throws IOException;
    }

    /**
     * A function for {@link CompletableFuture#exceptionallyCompose}: on a
     * {@link PathDeadException} it writes each missing range from {@code source} with
     * {@link KwikStream#writeAt}, on a virtual thread, and completes with the delegation.
     */
    public static Function<Throwable, CompletionStage<Delegation>> from(KwikStream stream, Source source) {
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(source, "source");
        return failure -> {
            Throwable cause = failure instanceof CompletionException c && c.getCause() != null ? c.getCause() : failure;
            if (!(cause instanceof PathDeadException dead)) return CompletableFuture.failedFuture(cause);
            CompletableFuture<Delegation> refilled = new CompletableFuture<>();
            Thread.ofVirtual().name("kwik-refill-" + dead.pathId()).start(() -> {
                try {
                    for (ByteRange missing : dead.missingRanges()) {
                        for (long at = missing.start(); at < missing.end(); at += CHUNK) {
                            int n = (int) Math.min(CHUNK, missing.end() - at);
                            ByteBuffer bytes = source.read(at, n);
                            if (bytes.remaining() != n) {
                                throw new IOException("the refill source gave " + bytes.remaining() + " bytes for " + n + " at " + at);
                            }
                            stream.writeAt(at, bytes);
                        }
                    }
                    refilled.complete(dead.delegation().orElse(null));
                } catch (IOException | RuntimeException e) {
                    e.addSuppressed(dead);
                    refilled.completeExceptionally(e);
                }
            });
            return refilled;
        };
    }
}
