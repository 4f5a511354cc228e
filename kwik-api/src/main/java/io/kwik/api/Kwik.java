package io.kwik.api;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Iterator;
import java.util.Objects;
import java.util.ServiceLoader;

import io.kwik.api.spi.KwikProvider;

/**
 * Entry points: dial a primary server, or listen as a server.
 *
 * <p>The engine and the transport backends are found with {@link java.util.ServiceLoader}.
 * A backend is chosen by {@link KwikConfig#transport()}, else by the system property
 * {@systemProperty io.kwik.transport} ({@code kwik} or {@code netty}), else by priority.
 *
 * @since 0.1
 */
public final class Kwik {
    private Kwik() {}

    /**
     * Dials {@code primary}, authenticates, and returns the client's session.
     *
     * <p>A shortcut for a {@link KwikClient} of its own that closes with the session: each call
     * creates a transport (on Netty an event-loop group) and the session's close closes it. To
     * dial more than once, use {@link #newClient(ClientConfig)}.
     *
     * @throws AuthenticationException when the server refuses the session
     * @throws KwikException           for any other protocol-level failure
     * @throws IOException             when the server cannot be reached or the handshake fails
     * @throws IllegalStateException   when no engine or no usable transport is on the path
     */
    public static KwikSession dial(InetSocketAddress primary, ClientConfig config) throws IOException {
        Objects.requireNonNull(primary, "primary");
        Objects.requireNonNull(config, "config");
        return engine().dial(primary, config);
    }

    /**
     * Makes a client that owns one transport and dials every session through it (see
     * {@link KwikClient}). Prefer one client for many dials to {@link #dial}, which makes a
     * transport per session.
     *
     * @throws IOException           when the transport cannot be created
     * @throws IllegalStateException when no engine or no usable transport is on the path
     */
    public static KwikClient newClient(ClientConfig config) throws IOException {
        Objects.requireNonNull(config, "config");
        return engine().newClient(config);
    }

    /**
     * Binds a server. Its {@link KwikListener#accept()} returns every session that reaches it,
     * primary or secondary.
     *
     * @throws IOException           when the address cannot be bound
     * @throws IllegalStateException when no engine or no usable transport is on the path
     */
    public static KwikListener listen(InetSocketAddress bind, ServerConfig config) throws IOException {
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(config, "config");
        return engine().listen(bind, config);
    }

    private static KwikProvider engine() {
        Iterator<KwikProvider> engines = ServiceLoader.load(KwikProvider.class, Kwik.class.getClassLoader()).iterator();
        if (!engines.hasNext()) {
            throw new IllegalStateException("No KWIK engine found: add io.kwik:kwik-engine and a transport backend "
                    + "(io.kwik:kwik-backend-kwik or io.kwik:kwik-backend-netty) to the class path or module path");
        }
        return checked(engines.next());
    }

    /**
     * {@code engine}, when it was built for this API's {@link KwikProvider#API_VERSION}.
     *
     * @throws IllegalStateException naming both versions otherwise
     */
    static KwikProvider checked(KwikProvider engine) {
        int version;
        try {
            version = engine.apiVersion();
        } catch (AbstractMethodError e) {
            // an engine older than the version check does not implement it
            throw mismatch(engine, "an io.kwik.api older than version " + KwikProvider.API_VERSION);
        }
        if (version != KwikProvider.API_VERSION) {
            throw mismatch(engine, "io.kwik.api version " + version);
        }
        return engine;
    }

    private static IllegalStateException mismatch(KwikProvider engine, String builtFor) {
        return new IllegalStateException("The KWIK engine " + engine.getClass().getName() + " was built for " + builtFor
                + ", but this io.kwik.api is version " + KwikProvider.API_VERSION
                + ": use the same release of io.kwik:kwik-api and io.kwik:kwik-engine (import io.kwik:kwik-bom)");
    }
}
