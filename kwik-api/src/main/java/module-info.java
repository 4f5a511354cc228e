/**
 * The KWIK API: one QUIC-like session over connections to several servers.
 *
 * <p>An application {@code requires io.kwik.api} only. The engine ({@code io.kwik.engine})
 * and a transport backend sit on the module path at run time and are found with
 * {@link java.util.ServiceLoader}, the way SLF4J finds its provider.
 */
module io.kwik.api {
    exports io.kwik.api;
    exports io.kwik.api.spi;

    uses io.kwik.api.spi.KwikProvider;
}
