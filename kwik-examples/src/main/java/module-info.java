/**
 * Runnable KWIK examples: an echo server and client, and a probe of the module graph.
 *
 * <p>The module {@code requires io.kwik.api} only. The engine ({@code io.kwik.engine}) and a
 * transport backend ({@code io.kwik.backend.kwik}) are found at run time on the module path,
 * through {@link java.util.ServiceLoader}.
 */
module io.kwik.examples {
    requires io.kwik.api;
}
