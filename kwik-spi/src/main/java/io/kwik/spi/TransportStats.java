package io.kwik.spi;

import java.time.Duration;

/**
 * What a QUIC library exposes about one connection. A value the library does not expose is
 * -1 ({@link Duration#ZERO} for the RTT).
 *
 * @param smoothedRtt      smoothed round-trip time
 * @param congestionWindow congestion window in bytes
 * @param bytesInFlight    bytes sent and not yet acknowledged
 * @param bytesSent        bytes sent, all packets included
 * @param bytesReceived    bytes received
 * @param packetsSent      packets sent
 * @param packetsReceived  packets received
 * @param packetsLost      packets declared lost
 *
 * @since 0.1.0
 */
public record TransportStats(Duration smoothedRtt, long congestionWindow, long bytesInFlight,
                             long bytesSent, long bytesReceived, long packetsSent,
                             long packetsReceived, long packetsLost) {

    /** Nothing known. */
    public static final TransportStats UNKNOWN = new TransportStats(Duration.ZERO, -1, -1, -1, -1, -1, -1, -1);
}
