package io.kwik.engine.session;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import com.google.protobuf.ByteString;

import io.kwik.api.AuthenticationException;
import io.kwik.api.ErrorCode;
import io.kwik.api.KwikException;
import io.kwik.api.KwikListener;
import io.kwik.api.KwikSession;
import io.kwik.api.KwikSubscription;
import io.kwik.api.PathStatus;
import io.kwik.api.Role;
import io.kwik.api.ServerConfig;
import io.kwik.engine.connection.PathConnection;
import io.kwik.engine.auth.JoinTokens;
import io.kwik.engine.events.Listeners;
import io.kwik.engine.connection.PathSettings;
import io.kwik.engine.multipath.PathDirectory;
import io.kwik.engine.stream.StreamRegistry;
import io.kwik.engine.transport.TransportSelector;
import io.kwik.engine.util.BoundedQueue;
import io.kwik.engine.wire.MessageReader;
import io.kwik.engine.wire.MessageSender;
import io.kwik.engine.wire.Messages;
import io.kwik.engine.wire.Protocol;
import io.kwik.proto.AuthenticationRequest;
import io.kwik.proto.AuthenticationResponse;
import io.kwik.proto.ControlFrame;
import io.kwik.proto.PathRole;
import io.kwik.spi.QuicConnection;
import io.kwik.spi.QuicServer;
import io.kwik.spi.QuicStream;
import io.kwik.spi.QuicTransport;
import io.kwik.spi.ServerTransportConfig;
import io.kwik.spi.TransportContext;

/**
 * A bound KWIK server: authenticates every connection on its own thread and queues the
 * sessions for {@link #accept()}. A connection that breaks the protocol is closed alone, with
 * the matching error code; the listener and its other sessions carry on.
 */
public final class EngineListener implements KwikListener {
    private static final System.Logger LOG = System.getLogger(EngineListener.class.getName());
    private static final SecureRandom RANDOM = new SecureRandom();

    private static final Pattern SECONDARY_PATH = Pattern.compile("p[1-9][0-9]{0,2}");
    /** How long {@link #close()} waits for its sessions' close frames to leave. */
    private static final java.time.Duration CLOSE_GRACE = java.time.Duration.ofMillis(500);

    private final ServerConfig config;
    private final JoinTokens tokens;
    private final Set<String> joined = ConcurrentHashMap.newKeySet();
    /** Warned once per listener, on the first join it accepts without a token. */
    private final AtomicBoolean unauthenticatedWarning = new AtomicBoolean();
    private final QuicTransport transport;
    private final ThreadFactory threads;
    private final BoundedQueue<KwikSession> backlog;
    private final Set<KwikSession> sessions = ConcurrentHashMap.newKeySet();
    private final Listeners<KwikException> errorListeners = new Listeners<>("error");
    private volatile QuicServer server;

    private EngineListener(ServerConfig config, QuicTransport transport, ThreadFactory threads) {
        this.config = config;
        this.tokens = config.pathTokenKey().map(key -> new JoinTokens(key, Clock.systemUTC())).orElse(null);
        this.transport = transport;
        this.threads = threads;
        this.backlog = new BoundedQueue<>(config.acceptBacklog());
    }

    /** See {@link io.kwik.api.Kwik#listen}. */
    public static KwikListener bind(InetSocketAddress address, ServerConfig config) throws IOException {
        TransportContext context = TransportContext.of("kwik-server");
        return bind(address, config, TransportSelector.select(config.transport()).create(context), context.threadFactory());
    }

    /**
     * Binds on {@code transport}, which the listener owns from now on and closes with itself;
     * {@code threads} makes the listener's threads. {@link #bind(InetSocketAddress, ServerConfig)}
     * with the transport already chosen: for tests that play the peer without a network.
     */
    static EngineListener bind(InetSocketAddress address, ServerConfig config, QuicTransport transport,
                               ThreadFactory threads) throws IOException {
        EngineListener listener = new EngineListener(config, transport, threads);
        try {
            listener.server = transport.bind(address, new ServerTransportConfig(Protocol.ALPN, config.certificateChain(),
                    config.privateKey(), TransportSettings.limits(config), config.addressValidation(), config.maxConnections(),
                    config.clientTrust().orElse(null)),
                    listener::onConnection);
        } catch (IOException | RuntimeException e) {
            transport.close();
            throw e;
        }
        return listener;
    }

    /** The sessions this listener has open, accepted or not: for tests that inspect a session's state. */
    Set<KwikSession> openSessions() {
        return java.util.Collections.unmodifiableSet(sessions);
    }

    @Override
    public KwikSession accept() throws IOException, InterruptedException {
        KwikSession session = backlog.poll(-1, TimeUnit.NANOSECONDS);
        if (session == null) throw new KwikException(ErrorCode.SESSION_CLOSED, "listener closed");
        return session;
    }

    @Override
    public InetSocketAddress localAddress() {
        return server.localAddress();
    }

    @Override
    public KwikSubscription addErrorListener(Consumer<KwikException> listener) {
        return errorListeners.add(listener);
    }

    @Override
    public void close() {
        backlog.close();
        List<KwikSession> open = List.copyOf(sessions);
        for (KwikSession session : open) session.close();
        // let the close frames leave before the socket does, so clients learn at once; bounded
        CompletableFuture<?>[] ends = open.stream().map(s -> s.closed().toCompletableFuture()).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(ends).get(CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.log(Level.DEBUG, "closing the listener without waiting for every session: {0}", e.toString());
        }
        QuicServer bound = server;
        if (bound != null) bound.close();
        transport.close();
    }

    private void onConnection(QuicConnection quic) {
        Thread thread = threads.newThread(() -> authenticate(quic));
        thread.setName("kwik-server-handshake-" + quic.remoteAddress());
        thread.start();
    }

    private void authenticate(QuicConnection quic) {
        CompletableFuture<Void> authenticated = new CompletableFuture<>();
        // a connection that never authenticates is closed, which also unblocks the reads below
        CompletableFuture.delayedExecutor(config.handshakeTimeout().toNanos(), TimeUnit.NANOSECONDS).execute(() -> {
            if (authenticated.complete(null)) {
                reject(quic, new KwikException(ErrorCode.AUTH_FAILED, "no authentication within " + config.handshakeTimeout()));
            }
        });
        try {
            QuicStream controlStream = quic.acceptStream();
            MessageReader reader = new MessageReader(controlStream.input(), config.maxMessageSize());
            byte[] first = reader.next();
            if (first == null) throw new KwikException(ErrorCode.INVALID_FRAME, "control stream ended before authentication");
            ControlFrame frame = Messages.controlFrame(first);
            if (!frame.hasAuthenticationRequest()) {
                throw new KwikException(ErrorCode.INVALID_FRAME, "expected an authentication request, got " + frame.getFrameCase());
            }
            AuthenticationRequest request = frame.getAuthenticationRequest();
            if (request.getRole() != PathRole.PATH_ROLE_PRIMARY && request.getRole() != PathRole.PATH_ROLE_SECONDARY) {
                throw new KwikException(ErrorCode.AUTH_FAILED, "authentication request without a valid role");
            }
            if (request.getVersion() != Protocol.VERSION) {
                throw new KwikException(ErrorCode.AUTH_FAILED, "unsupported protocol version " + request.getVersion());
            }
            if (request.getRole() == PathRole.PATH_ROLE_SECONDARY) {
                String joining = checkJoin(request);
                if (!authenticated.complete(null)) {
                    joined.remove(joining);
                    return;
                }
                startSecondarySession(quic, controlStream, reader, request, joining);
                return;
            }
            if (!authenticated.complete(null)) return;
            startPrimarySession(quic, controlStream, reader, request);
        } catch (KwikException e) {
            if (authenticated.complete(null)) reject(quic, e);
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "connection from {0} ended during authentication: {1}", quic.remoteAddress(), e);
            authenticated.complete(null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            quic.close(ErrorCode.INTERNAL.code(), "server shutting down");
        }
    }

    private void startPrimarySession(QuicConnection quic, QuicStream controlStream, MessageReader reader,
                                     AuthenticationRequest request) throws IOException {
        byte[] sessionId = new byte[Protocol.SESSION_ID_BYTES];
        RANDOM.nextBytes(sessionId);
        MessageSender control = new MessageSender("p0-control-writer", controlStream.output(), 4096, threads, e -> { });
        PathConnection path = new PathConnection(Protocol.PRIMARY_PATH_ID, quic, reader, control, threads,
                PathSettings.of(config, request.getMaxMessageSize()));
        String id = HexFormat.of().formatHex(sessionId);
        SessionCore core = new SessionCore(id, path, context -> new StreamRegistry(context, true, 0,
                config.streamReceiveWindow(), config.maxConcurrentStreams(), config.streamCreationTimeout(),
                config.readTimeout().orElse(null)),
                this::reportError);
        core.registry().peerParameters(request.getStreamReceiveWindow(), request.getMaxStreams());
        PathDirectory directory = new PathDirectory(id);
        // a path's address is the server's, as the client dialed it
        directory.put(Protocol.PRIMARY_PATH_ID, quic.localAddress(), true, PathStatus.ACTIVE,
                PathStatsSource.of(path, () -> core.registry().openStreams()));
        core.role(new PrimaryRole(core, directory, config, request.getMaxMessageSize()));
        EngineSession session = new EngineSession(id, Role.PRIMARY_SERVER, core,
                quic.remoteAddress(), sessions::remove);
        sessions.add(session);
        control.send(Messages.delimited(ControlFrame.newBuilder().setAuthenticationResponse(AuthenticationResponse.newBuilder()
                .setSessionId(ByteString.copyFrom(sessionId)).setPathId(Protocol.PRIMARY_PATH_ID).setVersion(Protocol.VERSION)
                .setMaxStreams(config.maxConcurrentStreams()).setStreamReceiveWindow(config.streamReceiveWindow())
                .setMaxMessageSize(config.maxMessageSize())).build()));
        path.start(core);
        if (!backlog.offer(session)) {
            path.fail(new KwikException(ErrorCode.SESSION_CLOSED, "server busy: accept backlog of " + config.acceptBacklog() + " is full"));
        }
    }

    /**
     * Checks a secondary's join (docs/PROTOCOL.md 4.2) and reserves its session and path on this
     * listener, so the same join cannot be replayed while it lives.
     *
     * @return the reservation's key
     */
    private String checkJoin(AuthenticationRequest request) throws KwikException {
        if (request.getSessionId().size() != Protocol.SESSION_ID_BYTES || !SECONDARY_PATH.matcher(request.getPathId()).matches()) {
            throw new KwikException(ErrorCode.AUTH_FAILED, "malformed join: bad session id or path id");
        }
        String sessionId = HexFormat.of().formatHex(request.getSessionId().toByteArray());
        // the target is signed but not compared with this server's address: a proxy or NAT in
        // front of it changes the address the client dials, not the server it reaches
        String target = request.getTarget();
        if (tokens != null) {
            String refusal = tokens.check(sessionId, request.getPathId(), target, request.getTokenExpiryEpochMillis(),
                    request.getToken().toByteArray());
            if (refusal != null) throw new AuthenticationException(refusal);
        } else if (!config.insecureAcceptUnauthenticatedJoins()) {
            throw new AuthenticationException("this server has no pathTokenKey and refuses joins"
                    + " (ServerConfig.insecureAcceptUnauthenticatedJoins accepts them without a token)");
        } else if (unauthenticatedWarning.compareAndSet(false, true)) {
            LOG.log(Level.WARNING, "insecureAcceptUnauthenticatedJoins: secondary paths join this listener without authentication");
        }
        String key = sessionId + "|" + request.getPathId();
        if (!joined.add(key)) throw new AuthenticationException("path " + request.getPathId() + " of that session joined already");
        return key;
    }

    private void startSecondarySession(QuicConnection quic, QuicStream controlStream, MessageReader reader,
                                       AuthenticationRequest request, String joining) throws IOException {
        String pathId = request.getPathId();
        MessageSender control = new MessageSender(pathId + "-control-writer", controlStream.output(), 4096, threads, e -> { });
        PathConnection path = new PathConnection(pathId, quic, reader, control, threads,
                PathSettings.of(config, request.getMaxMessageSize()));
        String id = HexFormat.of().formatHex(request.getSessionId().toByteArray());
        int pathNumber = Integer.parseInt(pathId.substring(1));
        SessionCore core = new SessionCore(id, path, context -> new StreamRegistry(context, true, pathNumber,
                config.streamReceiveWindow(), 1, config.streamCreationTimeout()), this::reportError);
        // secondaries open no streams (the primary does), and the client opens none on them
        core.registry().peerParameters(request.getStreamReceiveWindow(), 0);
        PathDirectory directory = new PathDirectory(id);
        directory.put(pathId, quic.localAddress(), false, PathStatus.ACTIVE,
                PathStatsSource.of(path, () -> core.registry().openStreams()));
        core.role(new SecondaryRole(core, directory, request.getMaxMessageSize(), request.getStreamReceiveWindow(),
                config.rawInboxBytes()));
        EngineSession session = new EngineSession(id, Role.SECONDARY_SERVER, core, quic.remoteAddress(), ended -> {
            sessions.remove(ended);
            joined.remove(joining);
        });
        sessions.add(session);
        control.send(Messages.delimited(ControlFrame.newBuilder().setAuthenticationResponse(AuthenticationResponse.newBuilder()
                .setSessionId(request.getSessionId()).setPathId(pathId).setVersion(Protocol.VERSION)
                .setMaxStreams(0).setStreamReceiveWindow(config.streamReceiveWindow())
                .setMaxMessageSize(config.maxMessageSize())).build()));
        path.start(core);
        if (!backlog.offer(session)) {
            path.fail(new KwikException(ErrorCode.SESSION_CLOSED, "server busy: accept backlog of " + config.acceptBacklog() + " is full"));
        }
    }

    private void reject(QuicConnection quic, KwikException error) {
        LOG.log(Level.DEBUG, "rejecting connection from {0}: {1}", quic.remoteAddress(), error.getMessage());
        quic.close(error.wireCode(), error.getMessage());
        reportError(error);
    }

    private void reportError(KwikException error) {
        errorListeners.fire(error);
    }
}
