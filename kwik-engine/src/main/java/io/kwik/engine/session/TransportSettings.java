package io.kwik.engine.session;

import io.kwik.api.KwikConfig;
import io.kwik.spi.TransportLimits;

/** How KWIK settings map to the QUIC connection underneath. */
final class TransportSettings {
    private TransportSettings() {}

    /**
     * The QUIC limits for a KWIK configuration. Every logical stream's window is enforced by
     * KWIK itself; the QUIC stream window only has to be large enough never to be the
     * bottleneck, so it is twice the logical window, and the connection window sixteen times.
     * Real streams: each logical stream the peer opens uses one, and so does each of ours the
     * peer answers on, so twice the logical limit plus the control stream and some slack.
     */
    static TransportLimits limits(KwikConfig config) {
        long streamWindow = Math.max(1L << 20, 2 * config.streamReceiveWindow());
        long connectionWindow = Math.min(1L << 30, Math.max(16L << 20, 16 * streamWindow));
        int realStreams = (int) Math.min(Integer.MAX_VALUE, 2L * config.maxConcurrentStreams() + 8);
        return TransportLimits.DEFAULTS
                .withIdleTimeout(config.idleTimeout())
                .withWindows(streamWindow, connectionWindow)
                .withMaxIncomingStreams(realStreams);
    }
}
