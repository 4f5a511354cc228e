package io.kwik.engine.session;

import java.util.function.Function;
import java.util.function.IntSupplier;

import io.kwik.api.PathStats;
import io.kwik.api.PathStatus;
import io.kwik.engine.path.PathConnection;
import io.kwik.spi.TransportStats;

/** A path's figures, read from its connection when asked. */
final class PathStatsSource {
    private PathStatsSource() {}

    /** @param openLogicalStreams logical streams open on the path */
    static Function<PathStatus, PathStats> of(PathConnection path, IntSupplier openLogicalStreams) {
        return status -> {
            TransportStats transport = path.transportStats();
            return new PathStats(transport.smoothedRtt(), -1, path.bytesSent(), path.bytesReceived(),
                    path.packetsSent(), path.packetsReceived(), transport.bytesInFlight(), -1,
                    openLogicalStreams.getAsInt(), path.openRealStreams(), status);
        };
    }
}
