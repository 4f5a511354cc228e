package io.kwik.api.spi;

import java.io.IOException;
import java.net.InetSocketAddress;

import io.kwik.api.ClientConfig;
import io.kwik.api.KwikListener;
import io.kwik.api.KwikSession;
import io.kwik.api.ServerConfig;

/** An engine, found with {@link java.util.ServiceLoader} by {@link io.kwik.api.Kwik}. */
public interface KwikProvider {

    /** A short name for diagnostics. */
    String name();

    /** See {@link io.kwik.api.Kwik#dial}. */
    KwikSession dial(InetSocketAddress primary, ClientConfig config) throws IOException;

    /** See {@link io.kwik.api.Kwik#listen}. */
    KwikListener listen(InetSocketAddress bind, ServerConfig config) throws IOException;
}
