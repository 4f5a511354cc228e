package io.kwik.api;

import java.time.Duration;
import java.util.Objects;

/**
 * What KWIK measures of one path. A figure not measured (yet) is -1, or {@link Duration#ZERO}
 * for the RTT.
 *
 * @param rtt               smoothed round-trip time
 * @param goodputBytesPerSecond application bytes this end sent on the path and had
 *                          acknowledged per second, recently: the sending direction
 * @param receivedGoodputBytesPerSecond application bytes this end received on the path per
 *                          second, recently: the receiving direction, which is what a client
 *                          sees of a server's share of a download
 * @param bytesSent         application bytes sent on the path
 * @param bytesReceived     application bytes received on the path
 * @param packetsSent       KWIK data packets sent
 * @param packetsReceived   KWIK data packets received
 * @param bytesInFlight     bytes sent and not yet acknowledged
 * @param sendWindow        the path's send window in bytes
 * @param openLogicalStreams logical streams open on the path
 * @param openRealStreams   QUIC data streams open on the path
 * @param status            the path's status
 *
 * @since 0.1.0
 */
public record PathStats(Duration rtt, long goodputBytesPerSecond, long receivedGoodputBytesPerSecond,
                        long bytesSent, long bytesReceived, long packetsSent, long packetsReceived,
                        long bytesInFlight, long sendWindow, int openLogicalStreams, int openRealStreams,
                        PathStatus status) {

    /** Requires {@code rtt} and {@code status}. */
    public PathStats {
        Objects.requireNonNull(rtt, "rtt");
        Objects.requireNonNull(status, "status");
    }

    /**
     * The figures of a path nothing was measured on: this end has no connection to it, or it
     * never came up (the path of a {@link PathEvent.Failed}).
     */
    public static PathStats unmeasured(PathStatus status) {
        return new PathStats(Duration.ZERO, -1, -1, 0, 0, 0, 0, 0, -1, 0, 0, status);
    }
}
