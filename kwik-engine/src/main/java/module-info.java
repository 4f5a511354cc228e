/**
 * The KWIK engine: sessions, paths and logical streams over any transport backend.
 *
 * <p>It exports nothing. Applications reach it through {@code io.kwik.api}'s
 * {@link io.kwik.api.spi.KwikProvider}; it finds QUIC libraries through
 * {@link io.kwik.spi.QuicTransportProvider}.
 */
module io.kwik.engine {
    requires io.kwik.api;
    requires io.kwik.spi;
    requires io.kwik.proto;
    requires com.google.protobuf;
    requires jdk.jfr;

    provides io.kwik.api.spi.KwikProvider with io.kwik.engine.KwikEngineProvider;

    uses io.kwik.spi.QuicTransportProvider;
}
