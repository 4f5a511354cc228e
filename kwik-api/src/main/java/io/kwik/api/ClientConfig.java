package io.kwik.api;

import java.lang.System.Logger.Level;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** How a client dials. Build with {@link #builder()}. */
public final class ClientConfig extends KwikConfig {

    private final List<X509Certificate> trustedCertificates;
    private final boolean insecureTrustAll;
    private final String serverName;

    private ClientConfig(Builder builder) {
        super(builder);
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

    /** Builds a {@link ClientConfig}. */
    public static final class Builder extends KwikConfig.Builder<Builder> {
        private List<X509Certificate> trustedCertificates = List.of();
        private boolean insecureTrustAll;
        private String serverName;

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

        /** @throws IllegalArgumentException when a value is out of range or no trust is configured */
        public ClientConfig build() {
            return new ClientConfig(this);
        }
    }
}
