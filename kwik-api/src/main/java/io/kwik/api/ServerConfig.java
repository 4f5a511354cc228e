package io.kwik.api;

import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import javax.crypto.SecretKey;
import javax.net.ssl.X509TrustManager;

/**
 * How a server listens. Build with {@link #builder()}.
 *
 * @since 0.1.0
 */
public final class ServerConfig extends KwikConfig {

    /** Default {@link #acceptBacklog()}: 128. */
    public static final int DEFAULT_ACCEPT_BACKLOG = 128;

    private final List<X509Certificate> certificateChain;
    private final PrivateKey privateKey;
    private final SecretKey pathTokenKey;
    private final boolean insecureAcceptUnauthenticatedJoins;
    private final int acceptBacklog;
    private final X509TrustManager clientTrust;

    // ---- limits against hostile peers (docs/ENGINE.md, "Security")

    /** Default {@link #maxConnections()}: 10,000. */
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;

    /** Default {@link #rawInboxBytes()}: 4 MiB, two messages of the default maximum size. */
    public static final long DEFAULT_RAW_INBOX_BYTES = 4L << 20;

    private final boolean addressValidation;
    private final int maxConnections;
    private final long rawInboxBytes;

    private ServerConfig(Builder builder) {
        super(builder);
        if (builder.keyEntry != null && (!builder.certificateChain.isEmpty() || builder.privateKey != null)) {
            throw new IllegalArgumentException("set either keyStore(...) or certificateChain(...) and privateKey(...), not both");
        }
        this.certificateChain = builder.keyEntry != null ? builder.keyEntry.chain() : List.copyOf(builder.certificateChain);
        if (certificateChain.isEmpty()) throw new IllegalArgumentException("certificateChain (or keyStore) is required");
        PrivateKey key = builder.keyEntry != null ? builder.keyEntry.key() : builder.privateKey;
        if (key == null) throw new IllegalArgumentException("privateKey (or keyStore) is required");
        this.privateKey = key;
        this.clientTrust = builder.clientTrust;
        this.pathTokenKey = builder.pathTokenKey;
        if (pathTokenKey != null && builder.insecureAcceptUnauthenticatedJoins) {
            throw new IllegalArgumentException(
                    "pathTokenKey and insecureAcceptUnauthenticatedJoins exclude each other: a key checks every join");
        }
        this.insecureAcceptUnauthenticatedJoins = builder.insecureAcceptUnauthenticatedJoins;
        if (builder.acceptBacklog < 1 || builder.acceptBacklog > 65_536) {
            throw new IllegalArgumentException("acceptBacklog must be in [1, 65536]: " + builder.acceptBacklog);
        }
        this.acceptBacklog = builder.acceptBacklog;
        if (builder.maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections must be >= 1: " + builder.maxConnections);
        }
        this.maxConnections = builder.maxConnections;
        if (builder.rawInboxBytes < 1) throw new IllegalArgumentException("rawInboxBytes must be >= 1: " + builder.rawInboxBytes);
        this.rawInboxBytes = builder.rawInboxBytes;
        this.addressValidation = builder.addressValidation;
    }

    /** A builder with every default. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The server's certificate chain, leaf first. Required: set it with {@link Builder#certificateChain(List)}
     * and {@link Builder#privateKey(PrivateKey)}, or take both from a key store with
     * {@link Builder#keyStore(KeyStore, String, char[])}.
     */
    public List<X509Certificate> certificateChain() {
        return certificateChain;
    }

    /** The leaf certificate's private key. Required. */
    public PrivateKey privateKey() {
        return privateKey;
    }

    /**
     * When present, every client must present a certificate chain that this trust manager accepts
     * (mutual TLS); a client without one, or with one it does not trust, fails its dial with a
     * {@link KwikTlsException} and never reaches {@link KwikListener#accept()}. Default: empty,
     * clients are not asked for certificates. Backends: the Netty backend supports it; the kwik
     * backend (kwik 0.10.8) cannot ask for client certificates, and {@link Kwik#listen} fails
     * with an {@link java.io.IOException} rather than serve without them (docs/TLS.md).
     */
    public Optional<X509TrustManager> clientTrust() {
        return Optional.ofNullable(clientTrust);
    }

    /**
     * The HMAC key a server group shares to sign and check join tokens for secondary paths
     * (docs/PROTOCOL.md 4.2). Default: none; a listener without a key then refuses every join
     * with {@link ErrorCode#AUTH_FAILED}, unless {@link #insecureAcceptUnauthenticatedJoins()}.
     */
    public Optional<SecretKey> pathTokenKey() {
        return Optional.ofNullable(pathTokenKey);
    }

    /**
     * Whether a listener without a {@link #pathTokenKey()} accepts secondary joins without any
     * token, as earlier KWIK builds did by default. Anyone who can reach the listener can then join any session
     * id as a secondary and write the ranges a client delegates to that path (the client still
     * refuses bytes outside them). Each listener logs a warning once when it accepts such a join.
     * Default {@code false}; it cannot be combined with a key.
     */
    public boolean insecureAcceptUnauthenticatedJoins() {
        return insecureAcceptUnauthenticatedJoins;
    }

    /**
     * How many authenticated sessions may wait for {@link KwikListener#accept()}; past it new
     * ones are refused with {@link ErrorCode#SESSION_CLOSED}. Default {@link #DEFAULT_ACCEPT_BACKLOG}.
     */
    public int acceptBacklog() {
        return acceptBacklog;
    }

    /**
     * Whether a client must prove its address with a QUIC Retry token before the server keeps
     * any state for it (RFC 9000 section 8.1). It costs every handshake one more round trip, and
     * makes a flood of spoofed QUIC Initials cost the server no connection state. Default off.
     */
    public boolean addressValidation() {
        return addressValidation;
    }

    /**
     * How many QUIC connections the listener keeps at once; the handshakes past it are refused
     * (the client's dial fails). On the Netty backend the bound counts handshakes in progress; on
     * the kwik backend it counts connections whose handshake completed. Default
     * {@link #DEFAULT_MAX_CONNECTIONS}.
     */
    public int maxConnections() {
        return maxConnections;
    }

    /**
     * The bytes of relayed raw data a session holds for {@link KwikSession#receiveRawData()} (also
     * at most 64 messages); when full, the relay waits and QUIC flow control stops the sender. One
     * message larger than this is still taken when the inbox is empty. Default
     * {@link #DEFAULT_RAW_INBOX_BYTES}.
     */
    public long rawInboxBytes() {
        return rawInboxBytes;
    }

    /** Builds a {@link ServerConfig}. */
    public static final class Builder extends KwikConfig.Builder<Builder> {
        private List<X509Certificate> certificateChain = List.of();
        private PrivateKey privateKey;
        private TlsSupport.KeyEntry keyEntry;
        private X509TrustManager clientTrust;
        private SecretKey pathTokenKey;
        private boolean insecureAcceptUnauthenticatedJoins;
        private int acceptBacklog = DEFAULT_ACCEPT_BACKLOG;
        private boolean addressValidation;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private long rawInboxBytes = DEFAULT_RAW_INBOX_BYTES;

        private Builder() {}

        @Override
        Builder self() {
            return this;
        }

        /** See {@link ServerConfig#certificateChain()}. */
        public Builder certificateChain(List<X509Certificate> chain) {
            this.certificateChain = List.copyOf(chain);
            return this;
        }

        /** See {@link ServerConfig#privateKey()}. */
        public Builder privateKey(PrivateKey key) {
            this.privateKey = key;
            return this;
        }

        /**
         * Serves the key entry {@code alias} of {@code store} (its private key and certificate
         * chain), instead of {@link #certificateChain(List)} and {@link #privateKey(PrivateKey)}.
         * With a null {@code alias} the store must hold exactly one key entry. The entry is read now.
         *
         * @throws IllegalArgumentException when the entry is missing, has no private key or no X.509 chain,
         *                                  or {@code password} does not open it
         */
        public Builder keyStore(KeyStore store, String alias, char[] password) {
            this.keyEntry = TlsSupport.keyEntry(Objects.requireNonNull(store, "store"), alias, password);
            return this;
        }

        /** Requires client certificates accepted by {@code trust}. See {@link ServerConfig#clientTrust()}. */
        public Builder requireClientCertificates(X509TrustManager trust) {
            this.clientTrust = Objects.requireNonNull(trust, "trust");
            return this;
        }

        /** Requires client certificates issued by (or equal to) one of {@code anchors} (PKIX). */
        public Builder requireClientCertificates(List<X509Certificate> anchors) {
            if (anchors.isEmpty()) throw new IllegalArgumentException("no trust anchors for client certificates");
            this.clientTrust = TlsSupport.pkix(List.copyOf(anchors));
            return this;
        }

        /** Requires client certificates trusted by the certificate entries of {@code trustStore} (PKIX). */
        public Builder requireClientCertificates(KeyStore trustStore) {
            this.clientTrust = TlsSupport.pkix(Objects.requireNonNull(trustStore, "trustStore"));
            return this;
        }

        /** See {@link ServerConfig#pathTokenKey()}. */
        public Builder pathTokenKey(SecretKey key) {
            this.pathTokenKey = key;
            return this;
        }

        /** See {@link ServerConfig#insecureAcceptUnauthenticatedJoins()}. */
        public Builder insecureAcceptUnauthenticatedJoins() {
            this.insecureAcceptUnauthenticatedJoins = true;
            return this;
        }

        /** See {@link ServerConfig#acceptBacklog()}. */
        public Builder acceptBacklog(int sessions) {
            this.acceptBacklog = sessions;
            return this;
        }

        // ---- limits against hostile peers

        /** See {@link ServerConfig#addressValidation()}. */
        public Builder addressValidation(boolean required) {
            this.addressValidation = required;
            return this;
        }

        /** See {@link ServerConfig#maxConnections()}. */
        public Builder maxConnections(int connections) {
            this.maxConnections = connections;
            return this;
        }

        /** See {@link ServerConfig#rawInboxBytes()}. */
        public Builder rawInboxBytes(long bytes) {
            this.rawInboxBytes = bytes;
            return this;
        }

        /**
         * Builds the configuration.
         *
         * @throws IllegalArgumentException when a value is out of range or a required one is missing
         */
        public ServerConfig build() {
            return new ServerConfig(this);
        }
    }
}
