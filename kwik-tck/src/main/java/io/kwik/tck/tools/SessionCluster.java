package io.kwik.tck.tools;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

import io.kwik.api.ClientConfig;
import io.kwik.api.KwikSession;
import io.kwik.api.PathInfo;
import io.kwik.api.ServerConfig;

/**
 * A server group on loopback: one primary and N secondaries, each a real KWIK listener on
 * {@code 127.0.0.1} and an ephemeral port (docs/PROTOCOL.md 6, "multi-server fixtures").
 *
 * <p>Every server serves the same {@link SelfSignedCertificate} and shares one join-token key
 * ({@code HmacSHA256}, 32 random bytes, {@link ServerConfig.Builder#pathTokenKey}), so a
 * client that trusts the certificate can join any of them. The primary, the secondaries and the
 * client each run on a transport chosen by name, so one fixture serves single-backend runs,
 * interop runs and mixed server groups. Closing the cluster closes every session and listener
 * it made.
 *
 * <pre>{@code
 * try (SessionCluster cluster = SessionCluster.builder().transport("kwik").secondaries(2).start()) {
 *     SessionCluster.Session session = cluster.open(Duration.ofSeconds(30));  // p0, p1, p2
 *     KwikSession client = session.client();
 *     KwikSession p1 = session.server("p1");
 * }
 * }</pre>
 *
 * @since 0.1.0
 */
public final class SessionCluster implements AutoCloseable {

    /** The host every server of a cluster is addressed by; join tokens sign it. */
    public static final String HOST = "127.0.0.1";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final SelfSignedCertificate certificate;
    private final SecretKey pathTokenKey;
    private final String clientTransport;
    private final Consumer<ServerConfig.Builder> serverCustomizer;
    private final Consumer<ClientConfig.Builder> clientCustomizer;
    private final List<LoopbackServer> servers = new CopyOnWriteArrayList<>();
    private final LoopbackServer primary;
    private final List<LoopbackServer> secondaries;

    private SessionCluster(Builder builder) throws IOException {
        this.certificate = builder.certificate != null ? builder.certificate : SelfSignedCertificate.generate();
        this.pathTokenKey = builder.pathTokenKey != null ? builder.pathTokenKey : newPathTokenKey();
        this.clientTransport = builder.clientTransport;
        this.serverCustomizer = builder.serverCustomizer;
        this.clientCustomizer = builder.clientCustomizer;
        try {
            this.primary = startServer(builder.primaryTransport, config -> {});
            List<LoopbackServer> started = new ArrayList<>();
            for (int i = 0; i < builder.secondaries; i++) started.add(startServer(builder.secondaryTransport, config -> {}));
            this.secondaries = List.copyOf(started);
        } catch (IOException | RuntimeException e) {
            try {
                close();
            } catch (RuntimeException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    /** A builder: no secondaries, a fresh certificate and key, and no transport yet. */
    public static Builder builder() {
        return new Builder();
    }

    /** A fresh join-token key: {@code HmacSHA256} over 32 bytes from {@link SecureRandom}. */
    public static SecretKey newPathTokenKey() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return new SecretKeySpec(key, "HmacSHA256");
    }

    /**
     * The join token a primary signs for {@code pathId} of session {@code sessionIdHex}
     * (docs/PROTOCOL.md 4.2): HMAC-SHA256 under {@code key} over the UTF-8 bytes of
     * {@code sessionIdHex + "|" + pathId + "|" + target + "|" + expiryEpochMillis}, where the
     * target is {@link #target(InetSocketAddress)}.
     */
    public static byte[] joinToken(SecretKey key, String sessionIdHex, String pathId, InetSocketAddress target,
                                   long expiryEpochMillis) {
        String signed = sessionIdHex + "|" + pathId + "|" + target(target) + "|" + expiryEpochMillis;
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(signed.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required of every JDK", e);
        }
    }

    /** {@code host:port} as a join token signs it: {@link InetSocketAddress#getHostString()} and the port. */
    public static String target(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }

    /** The address of {@code server} as the cluster's primary names it in {@code addPath}: {@link #HOST} and its port. */
    public static InetSocketAddress addressOf(LoopbackServer server) {
        return new InetSocketAddress(HOST, server.address().getPort());
    }

    /** The server clients dial. */
    public LoopbackServer primary() {
        return primary;
    }

    /** Secondary {@code index}, from 0, in the order they were started. */
    public LoopbackServer secondary(int index) {
        return secondaries.get(index);
    }

    /** Every secondary, in the order they were started. */
    public List<LoopbackServer> secondaries() {
        return secondaries;
    }

    /** The certificate every server of the cluster serves. */
    public SelfSignedCertificate certificate() {
        return certificate;
    }

    /** The join-token key every server of the cluster shares. */
    public SecretKey pathTokenKey() {
        return pathTokenKey;
    }

    /**
     * A client configuration on the client transport that trusts the cluster's certificate,
     * verifies {@link LoopbackServer#SERVER_NAME}, has {@link LoopbackServer#HANDSHAKE_TIMEOUT}
     * and whatever the builder's client customizer set. A test may change it further.
     */
    public ClientConfig.Builder clientConfig() {
        ClientConfig.Builder builder = ClientConfig.builder()
                .handshakeTimeout(LoopbackServer.HANDSHAKE_TIMEOUT)
                .trustedCertificates(List.of(certificate.certificate()))
                .serverName(LoopbackServer.SERVER_NAME);
        clientCustomizer.accept(builder);
        return builder.transport(clientTransport);
    }

    /**
     * Starts one more server that shares the certificate, the key and the server customizer of
     * the cluster; {@code customizer} runs last, so it may replace the key. Closed with the cluster.
     */
    public LoopbackServer startServer(String transport, Consumer<ServerConfig.Builder> customizer) throws IOException {
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(customizer, "customizer");
        LoopbackServer server = LoopbackServer.start(transport, clientTransport, certificate, config -> {
            config.pathTokenKey(pathTokenKey);
            serverCustomizer.accept(config);
            customizer.accept(config);
        });
        servers.add(server);
        return server;
    }

    /**
     * Dials the primary with {@link #clientConfig()} and waits for the primary to accept the
     * session; no secondary is joined yet.
     */
    public Session connect(Duration timeout) throws IOException, InterruptedException, TimeoutException {
        return connect(clientConfig().build(), timeout);
    }

    /** Dials the primary with {@code config} and waits for the primary to accept the session. */
    public Session connect(ClientConfig config, Duration timeout) throws IOException, InterruptedException, TimeoutException {
        return connect(config, primary.address(), timeout);
    }

    /**
     * Dials the primary with {@code config} through {@code via}, for example an impairment
     * proxy in front of it, and waits for the primary to accept the session.
     */
    public Session connect(ClientConfig config, InetSocketAddress via, Duration timeout)
            throws IOException, InterruptedException, TimeoutException {
        KwikSession client = primary.dial(config, via);
        KwikSession accepted = primary.acceptFor(client, timeout);
        return new Session(client, accepted);
    }

    /** {@link #connect(Duration)}, then joins every secondary in order: paths p1, p2, ... */
    public Session open(Duration timeout) throws IOException, InterruptedException, TimeoutException {
        Session session = connect(timeout);
        for (LoopbackServer secondary : secondaries) session.join(secondary, timeout);
        return session;
    }

    /** Closes every server of the cluster and, with them, every session dialed or accepted. Idempotent. */
    @Override
    public void close() {
        List<RuntimeException> failures = new ArrayList<>();
        for (LoopbackServer server : servers) {
            try {
                server.close();
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        servers.clear();
        if (!failures.isEmpty()) {
            IllegalStateException failure = new IllegalStateException("closing the session cluster failed");
            failures.forEach(failure::addSuppressed);
            throw failure;
        }
    }

    @Override
    public String toString() {
        return "SessionCluster[primary " + primary + ", secondaries " + secondaries + "]";
    }

    /** One session of the cluster: the client, the primary's end, and every secondary's end joined so far. */
    public static final class Session {
        private final KwikSession client;
        private final KwikSession primary;
        private final List<Joined> joined = new CopyOnWriteArrayList<>();

        Session(KwikSession client, KwikSession primary) {
            this.client = client;
            this.primary = primary;
        }

        /** The client's end. */
        public KwikSession client() {
            return client;
        }

        /** The primary's end, path {@code p0}. */
        public KwikSession primary() {
            return primary;
        }

        /** The secondaries' ends, in the order they joined. */
        public List<KwikSession> secondaries() {
            return joined.stream().map(Joined::session).toList();
        }

        /** Every join so far, in order. */
        public List<Joined> joined() {
            return List.copyOf(joined);
        }

        /** The server end on {@code pathId}: the primary for {@code "p0"}, else the secondary that joined as it. */
        public KwikSession server(String pathId) {
            if (primary.pathId().equals(pathId)) return primary;
            for (Joined join : joined) {
                if (join.path().id().equals(pathId)) return join.session();
            }
            throw new IllegalArgumentException("no path " + pathId + " in " + joined);
        }

        /**
         * Asks the primary to add {@code secondary} ({@link #addressOf}) as a path, waits for the
         * primary's future, then for the secondary to accept the joined session.
         *
         * @throws IOException      the failure the primary's future reported
         * @throws TimeoutException when either does not happen within {@code timeout}
         */
        public Joined join(LoopbackServer secondary, Duration timeout)
                throws IOException, InterruptedException, TimeoutException {
            return join(secondary, addressOf(secondary), timeout);
        }

        /**
         * Like {@link #join(LoopbackServer, Duration)}, but the client dials {@code via}, for
         * example an impairment proxy in front of {@code secondary}.
         */
        public Joined join(LoopbackServer secondary, InetSocketAddress via, Duration timeout)
                throws IOException, InterruptedException, TimeoutException {
            CompletableFuture<PathInfo> added = primary.addPath(via);
            PathInfo path;
            try {
                path = added.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof IOException io) throw io;
                throw new IOException("addPath failed", e.getCause());
            }
            KwikSession session = secondary.accept(timeout);
            Joined join = new Joined(path, session);
            joined.add(join);
            return join;
        }
    }

    /**
     * A secondary that joined.
     *
     * @param path    what the primary's {@code addPath} completed with
     * @param session the secondary's end of the session
     */
    public record Joined(PathInfo path, KwikSession session) {}

    /** Builds a {@link SessionCluster}. */
    public static final class Builder {
        private String primaryTransport;
        private String secondaryTransport;
        private String clientTransport;
        private int secondaries;
        private SelfSignedCertificate certificate;
        private SecretKey pathTokenKey;
        private Consumer<ServerConfig.Builder> serverCustomizer = config -> {};
        private Consumer<ClientConfig.Builder> clientCustomizer = config -> {};

        private Builder() {}

        /** Every party on {@code name}: primary, secondaries and client. */
        public Builder transport(String name) {
            return primaryTransport(name).secondaryTransport(name).clientTransport(name);
        }

        /** The transport the primary runs on. */
        public Builder primaryTransport(String name) {
            this.primaryTransport = Objects.requireNonNull(name, "name");
            return this;
        }

        /** The transport every secondary runs on. */
        public Builder secondaryTransport(String name) {
            this.secondaryTransport = Objects.requireNonNull(name, "name");
            return this;
        }

        /** The transport clients run on. */
        public Builder clientTransport(String name) {
            this.clientTransport = Objects.requireNonNull(name, "name");
            return this;
        }

        /** How many secondaries to start; default 0. */
        public Builder secondaries(int count) {
            if (count < 0) throw new IllegalArgumentException("secondaries must be >= 0: " + count);
            this.secondaries = count;
            return this;
        }

        /** The certificate every server serves; default a fresh one. */
        public Builder certificate(SelfSignedCertificate certificate) {
            this.certificate = Objects.requireNonNull(certificate, "certificate");
            return this;
        }

        /** The join-token key every server shares; default {@link #newPathTokenKey()}. */
        public Builder pathTokenKey(SecretKey key) {
            this.pathTokenKey = Objects.requireNonNull(key, "key");
            return this;
        }

        /** Changes every server's configuration, after the shared key is set (transport and key material excepted). */
        public Builder servers(Consumer<ServerConfig.Builder> customizer) {
            this.serverCustomizer = Objects.requireNonNull(customizer, "customizer");
            return this;
        }

        /** Changes every client configuration {@link #clientConfig()} hands out (the transport excepted). */
        public Builder clients(Consumer<ClientConfig.Builder> customizer) {
            this.clientCustomizer = Objects.requireNonNull(customizer, "customizer");
            return this;
        }

        /** Starts the servers. */
        public SessionCluster start() throws IOException {
            if (primaryTransport == null || secondaryTransport == null || clientTransport == null) {
                throw new IllegalStateException("choose the transports: transport(name), or primaryTransport, "
                        + "secondaryTransport and clientTransport");
            }
            return new SessionCluster(this);
        }
    }
}
