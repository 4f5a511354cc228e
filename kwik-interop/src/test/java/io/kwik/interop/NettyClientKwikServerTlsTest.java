package io.kwik.interop;

import java.util.Set;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.TlsSuite;
import io.kwik.tck.transport.TransportCapability;

/**
 * The TLS suite with the client on the {@code netty} backend and the server on {@code kwik}; a
 * kwik server cannot ask for client certificates, so the mutual TLS checks are skipped.
 */
class NettyClientKwikServerTlsTest extends TlsSuite {
    @Override
    protected QuicTransportProvider provider() {
        return InteropBackends.named("kwik");
    }

    @Override
    protected QuicTransportProvider clientProvider() {
        return InteropBackends.named("netty");
    }

    @Override
    protected Set<TransportCapability> unsupportedCapabilities() {
        return Set.of(TransportCapability.CLIENT_AUTHENTICATION);
    }
}
