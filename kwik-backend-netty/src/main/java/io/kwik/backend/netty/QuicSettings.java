package io.kwik.backend.netty;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import io.kwik.spi.ClientTransportConfig;
import io.kwik.spi.TlsManagers;
import io.kwik.spi.ServerTransportConfig;
import io.kwik.spi.TransportLimits;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.handler.codec.quic.QLogConfiguration;
import io.netty.handler.codec.quic.QuicCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;

/**
 * Every setting this backend gives quiche and Netty, in one place, each applied explicitly.
 */
final class QuicSettings {

    /**
     * The largest UDP payload sent or accepted: 1500-byte Ethernet MTU minus a 40-byte IPv6
     * header and an 8-byte UDP header, so a packet is never fragmented on either family. A
     * 4096-byte payload stalled on NIO in a prototype (the datagram receive buffer was smaller).
     */
    static final int MAX_UDP_PAYLOAD = 1452;

    /**
     * A 1-RTT packet's overhead: 1 flags byte, a destination connection id of up to 20 bytes,
     * a packet number of up to 4 bytes and the 16-byte AEAD tag.
     */
    static final int SHORT_HEADER_OVERHEAD = 1 + 20 + 4 + 16;

    /** A STREAM frame's header: type, stream id and offset (8-byte varints), 2-byte length. */
    static final int STREAM_FRAME_OVERHEAD = 1 + 8 + 8 + 2;

    /**
     * The NIO datagram channel reads each datagram into a buffer this large (a fixed
     * allocator). It holds any datagram up to the advertised {@link #MAX_UDP_PAYLOAD}; a larger
     * one is truncated and then fails quiche's authentication, like any corrupt packet.
     */
    static final int DATAGRAM_RECEIVE_BUFFER = 2048;

    /**
     * How many datagrams the UDP socket reads before the codec's read-complete, which is where
     * quiche sends (ACKs, then whatever the window allows) and the socket is flushed. A
     * {@code FixedRecvByteBufAllocator} reads one datagram per loop unless told otherwise (Netty
     * applies its datagram default of 16 only to the allocator it creates itself); with one, the
     * receiver acknowledged every packet and the sender, clocked by those ACKs, sent one packet
     * per ACK: a single stream over loopback moved 7-18 MB/s with a smoothed RTT of 50-200 ms.
     */
    static final int DATAGRAMS_PER_READ = 64;

    /** Queue lengths for the DATAGRAM extension, which only carries keep-alive pings. */
    static final int DATAGRAM_QUEUE = 8;

    /** Stream channels read into buffers between these sizes (adaptive). */
    static final RecvByteBufAllocator STREAM_RECEIVE_ALLOCATOR = new AdaptiveRecvByteBufAllocator(512, 16 * 1024, 64 * 1024);

    private QuicSettings() {
    }

    /** The STREAM frame payload a packet of {@code udpPayload} bytes carries at most. */
    static int streamFramePayload(long udpPayload) {
        long udp = Math.min(udpPayload, MAX_UDP_PAYLOAD);
        return (int) (udp - SHORT_HEADER_OVERHEAD - STREAM_FRAME_OVERHEAD);
    }

    /** Applies every {@link TransportLimits} value and the fixed settings to a codec builder. */
    static <B extends QuicCodecBuilder<B>> B apply(B builder, TransportLimits limits) {
        return builder
                .maxIdleTimeout(Math.max(1, limits.idleTimeout().toMillis()), TimeUnit.MILLISECONDS)
                .initialMaxData(limits.connectionReceiveWindow())
                .initialMaxStreamDataBidirectionalLocal(limits.streamReceiveWindow())
                .initialMaxStreamDataBidirectionalRemote(limits.streamReceiveWindow())
                .initialMaxStreamDataUnidirectional(0)
                .initialMaxStreamsBidirectional(limits.maxIncomingStreams())
                .initialMaxStreamsUnidirectional(0)
                .maxSendUdpPayloadSize(MAX_UDP_PAYLOAD)
                .maxRecvUdpPayloadSize(MAX_UDP_PAYLOAD)
                .discoverPmtu(false)
                .activeMigration(false)
                .datagram(DATAGRAM_QUEUE, DATAGRAM_QUEUE);
    }

    /**
     * Options of every stream channel, local or peer-initiated: see {@link NettyStream}.
     * {@code READ_FRAMES} is not among them: Netty 4.2.18 applies it but reports it as unknown
     * (a warning per stream), so {@link NettyConnection.StreamInitializer} sets it directly.
     */
    static void forEachStreamOption(StreamOptionSink sink) {
        sink.option(ChannelOption.AUTO_READ, false);
        sink.option(ChannelOption.ALLOW_HALF_CLOSURE, true);
        sink.option(ChannelOption.RCVBUF_ALLOCATOR, STREAM_RECEIVE_ALLOCATOR);
    }

    /** The system property naming a directory for quiche's qlog files; unset means no qlog. */
    static final String QLOG_PROPERTY = "io.kwik.netty.qlogDir";

    /**
     * A qlog configuration when {@value #QLOG_PROPERTY} names an existing directory: quiche
     * then writes one JSON-SEQ file per connection there (every packet, frame and recovery
     * event; megabytes per second of traffic), for diagnosing a stall. Off by default.
     */
    static Optional<QLogConfiguration> qlog(String transportName) {
        String directory = System.getProperty(QLOG_PROPERTY);
        if (directory == null || !Files.isDirectory(Path.of(directory))) return Optional.empty();
        return Optional.of(new QLogConfiguration(directory, transportName, "KWIK netty backend"));
    }

    /** Receives stream channel options; lets one list serve both Netty bootstraps. */
    interface StreamOptionSink {
        <T> void option(ChannelOption<T> option, T value);
    }

    /**
     * The client's TLS context: ALPN, the trust of {@link TlsManagers#clientTrust} (the chain check, then
     * {@link io.kwik.spi.ServerIdentity}) or trust-all, and the client's key manager if any. The
     * trust manager is a plain {@code X509TrustManager} and no endpoint identification algorithm is
     * set (the builder's default is "HTTPS"), so BoringSSL's callback calls its two-argument check and the name is checked once, the
     * same way as on the kwik backend.
     */
    static QuicSslContext clientTls(ClientTransportConfig config) throws GeneralSecurityException {
        QuicSslContextBuilder builder = QuicSslContextBuilder.forClient()
                .applicationProtocols(config.alpn())
                .earlyData(false)
                .endpointIdentificationAlgorithm(null);
        if (config.trustAll()) builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
        else builder.trustManager(TlsManagers.clientTrust(config));
        if (config.keyManager() != null) builder.keyManager(config.keyManager(), null);
        return builder.build();
    }

    /**
     * The server's TLS context: its chain and key, the one ALPN, and client authentication
     * required with {@link ServerTransportConfig#clientTrust()} when it is set, else none.
     */
    static QuicSslContext serverTls(ServerTransportConfig config) {
        QuicSslContextBuilder builder = QuicSslContextBuilder.forServer(config.privateKey(), null,
                        config.certificateChain().toArray(X509Certificate[]::new))
                .applicationProtocols(config.alpn())
                .earlyData(false);
        if (config.clientTrust() != null) builder.trustManager(config.clientTrust()).clientAuth(ClientAuth.REQUIRE);
        else builder.clientAuth(ClientAuth.NONE);
        return builder.build();
    }
}
