package io.kwik.tck.transport;

import io.kwik.spi.QuicConnection;
import io.kwik.spi.QuicStream;

/** What a fixture server does with one stream a client opened; runs on its own virtual thread. */
@FunctionalInterface
public interface StreamHandler {

    void handle(QuicConnection connection, QuicStream stream) throws Exception;
}
