package io.kwik.backend.kwik;

import java.util.Objects;
import java.util.Optional;

import io.kwik.spi.QuicTransport;
import io.kwik.spi.QuicTransportProvider;
import io.kwik.spi.TransportContext;

/**
 * The transport provider named {@code "kwik"}: QUIC over the pure-Java kwik library
 * ({@code tech.kwik:kwik}, JPMS module {@code tech.kwik.core}).
 *
 * <p>Priority 10. Cheap to instantiate: nothing is loaded or started until
 * {@link #create(TransportContext)}.
 */
public final class KwikTransportProvider implements QuicTransportProvider {

    /** The name to select this backend with {@code io.kwik.transport=kwik}. */
    public static final String NAME = "kwik";

    private static final int PRIORITY = 10;

    /** Creates the provider; used by {@link java.util.ServiceLoader}. */
    public KwikTransportProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return PRIORITY;
    }

    @Override
    public String spiVersion() {
        return QuicTransportProvider.SPI_VERSION;
    }

    @Override
    public boolean isAvailable() {
        return unavailabilityCause().isEmpty();
    }

    @Override
    public Optional<Throwable> unavailabilityCause() {
        try {
            Class.forName("tech.kwik.core.QuicClientConnection", false, KwikTransportProvider.class.getClassLoader());
            return Optional.empty();
        } catch (ClassNotFoundException | LinkageError e) {
            return Optional.of(e);
        }
    }

    @Override
    public QuicTransport create(TransportContext context) {
        return new KwikTransport(Objects.requireNonNull(context, "context"));
    }
}
