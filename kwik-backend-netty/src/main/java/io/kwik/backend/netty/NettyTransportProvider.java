package io.kwik.backend.netty;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

import io.kwik.spi.QuicTransport;
import io.kwik.spi.QuicTransportProvider;
import io.kwik.spi.TransportContext;
import io.netty.handler.codec.quic.Quic;

/**
 * The {@code "netty"} transport: QUIC from Netty 4.2's {@code netty-codec-classes-quic} and
 * its native quiche library ({@code netty-codec-native-quic}, classifier
 * {@code linux-x86_64}).
 *
 * <p>Instantiating the provider is cheap and loads no native code. {@link #isAvailable()}
 * loads the native library once, on first call, and is {@code false} when it cannot load
 * (another operating system or architecture, a missing native module on the module path);
 * {@link #unavailabilityCause()} then says why.
 */
public final class NettyTransportProvider implements QuicTransportProvider {

    /** The name to select this backend with: {@code -Dio.kwik.transport=netty}. */
    public static final String NAME = "netty";

    /** The priority when no transport is named: 20. */
    public static final int PRIORITY = 20;

    /** Creates the provider; no native code is loaded until {@link #isAvailable()}. */
    public NettyTransportProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return PRIORITY;
    }

    @Override
    public String spiVersion() {
        return SPI_VERSION;
    }

    @Override
    public boolean isAvailable() {
        return Native.CAUSE == null;
    }

    @Override
    public Optional<Throwable> unavailabilityCause() {
        return Optional.ofNullable(Native.CAUSE);
    }

    @Override
    public QuicTransport create(TransportContext context) {
        Objects.requireNonNull(context, "context");
        if (Native.CAUSE != null)
            throw new IllegalStateException("the netty transport is unavailable: " + Native.CAUSE.getMessage(), Native.CAUSE);
        return new NettyTransport(context);
    }

    /** Loads the native library on first use, once. */
    private static final class Native {
        static final Throwable CAUSE = probe();

        private static Throwable probe() {
            String platform = System.getProperty("os.name", "?").toLowerCase(Locale.ROOT) + "/"
                    + System.getProperty("os.arch", "?");
            try {
                if (Quic.isAvailable()) return null;
                return explain(platform, Quic.unavailabilityCause());
            } catch (LinkageError e) {
                return explain(platform, e);
            }
        }

        private static Throwable explain(String platform, Throwable cause) {
            UnsatisfiedLinkError error = new UnsatisfiedLinkError("Netty's native QUIC library (quiche) cannot be loaded on " + platform
                    + ". This backend ships netty-codec-native-quic for linux-x86_64 only; on the module path the"
                    + " module io.netty.codec.quic.linux.x86_64 must be resolved (io.kwik.backend.netty requires it),"
                    + " and JDK 22+ wants --enable-native-access=io.netty.common (ALL-UNNAMED on the class path)."
                    + " Cause: " + cause);
            error.initCause(cause);
            return error;
        }
    }
}
