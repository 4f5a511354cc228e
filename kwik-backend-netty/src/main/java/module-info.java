/**
 * KWIK transport backend over Netty 4.2's QUIC codec (quiche through JNI).
 *
 * <p>Exports nothing: the engine finds {@link io.kwik.spi.QuicTransportProvider} through
 * {@link java.util.ServiceLoader}. The native module {@code io.netty.codec.quic.linux.x86_64}
 * is required here because nothing else requires it, and on the module path a module that
 * nothing requires is not resolved, so its {@code .so} could not be found.
 */
module io.kwik.backend.netty {
    requires io.kwik.spi;
    requires io.netty.common;
    requires io.netty.buffer;
    requires io.netty.transport;
    requires io.netty.handler;
    requires io.netty.codec.classes.quic;
    requires io.netty.codec.quic.linux.x86_64;

    provides io.kwik.spi.QuicTransportProvider with io.kwik.backend.netty.NettyTransportProvider;
}
