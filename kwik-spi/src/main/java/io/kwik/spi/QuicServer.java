package io.kwik.spi;

import java.net.InetSocketAddress;

/**
 * A bound QUIC server socket.
 *
 * @since 0.1.0
 */
public interface QuicServer extends AutoCloseable {

    /** The bound address, with the real port when port 0 was asked for. */
    InetSocketAddress localAddress();

    /** Stops accepting and closes the connections this server accepted. Idempotent. */
    @Override
    void close();
}
