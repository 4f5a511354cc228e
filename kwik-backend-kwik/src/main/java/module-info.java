/**
 * KWIK transport backend over the pure-Java kwik QUIC library ({@code tech.kwik.core}).
 *
 * <p>Exports nothing: the engine finds the provider through {@link java.util.ServiceLoader}.
 */
module io.kwik.backend.kwik {
    requires io.kwik.spi;
    requires tech.kwik.core;
    requires java.naming;

    provides io.kwik.spi.QuicTransportProvider with io.kwik.backend.kwik.KwikTransportProvider;
}
