package io.kwik.engine.session;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import javax.net.ssl.SSLHandshakeException;

import io.kwik.api.AuthenticationException;
import io.kwik.api.ClientConfig;
import io.kwik.api.ErrorCode;
import io.kwik.api.KwikException;
import io.kwik.api.KwikSession;
import io.kwik.api.KwikTimeoutException;
import io.kwik.api.KwikTlsException;
import io.kwik.api.Role;
import io.kwik.engine.connection.PathConnection;
import io.kwik.engine.connection.PathSettings;
import io.kwik.engine.multipath.PathDirectory;
import io.kwik.engine.stream.StreamRegistry;
import io.kwik.engine.transport.TransportSelector;
import io.kwik.engine.wire.MessageReader;
import io.kwik.engine.wire.MessageSender;
import io.kwik.engine.wire.Messages;
import io.kwik.engine.wire.Protocol;
import io.kwik.proto.AuthenticationRequest;
import io.kwik.proto.AuthenticationResponse;
import io.kwik.proto.ControlFrame;
import io.kwik.proto.PathRole;
import io.kwik.spi.ClientTransportConfig;
import io.kwik.spi.ConnectionClose;
import io.kwik.spi.ConnectionClosedException;
import io.kwik.spi.DialRace;
import io.kwik.spi.QuicConnection;
import io.kwik.spi.QuicStream;
import io.kwik.spi.QuicTransport;
import io.kwik.spi.TransportContext;

/** Dials a primary server and authenticates (docs/PROTOCOL.md 4.2, primary path). */
public final class ClientDialer {
    private ClientDialer() {}

    /** The name of a client transport, its threads and its log lines. */
    static final String TRANSPORT_NAME = "kwik-client";

    /**
     * See {@link io.kwik.api.Kwik#dial}: a transport of the session's own, closed when the
     * session ends.
     */
    public static KwikSession dial(InetSocketAddress primary, ClientConfig config) throws IOException {
        TransportContext context = TransportContext.of(TRANSPORT_NAME);
        QuicTransport transport = TransportSelector.select(config.transport()).create(context);
        try {
            return handshake(transport, context.threadFactory(), primary, config, ended -> transport.close());
        } catch (IOException | RuntimeException e) {
            transport.close();
            throw e;
        }
    }

    /**
     * Dials {@code primary} through {@code transport}, which the session also uses for every
     * secondary it joins, and authenticates; {@code onClose} runs once when the session ends.
     */
    static KwikSession handshake(QuicTransport transport, ThreadFactory threads, InetSocketAddress primary,
                                 ClientConfig config, Consumer<? super EngineSession> onClose) throws IOException {
        Handshake handshake = authenticate(transport, threads, primary, config, Protocol.PRIMARY_PATH_ID,
                AuthenticationRequest.newBuilder().setRole(PathRole.PATH_ROLE_PRIMARY));
        try {
            AuthenticationResponse response = handshake.response();
            String sessionId = HexFormat.of().formatHex(response.getSessionId().toByteArray());
            String pathId = response.getPathId();
            PathConnection path = new PathConnection(pathId, handshake.quic(), handshake.reader(), handshake.control(), threads,
                    PathSettings.of(config, response.getMaxMessageSize()));
            SessionCore core = new SessionCore(sessionId, path, context -> new StreamRegistry(context, false, 0,
                    config.streamReceiveWindow(), config.maxConcurrentStreams(), config.streamCreationTimeout(),
                config.readTimeout().orElse(null)),
                    failure -> { });
            core.registry().peerParameters(response.getStreamReceiveWindow(), response.getMaxStreams());
            ClientRole role = new ClientRole(core, new PathDirectory(sessionId), primary, transport, threads, config);
            core.role(role);
            EngineSession session = new EngineSession(sessionId, Role.CLIENT, core, primary, onClose);
            path.start(core);
            return session;
        } catch (RuntimeException e) {
            handshake.control().abort();
            handshake.quic().close(ErrorCode.INTERNAL.code(), "handshake failed");
            throw e;
        }
    }

    /** A connection that authenticated: its control stream's reader and sender, and the server's answer. */
    record Handshake(QuicConnection quic, MessageReader reader, MessageSender control, AuthenticationResponse response) {}

    /**
     * Connects to {@code server}, opens the control stream and authenticates with
     * {@code request} (its role and, for a secondary, the join fields), all within the
     * handshake timeout; a second attempt on a new connection starts when the first gets no
     * answer within the stall time ({@link AuthenticationRace}).
     */
    static Handshake authenticate(QuicTransport transport, ThreadFactory threads, InetSocketAddress server,
                                  ClientConfig config, String pathId, AuthenticationRequest.Builder request) throws IOException {
        AuthenticationRequest complete = request
                .setVersion(Protocol.VERSION)
                .setMaxStreams(config.maxConcurrentStreams())
                .setStreamReceiveWindow(config.streamReceiveWindow())
                .setMaxMessageSize(config.maxMessageSize())
                .build();
        return AuthenticationRace.run(transport, threads, server, config, pathId, complete);
    }

    /**
     * One attempt of an {@link AuthenticationRace}: dials (through {@link DialRace}), opens the
     * control stream, sends {@code request} and reads the answer. The race closes the attempt's
     * connection when it abandons it (another attempt won, or the deadline passed), which ends
     * the read here with an exception the race no longer looks at.
     */
    static Handshake attempt(QuicTransport transport, ThreadFactory threads, InetSocketAddress server, ClientConfig config,
                             String pathId, AuthenticationRequest request, long deadline,
                             AuthenticationRace.Attempt progress) throws IOException {
        String serverName = config.serverName().orElse(server.getHostString());
        ClientTransportConfig transportConfig = new ClientTransportConfig(Protocol.ALPN, serverName,
                config.trustedCertificates(), config.insecureTrustAll(), TransportSettings.limits(config),
                config.trustManager().orElse(null), config.clientKeyManager().orElse(null));
        QuicConnection quic;
        try {
            // a second handshake starts if the first one stalls (DialRace, ClientConfig.handshakeStallTimeout)
            quic = await(progress.dialing(DialRace.connect(transport, server, transportConfig, config.handshakeStallTimeout(),
                    Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))), deadline, "connecting to " + server);
        } catch (IOException e) {
            SSLHandshakeException tls = firstCause(e, SSLHandshakeException.class);
            if (tls != null) {
                throw new KwikTlsException("TLS handshake with " + server + " (" + serverName + ") failed: "
                        + tls.getMessage(), tls);
            }
            if (System.nanoTime() - deadline >= 0 || firstCause(e, SocketTimeoutException.class) != null) {
                throw handshakeTimeout(config, server, "connecting", e);
            }
            throw e;
        }
        progress.connected(quic);
        MessageSender control = null;
        try {
            progress.phase = "opening the control stream";
            QuicStream controlStream = await(quic.openBidirectionalStream(), deadline, "opening the control stream");
            control = new MessageSender(pathId + "-control-writer", controlStream.output(), 4096, threads, e -> { });
            MessageReader reader = new MessageReader(controlStream.input(), config.maxMessageSize());
            control.send(Messages.delimited(ControlFrame.newBuilder().setAuthenticationRequest(request).build()));
            progress.requestSent(quic);
            AuthenticationResponse response = readResponse(reader, quic, config);
            return new Handshake(quic, reader, control, response);
        } catch (IOException | RuntimeException e) {
            // the control sender's thread would otherwise wait for messages for ever
            if (control != null) control.abort();
            if (e instanceof IOException io && System.nanoTime() - deadline >= 0) {
                quic.close(ErrorCode.AUTH_FAILED.code(), "authentication timed out");
                throw handshakeTimeout(config, server, "authenticating", io);
            }
            if (e instanceof IOException && !(e instanceof KwikException)) {
                // a server that refused our certificate ends the connection while we open the control stream
                ConnectionClosedException closed = closedReason(quic);
                if (closed != null && closed.close().isTlsAlert()) throw refusal(closed, config);
            }
            // a malformed or refused answer is the server's protocol error: it hears which one
            if (e instanceof KwikException k && k.code() != ErrorCode.UNKNOWN) {
                quic.close(k.code().code(), k.getMessage());
            } else {
                quic.close(ErrorCode.INTERNAL.code(), "handshake failed");
            }
            throw e;
        }
    }

    /**
     * The dial or join ran out of {@link io.kwik.api.KwikConfig#handshakeTimeout()}: typed, so
     * that applications tell it from a refusal without reading messages.
     */
    private static KwikTimeoutException handshakeTimeout(ClientConfig config, InetSocketAddress server, String phase,
                                                         IOException last) {
        return new KwikTimeoutException(KwikTimeoutException.Kind.HANDSHAKE, config.handshakeTimeout(), ErrorCode.TIMEOUT,
                "no KWIK session with " + server + " within the handshake timeout of "
                        + config.handshakeTimeout().toMillis() + " ms (still " + phase + ": " + last.getMessage() + ")", last);
    }

    private static AuthenticationResponse readResponse(MessageReader reader, QuicConnection quic, ClientConfig config)
            throws IOException {
        byte[] message;
        try {
            message = reader.next();
        } catch (ConnectionClosedException e) {
            throw refusal(e, config);
        } catch (IOException e) {
            // a stream error while the connection closes: report the connection's reason when there is one
            ConnectionClosedException closed = closedReason(quic);
            if (closed != null) throw refusal(closed, config);
            throw e;
        }
        if (message == null) {
            ConnectionClosedException closed = closedReason(quic);
            if (closed != null) throw refusal(closed, config);
            throw new KwikException(ErrorCode.INVALID_FRAME, "the server ended the control stream during authentication");
        }
        ControlFrame frame = Messages.controlFrame(message);
        if (!frame.hasAuthenticationResponse()) {
            throw new KwikException(ErrorCode.INVALID_FRAME, "expected an authentication response, got " + frame.getFrameCase());
        }
        AuthenticationResponse response = frame.getAuthenticationResponse();
        if (response.getSessionId().size() != Protocol.SESSION_ID_BYTES || response.getPathId().isEmpty()) {
            throw new KwikException(ErrorCode.INVALID_FRAME, "malformed authentication response");
        }
        if (response.getVersion() != Protocol.VERSION) {
            throw new KwikException(ErrorCode.AUTH_FAILED, "server speaks version " + response.getVersion());
        }
        return response;
    }

    private static ConnectionClosedException closedReason(QuicConnection quic) {
        try {
            var close = quic.closed().get(1, TimeUnit.SECONDS);
            return new ConnectionClosedException(close);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException | TimeoutException e) {
            return null;
        }
    }

    /** The first {@code type} in {@code failure}'s cause chain, or null. */
    private static <T extends Throwable> T firstCause(Throwable failure, Class<T> type) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) return type.cast(t);
        }
        return null;
    }

    private static KwikException refusal(ConnectionClosedException closed, ClientConfig config) {
        var close = closed.close();
        if (close.origin() == ConnectionClose.Origin.IDLE_TIMEOUT) {
            return new KwikTimeoutException(KwikTimeoutException.Kind.IDLE, config.idleTimeout(), ErrorCode.TIMEOUT,
                    "the connection heard nothing for its idle timeout of " + config.idleTimeout().toMillis()
                            + " ms while authenticating", closed);
        }
        if (close.isTlsAlert()) {
            // TLS 1.3: the server checks a client certificate after the client's handshake finished
            return new KwikTlsException("the server ended the TLS handshake with crypto error 0x"
                    + Long.toHexString(close.errorCode()) + " (TLS alert " + (close.errorCode() - 0x100)
                    + "; 42 bad_certificate, 116 certificate_required): " + close.reason(), closed);
        }
        if (close.origin() == ConnectionClose.Origin.PEER) {
            ErrorCode code = ErrorCode.fromCode(close.errorCode());
            if (code == ErrorCode.AUTH_FAILED) return new AuthenticationException("the server refused: " + close.reason());
            return new KwikException(close.errorCode(), "the server closed the connection during authentication: " + close.reason(), closed);
        }
        return new KwikException(ErrorCode.AUTH_FAILED, "authentication did not complete: " + closed.getMessage(), closed);
    }

    static <T> T await(CompletableFuture<T> future, long deadline, String what) throws IOException {
        try {
            return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while " + what);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new IOException("timed out " + what);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) throw new IOException(what + " failed: " + io.getMessage(), io);
            throw new IOException(what + " failed: " + cause, cause);
        }
    }
}
