package io.kwik.api;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Optional;

/**
 * Bytes another server of the session sent to this one through the client (R9), exactly as
 * they were sent.
 *
 * @param sourcePathId the path of the server that sent them; answer with
 *                     {@link KwikSession#sendRawData(String, ByteBuffer)} to it
 * @param data         the bytes, read-only
 * @param delegation   the range this server is asked to write when the bytes are the
 *                     instruction of a {@link KwikStream#delegate}, or null for a plain relay
 *
 * @since 0.1.0
 */
public record RawData(String sourcePathId, ByteBuffer data, Delegation delegation) {
    /** Keeps a read-only view of {@code data}. */
    public RawData {
        Objects.requireNonNull(sourcePathId, "sourcePathId");
        data = data.asReadOnlyBuffer();
    }

    /** A plain relay, not a delegation. */
    public RawData(String sourcePathId, ByteBuffer data) {
        this(sourcePathId, data, null);
    }

    /** The delegated range, when these bytes are a delegation's instruction. */
    public Optional<Delegation> delegated() {
        return Optional.ofNullable(delegation);
    }
}
