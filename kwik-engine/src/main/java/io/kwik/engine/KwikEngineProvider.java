package io.kwik.engine;

import java.io.IOException;
import java.net.InetSocketAddress;

import io.kwik.api.ClientConfig;
import io.kwik.api.KwikClient;
import io.kwik.api.KwikListener;
import io.kwik.api.KwikSession;
import io.kwik.api.ServerConfig;
import io.kwik.api.spi.KwikProvider;
import io.kwik.engine.session.ClientDialer;
import io.kwik.engine.session.EngineClient;
import io.kwik.engine.session.EngineListener;

/** The engine as {@link io.kwik.api.Kwik} finds it. */
public final class KwikEngineProvider implements KwikProvider {

    @Override
    public int apiVersion() {
        return API_VERSION;
    }

    @Override
    public String name() {
        return "kwik-engine";
    }

    @Override
    public KwikSession dial(InetSocketAddress primary, ClientConfig config) throws IOException {
        return ClientDialer.dial(primary, config);
    }

    @Override
    public KwikClient newClient(ClientConfig config) {
        return EngineClient.open(config);
    }

    @Override
    public KwikListener listen(InetSocketAddress bind, ServerConfig config) throws IOException {
        return EngineListener.bind(bind, config);
    }
}
