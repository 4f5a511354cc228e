package io.kwik.api.spi;

import java.io.IOException;
import java.net.InetSocketAddress;

import io.kwik.api.ClientConfig;
import io.kwik.api.KwikClient;
import io.kwik.api.KwikListener;
import io.kwik.api.KwikSession;
import io.kwik.api.ServerConfig;

/**
 * An engine, found with {@link java.util.ServiceLoader} by {@link io.kwik.api.Kwik}.
 *
 * <p>{@link io.kwik.api.Kwik} uses an engine only when its {@link #apiVersion()} is this API's
 * {@link #API_VERSION}, as SLF4J checks its providers: a mismatched engine fails with a clear
 * {@link IllegalStateException} at the first {@code dial} or {@code listen}, instead of a
 * {@link NoSuchMethodError} somewhere later.
 *
 * @since 0.1.0
 */
public interface KwikProvider {

    /**
     * The version of the contract between {@code io.kwik.api} and an engine. It changes when
     * an engine built against the old contract would not work with this API. Version 2 added
     * {@link #newClient(ClientConfig)}.
     */
    int API_VERSION = 2;

    /**
     * The {@link #API_VERSION} this engine was built against. Implement it as
     * {@code return API_VERSION;}: the compiler copies the constant into the engine, so the
     * method reports the version the engine was compiled with.
     */
    int apiVersion();

    /** A short name for diagnostics. */
    String name();

    /** See {@link io.kwik.api.Kwik#dial}. */
    KwikSession dial(InetSocketAddress primary, ClientConfig config) throws IOException;

    /** See {@link io.kwik.api.Kwik#newClient}. */
    KwikClient newClient(ClientConfig config) throws IOException;

    /** See {@link io.kwik.api.Kwik#listen}. */
    KwikListener listen(InetSocketAddress bind, ServerConfig config) throws IOException;
}
