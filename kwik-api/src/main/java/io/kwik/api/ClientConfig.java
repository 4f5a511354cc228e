package io.kwik.api;

import java.lang.System.Logger.Level;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509TrustManager;

/**
 * How a client dials. Build with {@link #builder()}.
 *
 * @since 0.1.0
 */
public final class ClientConfig extends KwikConfig {

    /** Default {@link #pathTimeout()}: 1 second. */
    public static final Duration DEFAULT_PATH_TIMEOUT = Duration.ofSeconds(1);
    /** Default {@link #handshakeStallTimeout()}: 1 second. */
    public static final Duration DEFAULT_HANDSHAKE_STALL_TIMEOUT = Duration.ofSeconds(1);
    /** Default {@link #maxDelegatedRangesPerPath()}: 65,536 ranges. */
    public static final int DEFAULT_MAX_DELEGATED_RANGES_PER_PATH = 65_536;
    /** Default {@link #maxReceiptRanges()}: 1,024 ranges. */
    public static final int DEFAULT_MAX_RECEIPT_RANGES = 1024;
    /** Default {@link #controlBacklog()}: 128 requests, twice the paths a session may have. */
    public static final int DEFAULT_CONTROL_BACKLOG = 128;
    /** Default {@link #controlBacklogBytes()}: 256 KiB. */
    public static final int DEFAULT_CONTROL_BACKLOG_BYTES = 256 << 10;

    private final List<X509Certificate> trustedCertificates;
    private final X509TrustManager trustManager;
    private final X509ExtendedKeyManager clientKeyManager;
    private final boolean insecureTrustAll;
    private final String serverName;
    private final Duration pathTimeout;
    private final Duration handshakeStallTimeout;
    private final int maxDelegatedRangesPerPath;
    private final int maxReceiptRanges;
    private final int controlBacklog;
    private final int controlBacklogBytes;

    private ClientConfig(Builder builder) {
        super(builder);
        if (builder.pathTimeout.compareTo(Duration.ofMillis(100)) < 0) {
            throw new IllegalArgumentException("pathTimeout must be at least 100 ms: " + builder.pathTimeout);
        }
        this.pathTimeout = builder.pathTimeout;
        if (builder.handshakeStallTimeout.compareTo(Duration.ofMillis(10)) < 0) {
            throw new IllegalArgumentException("handshakeStallTimeout must be at least 10 ms: " + builder.handshakeStallTimeout);
        }
        this.handshakeStallTimeout = builder.handshakeStallTimeout;
        this.maxDelegatedRangesPerPath = atLeastOne("maxDelegatedRangesPerPath", builder.maxDelegatedRangesPerPath);
        this.maxReceiptRanges = atLeastOne("maxReceiptRanges", builder.maxReceiptRanges);
        this.controlBacklog = atLeastOne("controlBacklog", builder.controlBacklog);
        if (builder.controlBacklogBytes < 1024) {
            throw new IllegalArgumentException("controlBacklogBytes must be at least 1024: " + builder.controlBacklogBytes);
        }
        this.controlBacklogBytes = builder.controlBacklogBytes;
        this.trustedCertificates = List.copyOf(builder.trustedCertificates);
        this.insecureTrustAll = builder.insecureTrustAll;
        this.serverName = builder.serverName;
        int trustSources = (trustedCertificates.isEmpty() ? 0 : 1) + (builder.trustStore == null ? 0 : 1)
                + (builder.trustManager == null ? 0 : 1);
        if (trustSources > 1) {
            throw new IllegalArgumentException("set one of trustedCertificates, trustStore and trustManager, not several");
        }
        if (insecureTrustAll) this.trustManager = null;
        else if (builder.trustManager != null) this.trustManager = builder.trustManager;
        else if (builder.trustStore != null) this.trustManager = TlsSupport.pkix(builder.trustStore);
        else if (!trustedCertificates.isEmpty()) this.trustManager = TlsSupport.pkix(trustedCertificates);
        else this.trustManager = TlsSupport.pkix((KeyStore) null);
        this.clientKeyManager = builder.clientKeyManager;
        if (insecureTrustAll) {
            System.getLogger("io.kwik.api").log(Level.WARNING,
                    "insecureTrustAll(): server certificates will NOT be verified; use only for tests and demos");
        }
    }

    /** A builder with every default. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The certificates given to {@link Builder#trustedCertificates(List)}, the only trust anchors
     * then; empty when the trust came from elsewhere (see {@link #trustManager()}).
     */
    public List<X509Certificate> trustedCertificates() {
        return trustedCertificates;
    }

    /**
     * What decides whether the server's certificate chain is trusted; empty only with
     * {@link #insecureTrustAll()}. One of, as set on the builder:
     * <ul>
     *   <li>{@link Builder#trustManager(X509TrustManager)}: that trust manager;</li>
     *   <li>{@link Builder#trustStore(KeyStore)}: PKIX over the store's certificate entries;</li>
     *   <li>{@link Builder#trustedCertificates(List)}: PKIX anchored at those certificates;</li>
     *   <li>by default, none of them: PKIX over the JDK's default trust store, as
     *       {@code java.net.http.HttpClient} uses it: the store named by the system property
     *       {@systemProperty javax.net.ssl.trustStore} when it is set, else the JDK's
     *       {@code cacerts}. It is read when {@link Builder#build()} runs.</li>
     * </ul>
     * Whatever decides the chain, KWIK then checks that the server's certificate is issued for
     * {@link #serverName()} (RFC 6125; an IP literal needs an iPAddress subject alternative name),
     * the same way on every backend. A failure is a {@link KwikTlsException}.
     */
    public Optional<X509TrustManager> trustManager() {
        return Optional.ofNullable(trustManager);
    }

    /**
     * The certificate and key this client presents to a server that asks for one (mutual TLS,
     * {@link ServerConfig#clientTrust()}). Default: empty, the client presents none.
     */
    public Optional<X509ExtendedKeyManager> clientKeyManager() {
        return Optional.ofNullable(clientKeyManager);
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

    /**
     * How long one QUIC handshake may hear nothing from the server before the client starts a
     * second handshake to the same address alongside it; the first of the two to complete is
     * used and the other closed, and {@link #handshakeTimeout()} still bounds the whole dial.
     * Silence is counted from the start of the handshake and then from the server's last
     * datagram; it is stretched to three times the wait for the server's first answer (so to less
     * than three times this value: a first answer later than this value is already a stall), so a long path is not taken for a stall, and a busy server
     * whose packets keep coming is left alone. Applies to the primary and
     * to every secondary the client joins. It works around handshakes that stop without a lost
     * packet (kwik 0.10.8's client, see the kwik backend's README) and servers that drop a
     * first connection's packets; at most one extra handshake is started per dial. Default
     * {@link #DEFAULT_HANDSHAKE_STALL_TIMEOUT}; at least 10 ms.
     */
    public Duration handshakeStallTimeout() {
        return handshakeStallTimeout;
    }

    /**
     * How many separate ranges of the session's streams the client remembers as delegated to
     * one secondary path. The client accepts a secondary's bytes only inside the ranges the
     * primary delegated to it (the client relays every delegation, so it knows them); a
     * secondary writing anywhere else has its path closed with {@link ErrorCode#INVALID_FRAME}
     * and the session goes on. Adjacent and overlapping ranges count as one. A delegation that
     * would take a path past this bound is not relayed: that path is closed with
     * {@link ErrorCode#INVALID_FRAME}, which fails its pending delegations at the primary so
     * they can be refilled. Bounds the memory a primary can make the client spend on its
     * secondaries' rights. Default {@link #DEFAULT_MAX_DELEGATED_RANGES_PER_PATH}; at least 1.
     */
    public int maxDelegatedRangesPerPath() {
        return maxDelegatedRangesPerPath;
    }

    /**
     * How many ranges one receipt to the primary names at most. A receipt lists what the
     * client holds of a stream; a secondary that writes scattered bytes inside its ranges
     * would otherwise make the receipt grow with every hole. Past the bound the receipt names
     * the lowest ranges only, which is always true, and later receipts name the rest once the
     * holes below fill. Default {@link #DEFAULT_MAX_RECEIPT_RANGES}; at least 1.
     */
    public int maxReceiptRanges() {
        return maxReceiptRanges;
    }

    /**
     * How many path requests from the primary (add and remove a path) may wait to be handled
     * at once. They are handled by a small fixed set of workers, because joining a path dials
     * and waits; a primary that sends requests faster than they can be answered, for example
     * one that stops reading its control stream, fills the backlog and has its path closed
     * with {@link ErrorCode#FLOW_CONTROL}, which ends the session. Default
     * {@link #DEFAULT_CONTROL_BACKLOG}; at least 1.
     */
    public int controlBacklog() {
        return controlBacklog;
    }

    /**
     * The bytes of encoded requests that {@link #controlBacklog()} may hold at once, with the
     * same consequence past it. Default {@link #DEFAULT_CONTROL_BACKLOG_BYTES}; at least 1024.
     */
    public int controlBacklogBytes() {
        return controlBacklogBytes;
    }

    private static int atLeastOne(String name, int value) {
        if (value < 1) throw new IllegalArgumentException(name + " must be at least 1: " + value);
        return value;
    }

    /** Builds a {@link ClientConfig}. */
    public static final class Builder extends KwikConfig.Builder<Builder> {
        private List<X509Certificate> trustedCertificates = List.of();
        private KeyStore trustStore;
        private X509TrustManager trustManager;
        private X509ExtendedKeyManager clientKeyManager;
        private boolean insecureTrustAll;
        private String serverName;
        private Duration pathTimeout = DEFAULT_PATH_TIMEOUT;
        private Duration handshakeStallTimeout = DEFAULT_HANDSHAKE_STALL_TIMEOUT;
        private int maxDelegatedRangesPerPath = DEFAULT_MAX_DELEGATED_RANGES_PER_PATH;
        private int maxReceiptRanges = DEFAULT_MAX_RECEIPT_RANGES;
        private int controlBacklog = DEFAULT_CONTROL_BACKLOG;
        private int controlBacklogBytes = DEFAULT_CONTROL_BACKLOG_BYTES;

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

        /**
         * Trusts the certificate entries of {@code store} (PKIX), instead of the JDK's default
         * trust store. See {@link ClientConfig#trustManager()}.
         */
        public Builder trustStore(KeyStore store) {
            this.trustStore = Objects.requireNonNull(store, "store");
            return this;
        }

        /**
         * Lets {@code manager} decide whether the server's chain is trusted (its two-argument
         * {@code checkServerTrusted}); KWIK still checks the server's name. See
         * {@link ClientConfig#trustManager()}.
         */
        public Builder trustManager(X509TrustManager manager) {
            this.trustManager = Objects.requireNonNull(manager, "manager");
            return this;
        }

        /** Presents {@code chain} (leaf first), proved with {@code key}, to servers that ask. See {@link ClientConfig#clientKeyManager()}. */
        public Builder clientCertificate(List<X509Certificate> chain, PrivateKey key) {
            if (chain.isEmpty()) throw new IllegalArgumentException("the client certificate chain is empty");
            this.clientKeyManager = TlsSupport.keyManager(Objects.requireNonNull(key, "key"), List.copyOf(chain));
            return this;
        }

        /** Presents a key entry of {@code store} (keys protected by {@code password}) to servers that ask. */
        public Builder clientKeyStore(KeyStore store, char[] password) {
            this.clientKeyManager = TlsSupport.keyManager(Objects.requireNonNull(store, "store"), password);
            return this;
        }

        /** Presents what {@code manager} chooses to servers that ask. See {@link ClientConfig#clientKeyManager()}. */
        public Builder clientKeyManager(X509ExtendedKeyManager manager) {
            this.clientKeyManager = Objects.requireNonNull(manager, "manager");
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

        /** See {@link ClientConfig#handshakeStallTimeout()}. */
        public Builder handshakeStallTimeout(Duration timeout) {
            this.handshakeStallTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** See {@link ClientConfig#maxDelegatedRangesPerPath()}. */
        public Builder maxDelegatedRangesPerPath(int ranges) {
            this.maxDelegatedRangesPerPath = ranges;
            return this;
        }

        /** See {@link ClientConfig#maxReceiptRanges()}. */
        public Builder maxReceiptRanges(int ranges) {
            this.maxReceiptRanges = ranges;
            return this;
        }

        /** See {@link ClientConfig#controlBacklog()}. */
        public Builder controlBacklog(int requests) {
            this.controlBacklog = requests;
            return this;
        }

        /** See {@link ClientConfig#controlBacklogBytes()}. */
        public Builder controlBacklogBytes(int bytes) {
            this.controlBacklogBytes = bytes;
            return this;
        }

        /**
         * Builds the configuration.
         *
         * @throws IllegalArgumentException when a value is out of range, or more than one of
         *                                  {@code trustedCertificates}, {@code trustStore} and
         *                                  {@code trustManager} is set
         */
        public ClientConfig build() {
            return new ClientConfig(this);
        }
    }
}
