/**
 * The transport SPI: what a QUIC library implements so that KWIK can run on it.
 *
 * <p>A backend module exports nothing, {@code provides io.kwik.spi.QuicTransportProvider}
 * and also ships a {@code META-INF/services} file so it works on the class path.
 */
module io.kwik.spi {
    requires java.naming;

    exports io.kwik.spi;
}
