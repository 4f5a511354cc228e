package io.kwik.tck.tools;

import static io.kwik.tck.tools.Bounds.await;
import static io.kwik.tck.tools.KwikStreams.writeAndFinish;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.kwik.api.KwikSession;
import io.kwik.api.KwikStream;
import io.kwik.api.ServerConfig;
import io.kwik.spi.QuicTransportProvider;

/**
 * What one test of an engine suite holds: its servers and other resources, and its virtual
 * threads. Closing it closes the resources, newest first, then interrupts the threads and waits
 * for them.
 *
 * @since 0.1.0
 */
public final class Harness implements AutoCloseable {

    private static SelfSignedCertificate certificate;

    private final QuicTransportProvider provider;
    private final QuicTransportProvider clientProvider;
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

    /**
     * A harness whose servers run on {@code provider} and their clients on {@code clientProvider}.
     *
     * @param provider the backend under test
     * @param clientProvider the backend the clients dial with (often the same)
     */
    public Harness(QuicTransportProvider provider, QuicTransportProvider clientProvider) {
        this.provider = provider;
        this.clientProvider = clientProvider;
    }

    /**
     * One certificate for every test in this JVM: generating RSA keys is slow.
     *
     * @return the JVM's shared certificate for {@code localhost}
     */
    public static synchronized SelfSignedCertificate sharedCertificate() {
        if (certificate == null) certificate = SelfSignedCertificate.generate();
        return certificate;
    }

    /**
     * A loopback server on the backend under test, whose clients run on the client backend;
     * closed after the test.
     *
     * @param customizer adjusts the server's configuration
     * @return the started server
     * @throws IOException if it cannot bind
     */
    public LoopbackServer server(Consumer<ServerConfig.Builder> customizer) throws IOException {
        return closeAfterTest(LoopbackServer.start(provider.name(), clientProvider.name(), sharedCertificate(), customizer));
    }

    /**
     * Registers something to close after the test, before what was registered earlier.
     *
     * @param resource what to close
     * @param <T> its type
     * @return {@code resource}
     */
    public <T extends AutoCloseable> T closeAfterTest(T resource) {
        synchronized (resources) {
            resources.push(resource);
        }
        return resource;
    }

    /**
     * Runs {@code task} on a virtual thread of the test; the thread is interrupted after the test.
     *
     * @param task what to run
     * @param <T> its result's type
     * @return its outcome
     */
    public <T> Future<T> background(Callable<T> task) {
        return executor.submit(task);
    }

    /**
     * Echoes every stream the session accepts, each on its own thread, until the session ends.
     *
     * @param session the session whose streams to echo
     */
    public void echoEverything(KwikSession session) {
        executor.submit(() -> {
            while (true) {
                KwikStream stream;
                try {
                    stream = session.acceptStream();
                } catch (IOException | InterruptedException e) {
                    return null;
                }
                executor.submit(() -> {
                    stream.inputStream().transferTo(stream.outputStream());
                    stream.close();
                    return null;
                });
            }
        });
    }

    /**
     * Sends {@code payload} on a new stream, finishes it, and returns what came back before the FIN.
     *
     * @param client the session to open the stream on
     * @param payload what to send
     * @return the size and SHA-256 of what came back
     * @throws Exception if a step fails or is not done within {@link Bounds#WAIT}
     */
    public Digest echoThrough(KwikSession client, byte[] payload) throws Exception {
        KwikStream stream = client.openStreamSync();
        Future<Void> writer = background(() -> {
            writeAndFinish(stream, payload);
            return null;
        });
        Digest back = drain(stream);
        await(writer);
        return back;
    }

    /**
     * Reads {@code stream} to its end, within {@link Bounds#WAIT}.
     *
     * @param stream the stream to read
     * @return the size and SHA-256 of what it gave
     * @throws Exception if reading fails or does not end in time
     */
    public Digest drain(KwikStream stream) throws Exception {
        return await(background(() -> Digest.of(stream.inputStream())));
    }

    @Override
    public void close() throws Exception {
        Exception failure = null;
        while (true) {
            AutoCloseable resource;
            synchronized (resources) {
                resource = resources.poll();
            }
            if (resource == null) break;
            try {
                resource.close();
            } catch (Exception e) {
                if (failure == null) failure = e;
                else failure.addSuppressed(e);
            }
        }
        executor.shutdownNow();
        long seconds = Bounds.scaled(java.time.Duration.ofSeconds(10)).toSeconds();
        if (!executor.awaitTermination(seconds, TimeUnit.SECONDS) && failure == null) {
            failure = new IllegalStateException("test threads still blocked " + seconds + " s after everything was closed");
        }
        if (failure != null) throw failure;
    }
}
