package io.kwik.engine.connection;

import java.time.Duration;

import io.kwik.api.KwikConfig;

/**
 * What a path needs to know, from this end's configuration and from the peer's handshake.
 *
 * @param maxMessageSize              the largest message accepted from the peer
 * @param peerMaxMessageSize          the largest message the peer accepts
 * @param openTimeout                 how long opening a real stream may wait
 * @param logicalStreamsPerRealStream the multiplexing ratio
 * @param realStreamIdleTimeout       when an unused real stream is finished
 * @param quicPacketsPerKwikPacket    how many QUIC packets' worth one KWIK packet may carry
 * @param idleTimeout                 the QUIC idle timeout, named when it ends the path
 */
public record PathSettings(int maxMessageSize, int peerMaxMessageSize, Duration openTimeout,
                           int logicalStreamsPerRealStream, Duration realStreamIdleTimeout, int quicPacketsPerKwikPacket,
                           Duration idleTimeout) {

    /** The smallest message limit any peer may have; assumed when a peer does not say. */
    public static final int SMALLEST_MESSAGE_LIMIT = 16 * 1024;

    /** Settings from a configuration and the limit the peer announced (0 when it announced none). */
    public static PathSettings of(KwikConfig config, int peerMaxMessageSize) {
        return new PathSettings(config.maxMessageSize(),
                peerMaxMessageSize <= 0 ? SMALLEST_MESSAGE_LIMIT : Math.max(SMALLEST_MESSAGE_LIMIT, peerMaxMessageSize),
                config.handshakeTimeout(), config.logicalStreamsPerRealStream(), config.realStreamIdleTimeout(),
                config.quicPacketsPerKwikPacket(), config.idleTimeout());
    }
}
