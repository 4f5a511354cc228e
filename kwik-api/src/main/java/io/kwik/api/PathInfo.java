package io.kwik.api;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Objects;

/**
 * A snapshot of one path of a session.
 *
 * @param id         the path id, {@code "p0"} for the primary
 * @param address    the server's address as the client dialed it
 * @param primary    whether this is the primary path
 * @param status     its status when the snapshot was taken
 * @param createdAt  when the path was created
 * @param lastActive when anything was last received on it
 * @param stats      its figures; never null ({@link PathStats#unmeasured} for a path nothing
 *                   was measured on, such as the one of a {@link PathEvent.Failed})
 *
 * @since 0.1.0
 */
public record PathInfo(String id, InetSocketAddress address, boolean primary, PathStatus status,
                       Instant createdAt, Instant lastActive, PathStats stats) {
    /** Requires {@code stats}. */
    public PathInfo {
        Objects.requireNonNull(stats, "stats");
    }
}
