package io.kwik.examples.migrating;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

import io.kwik.api.ClientConfig;
import io.kwik.api.ErrorCode;
import io.kwik.api.Kwik;
import io.kwik.api.KwikListener;
import io.kwik.api.KwikSession;
import io.kwik.api.KwikStream;
import io.kwik.api.KwikSubscription;
import io.kwik.api.ServerConfig;
import io.kwik.api.SessionClose;

/**
 * The KWIK side of docs/MIGRATING.md, compiled by the build: each method body holds one block
 * of the guide as it shows it (the lines after its {@code // KWIK} marker), and
 * {@code MigratingExamplesTest} checks that every KWIK block of the guide appears here, then
 * runs them over real QUIC on loopback.
 */
public final class MigratingExamples {
    private MigratingExamples() {}

    /**
     * "Connections and sessions", client: dials a server.
     *
     * @param address           the server
     * @param serverCertificate the certificate the client trusts
     * @return the session
     * @throws IOException when the handshake or the session setup fails
     */
    public static KwikSession dial(InetSocketAddress address, X509Certificate serverCertificate) throws IOException {
        ClientConfig config = ClientConfig.builder()
                .trustedCertificates(List.of(serverCertificate))   // the trust anchors: required
                .serverName("localhost")                           // SNI and the name checked; default: the host dialed
                .idleTimeout(Duration.ofSeconds(30))               // QUIC's max_idle_timeout
                .handshakeTimeout(Duration.ofSeconds(30))
                .build();
        KwikSession session = Kwik.dial(address, config);         // TLS 1.3 with ALPN kwik/1, then KWIK's own handshake
        return session;
    }

    /**
     * "Connections and sessions", server: binds a listener on every address.
     *
     * @param certificateChain the server's chain, leaf first
     * @param privateKey       the leaf's private key
     * @return the listener
     * @throws IOException when the port cannot be bound
     */
    public static KwikListener listen(List<X509Certificate> certificateChain, PrivateKey privateKey) throws IOException {
        ServerConfig config = ServerConfig.builder()
                .certificateChain(certificateChain)                // leaf first
                .privateKey(privateKey)
                .idleTimeout(Duration.ofSeconds(30))
                .build();
        KwikListener listener = Kwik.listen(new InetSocketAddress(0), config);   // port 0: any free port
        return listener;
    }

    /**
     * "Streams", client: one request and its answer on a new bidirectional stream.
     *
     * @param session the client's session
     * @param request the bytes to send
     * @return every byte of the answer
     * @throws IOException          when the stream or the session fails
     * @throws InterruptedException when interrupted while waiting for the peer's stream limit
     */
    public static byte[] request(KwikSession session, byte[] request) throws IOException, InterruptedException {
        KwikStream stream = session.openStreamSync();           // waits while the peer's stream limit is reached
        stream.outputStream().write(request);
        stream.shutdownOutput();                                // FIN
        byte[] answer = stream.inputStream().readAllBytes();    // up to the server's FIN
        stream.close();
        return answer;
    }

    /**
     * "Streams", server: accepts one session and echoes each of its streams until it ends.
     *
     * @param listener the listener
     * @throws IOException          when the listener is closed
     * @throws InterruptedException when interrupted while waiting
     */
    public static void serve(KwikListener listener) throws IOException, InterruptedException {
        KwikSession session = listener.accept();                // the handshake and KWIK's authentication are done
        while (true) {
            KwikStream stream = session.acceptStream();         // throws once the session has ended
            byte[] request = stream.inputStream().readAllBytes();
            stream.outputStream().write(request);
            stream.close();                                     // FIN, and the stream's slot goes back to the client
        }
    }

    /**
     * "Ending streams": abandons a stream in both directions.
     *
     * @param stream the stream
     */
    public static void abandon(KwikStream stream) {
        stream.reset(42);                 // RESET_STREAM + STOP_SENDING: the peer's reads and writes fail with 42
    }

    /**
     * "Ending streams": stops reading a stream but keeps writing to it.
     *
     * @param stream the stream
     */
    public static void stopReading(KwikStream stream) {
        stream.shutdownInput();           // STOP_SENDING: the peer's writes fail; this side may still write
    }

    /**
     * "Closing a connection": ends a session with a code and a reason.
     *
     * @param session the session
     */
    public static void giveUp(KwikSession session) {
        session.close(ErrorCode.INTERNAL, "disk full");   // a KWIK ErrorCode, not an application number
    }

    /**
     * "Events": what an application listens to.
     *
     * @param listener a server's listener
     * @param session  a session
     * @param log      where the events go
     * @return the subscriptions, to close when done
     */
    public static List<KwikSubscription> listenToEvents(KwikListener listener, KwikSession session, Consumer<String> log) {
        KwikSubscription errors = listener.addErrorListener(e -> log.accept("closed a connection: " + e.code()));
        KwikSubscription paths = session.addPathListener(event -> log.accept("path event: " + event));
        session.closed().thenAccept(close -> log.accept("session ended: " + close.origin() + " " + close.code()
                + " " + close.reason()));
        return List.of(errors, paths);
    }

    /**
     * "Closing a connection": waits for a session to end and tells why.
     *
     * @param session the session
     * @return who ended it, with which code and reason
     */
    public static SessionClose whyEnded(KwikSession session) {
        SessionClose close = session.closed().toCompletableFuture().join();   // never completes exceptionally
        return close;
    }
}
