package io.kwik.engine.session;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolverProvider;
import java.util.stream.Stream;

/**
 * The engine's tests resolve no host name but {@code localhost} (registered in
 * src/test/resources/META-INF/services): {@link SessionHandlersFuzzTest} hands the client
 * whatever host a fuzzed primary names in an add-path request, and a lookup must never leave
 * the machine, nor wait for a resolver's timeout.
 */
public final class LoopbackOnlyResolver extends InetAddressResolverProvider {

    @Override
    public InetAddressResolver get(Configuration configuration) {
        InetAddressResolver builtin = configuration.builtinResolver();
        return new InetAddressResolver() {
            @Override
            public Stream<InetAddress> lookupByName(String host, LookupPolicy policy) throws UnknownHostException {
                if (host.equalsIgnoreCase("localhost")) return builtin.lookupByName(host, policy);
                throw new UnknownHostException(host + ": the engine's tests resolve localhost only");
            }

            @Override
            public String lookupByAddress(byte[] address) throws UnknownHostException {
                throw new UnknownHostException("the engine's tests do no reverse lookups");
            }
        };
    }

    @Override
    public String name() {
        return "kwik-engine-tests-loopback-only";
    }
}
