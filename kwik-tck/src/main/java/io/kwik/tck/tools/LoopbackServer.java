package io.kwik.tck.tools;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
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

import io.kwik.api.ClientConfig;
import io.kwik.api.ErrorCode;
import io.kwik.api.Kwik;
import io.kwik.api.KwikException;
import io.kwik.api.KwikListener;
import io.kwik.api.KwikSession;
import io.kwik.api.ServerConfig;

/**
 * A KWIK server on {@code 127.0.0.1} and an ephemeral port, with a self-signed certificate,
 * on a transport chosen by name. It hands out client configurations that trust it, dials
 * sessions to it, records every protocol error its listener reports, and closes all of it.
 *
 * <pre>{@code
 * try (LoopbackServer server = LoopbackServer.start("kwik")) {
 *     KwikSession client = server.dial();
 *     KwikSession accepted = server.accept(Duration.ofSeconds(30));
 * }
 * }</pre>
 *
 * @since 0.1.0
 */
public final class LoopbackServer implements AutoCloseable {

    /** The name every certificate made here is issued for, and the server name clients verify. */
    public static final String SERVER_NAME = "localhost";

    /**
     * The handshake timeout of the servers and clients made here unless a test sets its own:
     * longer than the default, so a loaded build machine does not fail a dial.
     */
    public static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(30);

    private final String transport;
    private final String clientTransport;
    private final SelfSignedCertificate certificate;
    private final ServerConfig config;
    private final KwikListener listener;
    private final InetSocketAddress address;
    private final List<KwikException> errors = new CopyOnWriteArrayList<>();
    private final Object errorsChanged = new Object();
    private final List<KwikSession> sessions = new CopyOnWriteArrayList<>();

    private LoopbackServer(String transport, String clientTransport, SelfSignedCertificate certificate, ServerConfig config)
            throws IOException {
        this.transport = transport;
        this.clientTransport = clientTransport;
        this.certificate = certificate;
        this.config = config;
        this.listener = Kwik.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), config);
        this.listener.addErrorListener(this::onError);
        this.address = new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.localAddress().getPort());
    }

    /** Starts a server on {@code transport} with a fresh certificate and {@link #HANDSHAKE_TIMEOUT}. */
    public static LoopbackServer start(String transport) throws IOException {
        return start(transport, SelfSignedCertificate.generate(), builder -> {});
    }

    /**
     * Starts a server on {@code transport} serving {@code certificate}; {@code customizer} may
     * change any setting of the server's configuration except the transport and the key material.
     */
    public static LoopbackServer start(String transport, SelfSignedCertificate certificate,
                                       Consumer<ServerConfig.Builder> customizer) throws IOException {
        return start(transport, transport, certificate, customizer);
    }

    /**
     * Starts a server on {@code transport} whose {@link #clientConfig()} dials with
     * {@code clientTransport}: the two ends of an interop run.
     */
    public static LoopbackServer start(String transport, String clientTransport, SelfSignedCertificate certificate,
                                       Consumer<ServerConfig.Builder> customizer) throws IOException {
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(clientTransport, "clientTransport");
        Objects.requireNonNull(certificate, "certificate");
        ServerConfig.Builder builder = ServerConfig.builder().handshakeTimeout(HANDSHAKE_TIMEOUT);
        customizer.accept(builder);
        builder.transport(transport).certificateChain(certificate.chain()).privateKey(certificate.privateKey());
        return new LoopbackServer(transport, clientTransport, certificate, builder.build());
    }

    /** The transport name the server uses (and its clients, unless an interop run named another). */
    public String transport() {
        return transport;
    }

    /** The address to dial: {@code 127.0.0.1} and the bound port. */
    public InetSocketAddress address() {
        return address;
    }

    /** The server's certificate and key. */
    public SelfSignedCertificate certificate() {
        return certificate;
    }

    /** The configuration the server runs with. */
    public ServerConfig config() {
        return config;
    }

    /** The listener itself. */
    public KwikListener listener() {
        return listener;
    }

    /**
     * A client configuration on the same transport that trusts this server, with
     * {@link #HANDSHAKE_TIMEOUT} and every other default.
     */
    public ClientConfig.Builder clientConfig() {
        return ClientConfig.builder()
                .transport(clientTransport)
                .handshakeTimeout(HANDSHAKE_TIMEOUT)
                .trustedCertificates(List.of(certificate.certificate()))
                .serverName(SERVER_NAME);
    }

    /** Dials a session with {@link #clientConfig()}; the session is closed with the server. */
    public KwikSession dial() throws IOException {
        return dial(clientConfig().build());
    }

    /** Dials a session with {@code clientConfig}; the session is closed with the server. */
    public KwikSession dial(ClientConfig clientConfig) throws IOException {
        return dial(clientConfig, address);
    }

    /**
     * Dials a session with {@code clientConfig} through {@code via}, for example an impairment
     * proxy in front of this server; the session is closed with the server.
     */
    public KwikSession dial(ClientConfig clientConfig, InetSocketAddress via) throws IOException {
        KwikSession session = Kwik.dial(via, clientConfig);
        sessions.add(session);
        return session;
    }

    /**
     * The next session the listener accepts, waiting at most {@code timeout}.
     *
     * @throws TimeoutException when none arrives in time
     */
    public KwikSession accept(Duration timeout) throws IOException, InterruptedException, TimeoutException {
        CompletableFuture<KwikSession> next = new CompletableFuture<>();
        Thread acceptor = Thread.ofVirtual().name("loopback-accept").start(() -> {
            try {
                next.complete(listener.accept());
            } catch (Throwable e) {
                next.completeExceptionally(e);
            }
        });
        try {
            KwikSession session = next.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            sessions.add(session);
            return session;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) throw io;
            throw new IOException("accept failed", e.getCause());
        } catch (TimeoutException e) {
            acceptor.interrupt();
            next.thenAccept(sessions::add);
            throw e;
        }
    }

    /**
     * The session the listener accepted for {@code client}, waiting at most {@code timeout}:
     * sessions with another id are closed and passed over. A dial whose first authentication
     * answer comes late races a second attempt (docs/ENGINE.md, "Dialing"), and when both
     * authenticate the server accepts a session for each; the client keeps one and closes the
     * other, so the next session accepted is not always the client's.
     *
     * @throws TimeoutException when the client's session does not arrive in time
     */
    public KwikSession acceptFor(KwikSession client, Duration timeout)
            throws IOException, InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            KwikSession accepted = accept(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            if (accepted.id().equals(client.id())) return accepted;
            accepted.close();
        }
    }

    /** Every protocol error the listener reported so far, in order. */
    public List<KwikException> errors() {
        return List.copyOf(errors);
    }

    /**
     * The first protocol error with {@code code} that the listener reports, waiting at most
     * {@code timeout}; an error reported before this call counts.
     *
     * @throws TimeoutException when none is reported in time
     */
    public KwikException awaitError(ErrorCode code, Duration timeout)
            throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (errorsChanged) {
            while (true) {
                for (KwikException error : errors) {
                    if (error.code() == code) return error;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException("no " + code + " error within " + timeout + "; reported: " + errors);
                }
                TimeUnit.NANOSECONDS.timedWait(errorsChanged, left);
            }
        }
    }

    private void onError(KwikException error) {
        synchronized (errorsChanged) {
            errors.add(error);
            errorsChanged.notifyAll();
        }
    }

    /** Closes every session dialed or accepted here, then the listener. Idempotent. */
    @Override
    public void close() {
        List<RuntimeException> failures = new ArrayList<>();
        for (KwikSession session : sessions) {
            try {
                session.close();
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        sessions.clear();
        try {
            listener.close();
        } catch (RuntimeException e) {
            failures.add(e);
        }
        if (!failures.isEmpty()) {
            IllegalStateException failure = new IllegalStateException("closing the loopback server failed");
            failures.forEach(failure::addSuppressed);
            throw failure;
        }
    }

    @Override
    public String toString() {
        return "LoopbackServer[" + transport + " " + address + "]";
    }
}
