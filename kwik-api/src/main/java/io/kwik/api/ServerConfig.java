package io.kwik.api;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

import javax.crypto.SecretKey;

/** How a server listens. Build with {@link #builder()}. */
public final class ServerConfig extends KwikConfig {

    /** Default {@link #acceptBacklog()}: 128. */
    public static final int DEFAULT_ACCEPT_BACKLOG = 128;

    private final List<X509Certificate> certificateChain;
    private final PrivateKey privateKey;
    private final SecretKey pathTokenKey;
    private final int acceptBacklog;

    private ServerConfig(Builder builder) {
        super(builder);
        this.certificateChain = List.copyOf(builder.certificateChain);
        if (certificateChain.isEmpty()) throw new IllegalArgumentException("certificateChain is required");
        if (builder.privateKey == null) throw new IllegalArgumentException("privateKey is required");
        this.privateKey = builder.privateKey;
        this.pathTokenKey = builder.pathTokenKey;
        if (builder.acceptBacklog < 1 || builder.acceptBacklog > 65_536) {
            throw new IllegalArgumentException("acceptBacklog must be in [1, 65536]: " + builder.acceptBacklog);
        }
        this.acceptBacklog = builder.acceptBacklog;
    }

    /** A builder with every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** The server's certificate chain, leaf first. Required. */
    public List<X509Certificate> certificateChain() {
        return certificateChain;
    }

    /** The leaf certificate's private key. Required. */
    public PrivateKey privateKey() {
        return privateKey;
    }

    /**
     * The HMAC key a server group shares to sign and check join tokens for secondary paths.
     * Default: none, and a secondary then accepts joins unauthenticated (logged once).
     */
    public Optional<SecretKey> pathTokenKey() {
        return Optional.ofNullable(pathTokenKey);
    }

    /**
     * How many authenticated sessions may wait for {@link KwikListener#accept()}; past it new
     * ones are refused with {@link ErrorCode#SESSION_CLOSED}. Default {@link #DEFAULT_ACCEPT_BACKLOG}.
     */
    public int acceptBacklog() {
        return acceptBacklog;
    }

    /** Builds a {@link ServerConfig}. */
    public static final class Builder extends KwikConfig.Builder<Builder> {
        private List<X509Certificate> certificateChain = List.of();
        private PrivateKey privateKey;
        private SecretKey pathTokenKey;
        private int acceptBacklog = DEFAULT_ACCEPT_BACKLOG;

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

        /** See {@link ServerConfig#pathTokenKey()}. */
        public Builder pathTokenKey(SecretKey key) {
            this.pathTokenKey = key;
            return this;
        }

        /** See {@link ServerConfig#acceptBacklog()}. */
        public Builder acceptBacklog(int sessions) {
            this.acceptBacklog = sessions;
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
