package io.kwik.interop;

import java.util.List;
import java.util.ServiceLoader;

import io.kwik.spi.QuicTransportProvider;

/** The backends on this module's class path, by name. */
public final class InteropBackends {
    private InteropBackends() {}

    public static QuicTransportProvider named(String name) {
        return all().stream().filter(p -> p.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalStateException("backend " + name + " is not on the class path"));
    }

    public static List<QuicTransportProvider> all() {
        return ServiceLoader.load(QuicTransportProvider.class).stream().map(ServiceLoader.Provider::get).toList();
    }
}
