package io.kwik.backend.netty;

import java.util.Set;

import io.kwik.spi.QuicTransportProvider;
import io.kwik.tck.TransportConformanceSuite;
import io.kwik.tck.transport.TransportCapability;

/**
 * The kit's transport conformance suite on the Netty backend.
 *
 * <p>{@link TransportCapability#STOP_SENDING} is declared missing: the peer's STOP_SENDING
 * does fail local writes with {@code StreamResetByPeerException}, but Netty 4.2.18 does not expose
 * the STOP_SENDING error code (quiche's C API returns only {@code QUICHE_ERR_STREAM_STOPPED}),
 * and the suite's check asserts the code. {@code NettyTransportTest} checks the failure itself.
 */
class NettyTransportConformanceTest extends TransportConformanceSuite {

    @Override
    protected QuicTransportProvider provider() {
        return new NettyTransportProvider();
    }

    @Override
    protected Set<TransportCapability> unsupportedCapabilities() {
        return Set.of(TransportCapability.STOP_SENDING);
    }
}
