package io.kwik.examples.echo;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import io.kwik.api.Kwik;
import io.kwik.api.KwikListener;
import io.kwik.api.KwikSession;
import io.kwik.api.KwikStream;
import io.kwik.api.ServerConfig;

/**
 * A KWIK echo server: every stream a client opens gets its bytes back, then the server
 * finishes its side of the stream.
 *
 * <p>One virtual thread accepts sessions, one per session accepts its streams, and one per
 * stream copies the stream's input to its output. A stream's copy ends when the client
 * finishes its side; the server then closes its own side, so the client reads to the end.
 *
 * <pre>
 * java --module-path ... -m io.kwik.examples/io.kwik.examples.echo.EchoServer \
 *      --cert cert.pem --key key.pem [--port 4433] [--bind 127.0.0.1] [--handshake-timeout 10]
 * </pre>
 */
public final class EchoServer implements AutoCloseable {

    /** The port {@link #main} listens on without {@code --port}: 4433. */
    public static final int DEFAULT_PORT = 4433;

    /** The application error code a stream is reset with when echoing it fails. */
    public static final long ECHO_FAILED = 0x100;

    private static final Logger LOG = System.getLogger(EchoServer.class.getName());
    private static final String USAGE = "usage: EchoServer --cert <cert.pem> --key <pkcs8-key.pem> [--port <port>] "
            + "[--bind <address>] [--handshake-timeout <seconds>]";

    private final KwikListener listener;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread acceptor;

    private EchoServer(KwikListener listener) {
        this.listener = listener;
        this.acceptor = Thread.ofVirtual().name("echo-accept").start(this::acceptSessions);
    }

    /**
     * Binds an echo server and starts serving.
     *
     * @param bind   the address to listen on; port 0 picks a free port, see {@link #localAddress()}
     * @param config the server's certificate, key and limits
     * @throws IOException when the address cannot be bound
     */
    public static EchoServer start(InetSocketAddress bind, ServerConfig config) throws IOException {
        return new EchoServer(Kwik.listen(bind, config));
    }

    /** The bound address, with the real port. */
    public InetSocketAddress localAddress() {
        return listener.localAddress();
    }

    /** Waits until the server is closed. */
    public void awaitClose() throws InterruptedException {
        acceptor.join();
    }

    /** Stops accepting and closes every session. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            listener.close();
        }
    }

    private void acceptSessions() {
        while (!closed.get()) {
            KwikSession session;
            try {
                session = listener.accept();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (IOException e) {
                if (!closed.get()) LOG.log(Level.ERROR, "accept failed; the echo server stops", e);
                return;
            }
            Thread.ofVirtual().name("echo-session-" + session.id()).start(() -> serve(session));
        }
    }

    private static void serve(KwikSession session) {
        LOG.log(Level.DEBUG, "session {0} accepted as {1}", session.id(), session.role());
        try (session) {
            while (true) {
                KwikStream stream = session.acceptStream();
                Thread.ofVirtual().name("echo-stream-" + session.id() + "-" + stream.id()).start(() -> echo(stream));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "session {0} ended: {1}", session.id(), e.getMessage());
        }
    }

    /**
     * Copies {@code stream}'s input to its output until the peer finishes its side, then
     * finishes this side. On failure the stream is reset with {@link #ECHO_FAILED}.
     *
     * @return the number of bytes echoed, or -1 when echoing failed
     */
    public static long echo(KwikStream stream) {
        try (stream) {
            return stream.inputStream().transferTo(stream.outputStream());
        } catch (IOException e) {
            LOG.log(Level.WARNING, "echo on stream " + stream.id() + " failed", e);
            stream.reset(ECHO_FAILED);
            return -1;
        }
    }

    /**
     * Runs an echo server until the process is stopped.
     *
     * @param args {@code --cert <cert.pem> --key <pkcs8-key.pem> [--port <port>] [--bind <address>]
     *             [--handshake-timeout <seconds>]}
     */
    public static void main(String[] args) throws InterruptedException {
        ServerConfig config;
        InetSocketAddress bind;
        try {
            Arguments arguments = Arguments.parse(args, Set.of("cert", "key", "port", "bind", "handshake-timeout"));
            if (!arguments.positionals().isEmpty()) {
                throw new IllegalArgumentException("unexpected arguments " + arguments.positionals());
            }
            ServerConfig.Builder builder = ServerConfig.builder()
                    .certificateChain(Pem.certificates(Path.of(arguments.required("cert"))))
                    .privateKey(Pem.privateKey(Path.of(arguments.required("key"))));
            arguments.option("handshake-timeout").map(Arguments::seconds).ifPresent(builder::handshakeTimeout);
            config = builder.build();
            int port = Arguments.port(arguments.option("port").orElse(Integer.toString(DEFAULT_PORT)));
            bind = new InetSocketAddress(arguments.option("bind").orElse("127.0.0.1"), port);
        } catch (IllegalArgumentException | IOException e) {
            System.err.println(e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        EchoServer server;
        try {
            server = start(bind, config);
        } catch (IOException e) {
            System.err.println("cannot listen on " + bind + ": " + e.getMessage());
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "echo-shutdown"));
        InetSocketAddress bound = server.localAddress();
        System.out.println("echo server listening on " + bound.getHostString() + ":" + bound.getPort());
        System.out.flush();
        server.awaitClose();
        if (!server.closed.get()) {
            System.err.println("the echo server stopped accepting sessions");
            System.exit(1);
        }
    }
}
