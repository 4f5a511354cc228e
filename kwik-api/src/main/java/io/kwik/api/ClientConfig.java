package io.kwik.api;

import java.lang.System.Logger.Level;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** How a client dials. Build with {@link #builder()}. */
public final class ClientConfig extends KwikConfig {

    /** Default {@link #pathTimeout()}: 1 second. */
    public static final Duration DEFAULT_PATH_TIMEOUT = Duration.ofSeconds(1);

    private final List<X509Certificate> trustedCertificates;
    private final boolean insecureTrustAll;
    private final String serverName;
    private final Duration pathTimeout;

    private ClientConfig(Builder builder) {
        super(builder);
        if (builder.pathTimeout.compareTo(Duration.ofMillis(100)) < 0) {
            throw new IllegalArgumentException("pathTimeout must be at least 100 ms: " + builder.pathTimeout);
        }
        this.pathTimeout = builder.pathTimeout;
        this.trustedCertificates = List.copyOf(builder.trustedCertificates);
        this.insecureTrustAll = builder.insecureTrustAll;
        this.serverName = builder.serverName;
        if (!insecureTrustAll && trustedCertificates.isEmpty()) {
            throw new IllegalArgumentException("no trusted certificates: set trustedCertificates(...) or, for tests only, insecureTrustAll()");
        }
        if (insecureTrustAll) {
            System.getLogger("io.kwik.api").log(Level.WARNING,
                    "insecureTrustAll(): server certificates will NOT be verified; use only for tests and demos");
        }
    }

    /** A builder with every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** The certificates the client trusts (trust anchors). Empty only with {@link #insecureTrustAll()}. */
    public List<X509Certificate> trustedCertificates() {
        return trustedCertificates;
    }

    /** Whether server certificates are accepted unverified. Default false. */
    public boolean insecureTrustAll() {
        return insecureTrustAll;
    }

    /**
     * The name to verify the server's certificate against, and to send as SNI. Default: the
     * host name of the address dialed, or its IP literal when it has none.
     */
    public Optional<String> serverName() {
        return Optional.ofNullable(serverName);
    }

    /**
     * How long a secondary path may stay silent before the client declares it
     * {@link PathStatus#DEAD}. The client pings every path that has been quiet for a quarter
     * of it, so a live path always answers in time; a path is never declared dead before four
     * of its smoothed round trips have passed in silence, however short this is. Default
     * {@link #DEFAULT_PATH_TIMEOUT}; at least 100 ms. The primary path is judged by {@link #idleTimeout()} instead, because
     * its death ends the session.
     */
    public Duration pathTimeout() {
        return pathTimeout;
    }

    /** Builds a {@link ClientConfig}. */
    public static final class Builder extends KwikConfig.Builder<Builder> {
        private List<X509Certificate> trustedCertificates = List.of();
        private boolean insecureTrustAll;
        private String serverName;
        private Duration pathTimeout = DEFAULT_PATH_TIMEOUT;

        private Builder() {}

        @Override
        Builder self() {
            return this;
        }

        /** See {@link ClientConfig#trustedCertificates()}. */
        public Builder trustedCertificates(List<X509Certificate> certificates) {
            this.trustedCertificates = List.copyOf(certificates);
            return this;
        }

        /** Accepts any server certificate. For tests and demos only; logged as a warning. */
        public Builder insecureTrustAll() {
            this.insecureTrustAll = true;
            return this;
        }

        /** See {@link ClientConfig#serverName()}. */
        public Builder serverName(String name) {
            this.serverName = Objects.requireNonNull(name, "name");
            return this;
        }

        /** See {@link ClientConfig#pathTimeout()}. */
        public Builder pathTimeout(Duration timeout) {
            this.pathTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * Builds the configuration.
         *
         * @throws IllegalArgumentException when a value is out of range or no trust is configured
         */
        public ClientConfig build() {
            return new ClientConfig(this);
        }
    }
}
