/**
 * Runnable KWIK examples: an echo server and client, a probe of the module graph, and the
 * README's examples. The {@code kwik} command line lives in its own module, {@code io.kwik.cli}
 * (kwik-cli).
 *
 * <p>The module {@code requires io.kwik.api} for KWIK itself, and nothing else of KWIK. The
 * engine ({@code io.kwik.engine}) and a transport backend ({@code io.kwik.backend.kwik} or
 * {@code io.kwik.backend.netty}) are found at run time on the module path, through
 * {@link java.util.ServiceLoader}.
 */
module io.kwik.examples {
    requires io.kwik.api;
}
