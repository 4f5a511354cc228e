package io.kwik.spi;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings every connection of a transport needs, client or server. Backends apply each of
 * them explicitly rather than relying on the library's defaults.
 *
 * @param idleTimeout             a connection with no traffic for this long is closed
 * @param keepAliveInterval       PING interval on an idle connection; {@link Duration#ZERO} for none
 * @param streamReceiveWindow     initial per-stream receive window in bytes
 * @param connectionReceiveWindow initial per-connection receive window in bytes
 * @param maxIncomingStreams      how many bidirectional streams the peer may have open at once
 * @param udpBufferSize           requested UDP socket send and receive buffer in bytes; 0 keeps the OS default
 *
 * @since 0.1.0
 */
public record TransportLimits(Duration idleTimeout, Duration keepAliveInterval, long streamReceiveWindow,
                              long connectionReceiveWindow, int maxIncomingStreams, int udpBufferSize) {

    /** 30 s idle timeout, no keep-alive, 1 MiB stream and 16 MiB connection windows, 1000 streams, 4 MiB UDP buffers. */
    public static final TransportLimits DEFAULTS =
            new TransportLimits(Duration.ofSeconds(30), Duration.ZERO, 1 << 20, 16 << 20, 1000, 4 << 20);

    /**
     * Checks the components.
     *
     * @throws IllegalArgumentException when a value is out of its range (see each component)
     */
    public TransportLimits {
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(keepAliveInterval, "keepAliveInterval");
        if (idleTimeout.isNegative() || idleTimeout.isZero()) throw new IllegalArgumentException("idleTimeout must be > 0: " + idleTimeout);
        if (keepAliveInterval.isNegative()) throw new IllegalArgumentException("keepAliveInterval must be >= 0: " + keepAliveInterval);
        if (streamReceiveWindow <= 0) throw new IllegalArgumentException("streamReceiveWindow must be > 0: " + streamReceiveWindow);
        if (connectionReceiveWindow < streamReceiveWindow)
            throw new IllegalArgumentException("connectionReceiveWindow must be >= streamReceiveWindow");
        if (maxIncomingStreams <= 0) throw new IllegalArgumentException("maxIncomingStreams must be > 0: " + maxIncomingStreams);
        if (udpBufferSize < 0) throw new IllegalArgumentException("udpBufferSize must be >= 0: " + udpBufferSize);
    }

    /**
     * A copy with another idle timeout.
     *
     * @param value the new idle timeout, above zero
     * @return these limits with another {@link #idleTimeout()}
     */
    public TransportLimits withIdleTimeout(Duration value) {
        return new TransportLimits(value, keepAliveInterval, streamReceiveWindow, connectionReceiveWindow, maxIncomingStreams, udpBufferSize);
    }

    /**
     * A copy with another keep-alive interval.
     *
     * @param value the new keep-alive interval; {@link Duration#ZERO} for none
     * @return these limits with another {@link #keepAliveInterval()}
     */
    public TransportLimits withKeepAliveInterval(Duration value) {
        return new TransportLimits(idleTimeout, value, streamReceiveWindow, connectionReceiveWindow, maxIncomingStreams, udpBufferSize);
    }

    /**
     * A copy with other receive windows.
     *
     * @param stream     the new per-stream receive window in bytes
     * @param connection the new per-connection receive window in bytes, not below {@code stream}
     * @return these limits with other receive windows
     */
    public TransportLimits withWindows(long stream, long connection) {
        return new TransportLimits(idleTimeout, keepAliveInterval, stream, connection, maxIncomingStreams, udpBufferSize);
    }

    /**
     * A copy with another incoming stream limit.
     *
     * @param value how many bidirectional streams the peer may have open at once
     * @return these limits with another {@link #maxIncomingStreams()}
     */
    public TransportLimits withMaxIncomingStreams(int value) {
        return new TransportLimits(idleTimeout, keepAliveInterval, streamReceiveWindow, connectionReceiveWindow, value, udpBufferSize);
    }
}
