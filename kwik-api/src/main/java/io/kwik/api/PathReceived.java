package io.kwik.api;

import java.util.Objects;

/**
 * What the client last reported receiving on one path of its session, as a primary server
 * sees it (docs/PROTOCOL.md 4.4, "Receive reports"): the arrival side of a server's share of a
 * download, free of the lag that delegation receipts carry. See
 * {@link KwikSession#clientReceived()}.
 *
 * @param pathId          the path
 * @param bytesReceived   data bytes the client had received on the path when it took the figures,
 *                        counted from the path's start (packet framing included)
 * @param bytesPerSecond  the client's recent receive rate on the path, -1 when it had none
 * @param clientNanos     when the client took the figures, on the client's monotonic clock (any
 *                        origin): the difference of two reports is the time between them
 * @param reportedAtNanos when the report reached this end, by {@link System#nanoTime()}
 *
 * @since 0.1.0
 */
public record PathReceived(String pathId, long bytesReceived, long bytesPerSecond, long clientNanos, long reportedAtNanos) {
    /**
     * Checks the components.
     *
     * @throws NullPointerException     when {@code pathId} is null
     * @throws IllegalArgumentException when {@code bytesReceived} is negative or {@code bytesPerSecond} is below -1
     */
    public PathReceived {
        Objects.requireNonNull(pathId, "pathId");
        if (bytesReceived < 0) throw new IllegalArgumentException("bytesReceived must not be negative: " + bytesReceived);
        if (bytesPerSecond < -1) throw new IllegalArgumentException("bytesPerSecond must be -1 or more: " + bytesPerSecond);
    }
}
