package io.kwik.spi;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * One instance of a QUIC library: dials connections and binds servers.
 *
 * @since 0.1.0
 */
public interface QuicTransport extends AutoCloseable {

    /**
     * Dials {@code remote} and completes when the handshake is done. Fails with an
     * {@link IOException} (wrapped in the future) when the peer is unreachable, the handshake
     * fails or the certificate is not trusted.
     */
    CompletableFuture<QuicConnection> connect(InetSocketAddress remote, ClientTransportConfig config);

    /**
     * Dials like {@link #connect(InetSocketAddress, ClientTransportConfig)} and tells
     * {@code observer} of every datagram the server sends while the handshake is in progress.
     * Cancelling the returned future abandons the attempt: a backend should then release its
     * socket at once, and must close a connection whose handshake completes afterwards.
     *
     * <p>The default ignores {@code observer}, so to {@link DialRace} a backend that does not
     * override this looks stalled until its handshake completes.
     */
    default CompletableFuture<QuicConnection> connect(InetSocketAddress remote, ClientTransportConfig config,
                                                      HandshakeObserver observer) {
        return connect(remote, config);
    }

    /**
     * Binds a server. Every connection whose handshake completes is passed to
     * {@code onConnection}, on a thread of the transport; the callback must not block.
     *
     * @throws IOException when the address cannot be bound
     */
    QuicServer bind(InetSocketAddress local, ServerTransportConfig config, Consumer<QuicConnection> onConnection)
            throws IOException;

    /** Closes every connection and server of this transport. Idempotent. */
    @Override
    void close();
}
