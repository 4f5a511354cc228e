package io.kwik.tck.transport;

import io.kwik.spi.QuicConnection;
import io.kwik.spi.QuicStream;

/**
 * What a fixture server does with one stream a client opened; runs on its own virtual thread.
 *
 * @since 0.1.0
 */
@FunctionalInterface
public interface StreamHandler {

    /**
     * Serves one stream.
     *
     * @param connection the connection the stream belongs to
     * @param stream     the stream the client opened
     * @throws Exception anything; the fixture records it in {@link TransportFixture#handlerFailures()}
     */
    void handle(QuicConnection connection, QuicStream stream) throws Exception;
}
