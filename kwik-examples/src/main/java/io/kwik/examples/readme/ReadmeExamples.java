package io.kwik.examples.readme;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;

import io.kwik.api.ClientConfig;
import io.kwik.api.Delegation;
import io.kwik.api.Kwik;
import io.kwik.api.KwikListener;
import io.kwik.api.KwikSession;
import io.kwik.api.KwikStream;
import io.kwik.api.PathInfo;
import io.kwik.api.RawData;
import io.kwik.api.ServerConfig;

/**
 * The code blocks of the repository's README, compiled by the build: each method body holds
 * one block as the README shows it, and {@code ReadmeExamplesTest} checks that every Java
 * block of the README appears here, then runs them over loopback. An example that stops
 * compiling or working therefore fails the build instead of misleading a reader.
 */
public final class ReadmeExamples {
    private ReadmeExamples() {}

    /**
     * README "A client": sends "hello" on a new stream and reads the whole answer.
     *
     * @param address           the primary server
     * @param serverCertificate the certificate the client trusts
     * @return the server's answer
     * @throws IOException          when the session or the stream fails
     * @throws InterruptedException when interrupted while waiting
     */
    public static byte[] client(InetSocketAddress address, X509Certificate serverCertificate)
            throws IOException, InterruptedException {
        ClientConfig config = ClientConfig.builder()
                .trustedCertificates(List.of(serverCertificate))
                .handshakeTimeout(Duration.ofSeconds(30))       // default 10 s
                .build();
        try (KwikSession session = Kwik.dial(address, config)) {
            KwikStream stream = session.openStreamSync();
            stream.outputStream().write("hello".getBytes(StandardCharsets.UTF_8));
            stream.shutdownOutput();                         // FIN: the request is complete
            byte[] answer = stream.inputStream().readAllBytes();
            stream.close();                                  // full close; a no-op here, both directions ended
            return answer;
        }
    }

    /**
     * README "A server": binds a listener.
     *
     * @param port             the UDP port, 0 for any
     * @param certificateChain the server's certificate chain, leaf first
     * @param privateKey       the leaf's private key
     * @return the listener
     * @throws IOException when the port cannot be bound
     */
    public static KwikListener listen(int port, List<X509Certificate> certificateChain, PrivateKey privateKey)
            throws IOException {
        ServerConfig config = ServerConfig.builder()
                .certificateChain(certificateChain)            // leaf first
                .privateKey(privateKey)
                .handshakeTimeout(Duration.ofSeconds(30))       // default 10 s
                .build();
        KwikListener listener = Kwik.listen(new InetSocketAddress(port), config);
        return listener;
    }

    /**
     * README "A server": accepts sessions until the listener closes, and echoes every stream.
     *
     * @param listener the listener
     */
    public static void serve(KwikListener listener) {
        try {
            while (true) {
                KwikSession session = listener.accept();       // one per client
                Thread.ofVirtual().start(() -> echo(session));
            }
        } catch (IOException | InterruptedException e) {
            // the listener was closed
        }
    }

    /**
     * README "A server": echoes each stream the client opens, until the session ends.
     *
     * @param session a server session
     */
    public static void echo(KwikSession session) {
        try {
            while (true) {
                KwikStream stream = session.acceptStream();    // throws once the session ends
                byte[] request = stream.inputStream().readAllBytes();  // up to the client's FIN
                stream.outputStream().write(request);
                stream.close();                                // FIN, and the stream is released
            }
        } catch (IOException | InterruptedException e) {
            // the session ended; session.closed() tells why
        }
    }

    /**
     * README "Several servers", on the primary: joins a secondary, writes the head of a new
     * stream and has the secondary write its tail.
     *
     * @param primaryListener  the primary's listener
     * @param secondaryAddress the secondary as the client can reach it
     * @param head             the bytes the primary writes
     * @param tailLength       how many bytes the secondary writes after them
     * @throws IOException          when the session fails
     * @throws InterruptedException when interrupted while waiting
     * @throws ExecutionException   when the path cannot be added or the delegation fails
     */
    public static void primary(KwikListener primaryListener, InetSocketAddress secondaryAddress,
                               byte[] head, long tailLength)
            throws IOException, InterruptedException, ExecutionException {
        KwikSession session = primaryListener.accept();
        PathInfo secondary = session.addPath(secondaryAddress).get();   // the client joins it
        KwikStream stream = session.openStreamSync();
        stream.write(ByteBuffer.wrap(head));                            // the primary writes the head
        CompletableFuture<Delegation> tail = stream.delegate(secondary.id(), tailLength,
                ByteBuffer.wrap("tail".getBytes(StandardCharsets.UTF_8)));  // the secondary writes the rest
        stream.shutdownOutput();                                        // FIN after the delegated range
        tail.get();                                                     // the client has received it all
        session.close();                                                // which tells the client we are done
    }

    /**
     * README "Several servers", on the secondary: writes the range the primary delegated.
     *
     * @param secondaryListener the secondary's listener
     * @param contentOf         the bytes of a delegated range
     * @return the secondary session, still open
     * @throws IOException          when the session fails
     * @throws InterruptedException when interrupted while waiting
     */
    public static KwikSession secondary(KwikListener secondaryListener, Function<Delegation, byte[]> contentOf)
            throws IOException, InterruptedException {
        KwikSession session = secondaryListener.accept();               // role() is SECONDARY_SERVER
        RawData request = session.receiveRawData();                     // the primary's instruction
        Delegation range = request.delegated().orElseThrow();
        session.stream(range.streamId()).writeAt(range.offset(), ByteBuffer.wrap(contentOf.apply(range)));
        return session;
    }

    /**
     * README "Several servers", on the client: nothing multi-path in sight.
     *
     * @param primaryAddress the primary server
     * @param config         the client's configuration; it must trust every server of the group
     * @return every byte of the stream the primary opened
     * @throws IOException          when the session or the stream fails
     * @throws InterruptedException when interrupted while waiting
     */
    public static byte[] multiPathClient(InetSocketAddress primaryAddress, ClientConfig config)
            throws IOException, InterruptedException {
        try (KwikSession session = Kwik.dial(primaryAddress, config)) {
            KwikStream stream = session.acceptStream();                 // opened by the primary
            byte[] whole = stream.inputStream().readAllBytes();         // head from p0, tail from p1
            session.closed().toCompletableFuture().join();              // until the primary is done
            return whole;
        }
    }
}
