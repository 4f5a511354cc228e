package io.kwik.api;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Settings both ends have. Built with {@link ClientConfig#builder()} or
 * {@link ServerConfig#builder()}; every value is checked at {@code build()}.
 *
 * @since 0.1.0
 */
public abstract sealed class KwikConfig permits ClientConfig, ServerConfig {

    /** Default {@link #idleTimeout()}: 30 seconds. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
    /** Default {@link #handshakeTimeout()}: 10 seconds. */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    /** Default {@link #streamCreationTimeout()}: 5 seconds. */
    public static final Duration DEFAULT_STREAM_CREATION_TIMEOUT = Duration.ofSeconds(5);
    /** Default {@link #streamReceiveWindow()}: 1 MiB. */
    public static final long DEFAULT_STREAM_RECEIVE_WINDOW = 1 << 20;
    /** Default {@link #maxConcurrentStreams()}: 100. */
    public static final int DEFAULT_MAX_CONCURRENT_STREAMS = 100;
    /**
     * Default {@link #maxMessageSize()}: 2 MiB, so that a raw relay of 1 MiB (R9) fits in one
     * message with room to spare.
     */
    public static final int DEFAULT_MAX_MESSAGE_SIZE = 2 << 20;
    /** Default {@link #logicalStreamsPerRealStream()}: 4. */
    public static final int DEFAULT_LOGICAL_STREAMS_PER_REAL_STREAM = 4;
    /** Default {@link #realStreamIdleTimeout()}: 2 seconds. */
    public static final Duration DEFAULT_REAL_STREAM_IDLE_TIMEOUT = Duration.ofSeconds(2);
    /** Default {@link #quicPacketsPerKwikPacket()}: 8. */
    public static final int DEFAULT_QUIC_PACKETS_PER_KWIK_PACKET = 8;

    private final String transport;
    private final Duration idleTimeout;
    private final Duration handshakeTimeout;
    private final Duration streamCreationTimeout;
    private final long streamReceiveWindow;
    private final int maxConcurrentStreams;
    private final int maxMessageSize;
    private final int logicalStreamsPerRealStream;
    private final Duration realStreamIdleTimeout;
    private final int quicPacketsPerKwikPacket;
    private final Duration readTimeout;

    KwikConfig(Builder<?> builder) {
        this.transport = builder.transport;
        this.idleTimeout = positive("idleTimeout", builder.idleTimeout);
        this.handshakeTimeout = positive("handshakeTimeout", builder.handshakeTimeout);
        this.streamCreationTimeout = positive("streamCreationTimeout", builder.streamCreationTimeout);
        if (builder.streamReceiveWindow < 1024 || builder.streamReceiveWindow > (1L << 30)) {
            throw new IllegalArgumentException("streamReceiveWindow must be in [1 KiB, 1 GiB]: " + builder.streamReceiveWindow);
        }
        this.streamReceiveWindow = builder.streamReceiveWindow;
        if (builder.maxConcurrentStreams < 1 || builder.maxConcurrentStreams > 1_000_000) {
            throw new IllegalArgumentException("maxConcurrentStreams must be in [1, 1000000]: " + builder.maxConcurrentStreams);
        }
        this.maxConcurrentStreams = builder.maxConcurrentStreams;
        if (builder.maxMessageSize < 16 * 1024 || builder.maxMessageSize > 64 << 20) {
            throw new IllegalArgumentException("maxMessageSize must be in [16 KiB, 64 MiB]: " + builder.maxMessageSize);
        }
        this.maxMessageSize = builder.maxMessageSize;
        if (builder.logicalStreamsPerRealStream < 1 || builder.logicalStreamsPerRealStream > 64) {
            throw new IllegalArgumentException("logicalStreamsPerRealStream must be in [1, 64]: " + builder.logicalStreamsPerRealStream);
        }
        this.logicalStreamsPerRealStream = builder.logicalStreamsPerRealStream;
        this.realStreamIdleTimeout = positive("realStreamIdleTimeout", builder.realStreamIdleTimeout);
        if (builder.quicPacketsPerKwikPacket < 1 || builder.quicPacketsPerKwikPacket > 64) {
            throw new IllegalArgumentException("quicPacketsPerKwikPacket must be in [1, 64]: " + builder.quicPacketsPerKwikPacket);
        }
        this.quicPacketsPerKwikPacket = builder.quicPacketsPerKwikPacket;
        this.readTimeout = builder.readTimeout == null ? null : positive("readTimeout", builder.readTimeout);
    }

    private static Duration positive(String name, Duration value) {
        if (value.isNegative() || value.isZero()) throw new IllegalArgumentException(name + " must be > 0: " + value);
        return value;
    }

    /**
     * The transport backend asked for by name ({@code "kwik"}, {@code "netty"}), if any. When
     * empty, the system property {@systemProperty io.kwik.transport} decides, else the usable backend
     * with the highest priority.
     */
    public Optional<String> transport() {
        return Optional.ofNullable(transport);
    }

    /** A path with no traffic for this long is closed. Default {@link #DEFAULT_IDLE_TIMEOUT}. */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** How long dialing plus authentication may take. Default {@link #DEFAULT_HANDSHAKE_TIMEOUT}. */
    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /**
     * How long data for a stream may wait for the stream's creation notice, which travels on
     * another QUIC stream. Past it, the connection is closed with {@link ErrorCode#INVALID_FRAME}.
     * Default {@link #DEFAULT_STREAM_CREATION_TIMEOUT}.
     */
    public Duration streamCreationTimeout() {
        return streamCreationTimeout;
    }

    /**
     * How many bytes of each stream the peer may send ahead of what the application has read.
     * Default {@link #DEFAULT_STREAM_RECEIVE_WINDOW}; between 1 KiB and 1 GiB.
     */
    public long streamReceiveWindow() {
        return streamReceiveWindow;
    }

    /** How many streams the peer may have open at once. Default {@link #DEFAULT_MAX_CONCURRENT_STREAMS}. */
    public int maxConcurrentStreams() {
        return maxConcurrentStreams;
    }

    /**
     * The largest protocol message accepted from the peer; a larger one closes the connection
     * with {@link ErrorCode#PACKET_TOO_LARGE}. Default {@link #DEFAULT_MAX_MESSAGE_SIZE}; between
     * 16 KiB and 64 MiB.
     */
    public int maxMessageSize() {
        return maxMessageSize;
    }

    /**
     * How many logical streams may share one real QUIC stream of a path. A new real stream
     * opens when every open one carries this many. Default
     * {@link #DEFAULT_LOGICAL_STREAMS_PER_REAL_STREAM}; between 1 and 64.
     */
    public int logicalStreamsPerRealStream() {
        return logicalStreamsPerRealStream;
    }

    /**
     * A real QUIC stream that has carried no logical stream for this long is closed, so the
     * number of real streams follows demand down as well as up. Default
     * {@link #DEFAULT_REAL_STREAM_IDLE_TIMEOUT}.
     */
    public Duration realStreamIdleTimeout() {
        return realStreamIdleTimeout;
    }

    /**
     * How many full QUIC packets' worth of stream data one KWIK data packet may carry: larger
     * packets cost less framing, smaller ones interleave streams more finely. Default
     * {@link #DEFAULT_QUIC_PACKETS_PER_KWIK_PACKET}; between 1 and 64. A packet never exceeds
     * the peer's {@link #maxMessageSize()} either.
     */
    public int quicPacketsPerKwikPacket() {
        return quicPacketsPerKwikPacket;
    }

    /**
     * How long one read of a stream may wait for bytes before it fails with a
     * {@link KwikTimeoutException} of kind {@link KwikTimeoutException.Kind#READ}; the stream
     * stays usable, and a later read waits again. It is each new stream's initial
     * {@link KwikStream#readTimeout(Duration)}. Default: empty, a read waits as long as the
     * session lives (as {@code java.net.Socket} with no {@code SO_TIMEOUT}).
     */
    public Optional<Duration> readTimeout() {
        return Optional.ofNullable(readTimeout);
    }

    /** Common builder steps. */
    public abstract static sealed class Builder<B extends Builder<B>> permits ClientConfig.Builder, ServerConfig.Builder {
        private String transport;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
        private Duration streamCreationTimeout = DEFAULT_STREAM_CREATION_TIMEOUT;
        private long streamReceiveWindow = DEFAULT_STREAM_RECEIVE_WINDOW;
        private int maxConcurrentStreams = DEFAULT_MAX_CONCURRENT_STREAMS;
        private int maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;
        private int logicalStreamsPerRealStream = DEFAULT_LOGICAL_STREAMS_PER_REAL_STREAM;
        private Duration realStreamIdleTimeout = DEFAULT_REAL_STREAM_IDLE_TIMEOUT;
        private int quicPacketsPerKwikPacket = DEFAULT_QUIC_PACKETS_PER_KWIK_PACKET;
        private Duration readTimeout;

        Builder() {}

        abstract B self();

        /** See {@link KwikConfig#transport()}. */
        public B transport(String name) {
            this.transport = Objects.requireNonNull(name, "name");
            return self();
        }

        /** See {@link KwikConfig#idleTimeout()}. */
        public B idleTimeout(Duration timeout) {
            this.idleTimeout = Objects.requireNonNull(timeout, "timeout");
            return self();
        }

        /** See {@link KwikConfig#handshakeTimeout()}. */
        public B handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = Objects.requireNonNull(timeout, "timeout");
            return self();
        }

        /** See {@link KwikConfig#streamCreationTimeout()}. */
        public B streamCreationTimeout(Duration timeout) {
            this.streamCreationTimeout = Objects.requireNonNull(timeout, "timeout");
            return self();
        }

        /** See {@link KwikConfig#streamReceiveWindow()}. */
        public B streamReceiveWindow(long bytes) {
            this.streamReceiveWindow = bytes;
            return self();
        }

        /** See {@link KwikConfig#maxConcurrentStreams()}. */
        public B maxConcurrentStreams(int streams) {
            this.maxConcurrentStreams = streams;
            return self();
        }

        /** See {@link KwikConfig#maxMessageSize()}. */
        public B maxMessageSize(int bytes) {
            this.maxMessageSize = bytes;
            return self();
        }

        /** See {@link KwikConfig#logicalStreamsPerRealStream()}. */
        public B logicalStreamsPerRealStream(int streams) {
            this.logicalStreamsPerRealStream = streams;
            return self();
        }

        /** See {@link KwikConfig#realStreamIdleTimeout()}. */
        public B realStreamIdleTimeout(Duration timeout) {
            this.realStreamIdleTimeout = Objects.requireNonNull(timeout, "timeout");
            return self();
        }

        /** See {@link KwikConfig#readTimeout()}; {@code null} restores the default, no timeout. */
        public B readTimeout(Duration timeout) {
            this.readTimeout = timeout;
            return self();
        }

        /** See {@link KwikConfig#quicPacketsPerKwikPacket()}. */
        public B quicPacketsPerKwikPacket(int packets) {
            this.quicPacketsPerKwikPacket = packets;
            return self();
        }
    }
}
