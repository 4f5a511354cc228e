package io.kwik.spi;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/** One instance of a QUIC library: dials connections and binds servers. */
public interface QuicTransport extends AutoCloseable {

    /**
     * Dials {@code remote} and completes when the handshake is done. Fails with an
     * {@link IOException} (wrapped in the future) when the peer is unreachable, the handshake
     * fails or the certificate is not trusted.
     */
    CompletableFuture<QuicConnection> connect(InetSocketAddress remote, ClientTransportConfig config);

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
