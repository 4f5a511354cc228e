package io.kwik.engine.session;

import java.util.function.Function;
import java.util.function.IntSupplier;

import io.kwik.api.PathStats;
import io.kwik.api.PathStatus;
import io.kwik.engine.connection.PathConnection;

/** A path's figures, read from its connection when asked. */
final class PathStatsSource {
    private PathStatsSource() {}

    /** @param openLogicalStreams logical streams open on the path */
    static Function<PathStatus, PathStats> of(PathConnection path, IntSupplier openLogicalStreams) {
        return status -> {
            var window = path.sendWindow();
            return new PathStats(path.rtt(), window.goodput(), path.receivedBytesPerSecond(), path.bytesSent(), path.bytesReceived(),
                    path.packetsSent(), path.packetsReceived(), window.bytesInFlight(), window.window(),
                    openLogicalStreams.getAsInt(), path.openRealStreams(), status);
        };
    }
}
