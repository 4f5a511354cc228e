package io.kwik.spi;

import java.util.Optional;

/**
 * A QUIC library, found with {@link java.util.ServiceLoader}.
 *
 * <p>Providers must be cheap to instantiate: the engine instantiates every provider it finds
 * to read its {@link #name()}, {@link #priority()} and {@link #isAvailable()}, and creates a
 * transport only from the one it picks.
 *
 * @since 0.1.0
 */
public interface QuicTransportProvider {

    /** The SPI version this build of the SPI defines. */
    String SPI_VERSION = "1";

    /** Short stable name used with {@code io.kwik.transport=<name>}, e.g. {@code "kwik"}. */
    String name();

    /** Higher wins when no transport is named explicitly. */
    int priority();

    /** The SPI version this provider was built against; must equal {@link #SPI_VERSION}. */
    String spiVersion();

    /** False when the library cannot run here, for example a native library that does not load. */
    boolean isAvailable();

    /** Why {@link #isAvailable()} is false; empty when it is available. */
    Optional<Throwable> unavailabilityCause();

    /** Creates a transport. Each transport owns its sockets and threads until closed. */
    QuicTransport create(TransportContext context);
}
