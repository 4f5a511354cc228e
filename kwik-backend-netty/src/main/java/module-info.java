/**
 * KWIK transport backend over Netty 4.2's QUIC codec (quiche through JNI).
 *
 * <p>Exports nothing: the engine finds {@link io.kwik.spi.QuicTransportProvider} through
 * {@link java.util.ServiceLoader}. The native modules {@code io.netty.codec.quic.<os>.<arch>}
 * are required here because nothing else requires them, and on the module path a module that
 * nothing requires is not resolved, so its native library could not be found. Each holds only
 * a library; Netty loads the one for the running platform.
 */
module io.kwik.backend.netty {
    requires io.kwik.spi;
    requires io.netty.common;
    requires io.netty.buffer;
    requires io.netty.transport;
    requires io.netty.handler;
    requires io.netty.codec.classes.quic;
    requires io.netty.codec.quic.linux.x86_64;
    requires io.netty.codec.quic.linux.aarch_64;
    requires io.netty.codec.quic.osx.x86_64;
    requires io.netty.codec.quic.osx.aarch_64;
    requires io.netty.codec.quic.windows.x86_64;

    provides io.kwik.spi.QuicTransportProvider with io.kwik.backend.netty.NettyTransportProvider;
}
