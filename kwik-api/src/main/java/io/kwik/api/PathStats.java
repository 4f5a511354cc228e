package io.kwik.api;

import java.time.Duration;

/**
 * What KWIK measures of one path. A figure not measured (yet) is -1, or {@link Duration#ZERO}
 * for the RTT.
 *
 * @param rtt               smoothed round-trip time
 * @param goodputBytesPerSecond application bytes delivered per second, recently
 * @param bytesSent         application bytes sent on the path
 * @param bytesReceived     application bytes received on the path
 * @param packetsSent       KWIK data packets sent
 * @param packetsReceived   KWIK data packets received
 * @param bytesInFlight     bytes sent and not yet acknowledged
 * @param sendWindow        the path's send window in bytes
 * @param openLogicalStreams logical streams open on the path
 * @param openRealStreams   QUIC data streams open on the path
 * @param status            the path's status
 */
public record PathStats(Duration rtt, long goodputBytesPerSecond, long bytesSent, long bytesReceived,
                        long packetsSent, long packetsReceived, long bytesInFlight, long sendWindow,
                        int openLogicalStreams, int openRealStreams, PathStatus status) {}
