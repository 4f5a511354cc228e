package io.kwik.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import io.kwik.api.ClientConfig;
import io.kwik.api.Kwik;
import io.kwik.api.KwikListener;
import io.kwik.api.KwikSession;
import io.kwik.api.KwikStream;
import io.kwik.api.ServerConfig;
import io.kwik.tck.tools.SelfSignedCertificate;
import io.kwik.tck.tools.ThreadCensus;

/**
 * A small load and soak run in one JVM: one server, {@code sessions} client sessions with
 * {@code streams} workers each; every worker opens a stream, writes {@code requestBytes}
 * random bytes, finishes, reads the echo and compares its SHA-256, again and again for
 * {@code seconds}. Every {@code sampleSeconds} it prints the requests completed and failed so
 * far, the JVM's live threads (virtual ones included) and its heap in use; after the run it
 * closes everything and prints the same once more, after a GC, so a leak shows as threads or
 * heap that do not return to the figures before the run.
 *
 * <pre>
 *   java ... io.kwik.benchmarks.SoakHarness [backend=kwik] [sessions=20] [streams=4] [seconds=60] [requestBytes=65536] [sampleSeconds=5]
 * </pre>
 *
 * Client and server share the JVM (and its threads and heap), so the figures are of both.
 * A benchmark, not a test: nothing is asserted but the echoes.
 */
public final class SoakHarness {
    private static final int CHUNK = 16 * 1024;

    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private volatile String firstErrorText = "";

    private SoakHarness() {}

    public static void main(String[] args) throws Exception {
        String backend = args.length > 0 ? args[0] : "kwik";
        int sessions = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int streams = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 60;
        int requestBytes = args.length > 4 ? Integer.parseInt(args[4]) : 64 << 10;
        int sampleSeconds = args.length > 5 ? Integer.parseInt(args[5]) : 5;
        new SoakHarness().run(backend, sessions, streams, Duration.ofSeconds(seconds), requestBytes,
                Duration.ofSeconds(sampleSeconds));
        System.exit(0);
    }

    private void run(String backend, int sessions, int streams, Duration length, int requestBytes, Duration sample)
            throws Exception {
        SelfSignedCertificate certificate = SelfSignedCertificate.generate();
        System.out.printf("soak: backend=%s sessions=%d streams/session=%d seconds=%d requestBytes=%d%n",
                backend, sessions, streams, length.toSeconds(), requestBytes);
        System.out.println("   t(s)  completed  errors  req/s(interval)  threads  heapMiB");
        sampleLine("before", 0, 0);
        long start = System.nanoTime();
        ServerConfig serverConfig = ServerConfig.builder().transport(backend).certificateChain(certificate.chain())
                .privateKey(certificate.privateKey()).build();
        List<KwikSession> clients = new ArrayList<>();
        List<Thread> workers = new ArrayList<>();
        try (KwikListener listener = Kwik.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), serverConfig)) {
            Thread.ofVirtual().name("soak-acceptor").start(() -> acceptAndEcho(listener));
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.localAddress().getPort());
            ClientConfig clientConfig = ClientConfig.builder().transport(backend).trustedCertificates(certificate.chain())
                    .serverName("localhost").build();
            long until = start + length.toNanos();
            for (int s = 0; s < sessions; s++) {
                KwikSession client = Kwik.dial(address, clientConfig);
                clients.add(client);
                for (int w = 0; w < streams; w++) {
                    workers.add(Thread.ofVirtual().name("soak-" + s + "-" + w).start(() -> requests(client, requestBytes, until)));
                }
            }
            long lastCount = 0;
            long lastAt = System.nanoTime();
            while (System.nanoTime() < until) {
                Thread.sleep(Math.min(sample.toMillis(), Math.max(1, (until - System.nanoTime()) / 1_000_000)));
                long now = System.nanoTime();
                long count = completed.get();
                double rate = (count - lastCount) / ((now - lastAt) / 1e9);
                lastCount = count;
                lastAt = now;
                sampleLine(String.format("%7.1f", (now - start) / 1e9), count, rate);
            }
            for (Thread worker : workers) worker.join(Duration.ofSeconds(60));
            for (KwikSession client : clients) client.close();
        }
        Thread.sleep(5_000);
        System.gc();
        sampleLine("after", completed.get(), 0);
        double totalSeconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("soak: %d requests completed (%.0f/s over the run), %d errors%s%n", completed.get(),
                completed.get() / Math.max(1e-9, totalSeconds - 5), errors.get(),
                errors.get() == 0 ? "" : "; first: " + firstErrorText);
    }

    private void sampleLine(String label, long count, double rate) {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long heap = memory.getHeapMemoryUsage().getUsed() >> 20;
        System.out.printf("%7s %10d %7d %16.1f %8d %8d%n", label, count, errors.get(), rate, ThreadCensus.liveThreads(), heap);
    }

    private void acceptAndEcho(KwikListener listener) {
        try {
            while (true) {
                KwikSession session = listener.accept();
                Thread.ofVirtual().start(() -> {
                    try {
                        while (true) {
                            KwikStream stream = session.acceptStream();
                            Thread.ofVirtual().start(() -> echo(stream));
                        }
                    } catch (IOException | InterruptedException e) {
                        // the session ended
                    }
                });
            }
        } catch (IOException | InterruptedException e) {
            // the listener closed: the run is over
        }
    }

    private static void echo(KwikStream stream) {
        try (stream) {
            stream.inputStream().transferTo(stream.outputStream());
        } catch (IOException e) {
            // counted by the client, which sees its echo fail
        }
    }

    /** One worker: requests on new streams of {@code session} until {@code untilNanos}. */
    private void requests(KwikSession session, int requestBytes, long untilNanos) {
        byte[] payload = new byte[requestBytes];
        while (System.nanoTime() < untilNanos) {
            ThreadLocalRandom.current().nextBytes(payload);
            try {
                KwikStream stream = session.openStreamSync();
                Thread writer = Thread.ofVirtual().start(() -> {
                    try {
                        OutputStream out = stream.outputStream();
                        for (int at = 0; at < payload.length; at += CHUNK) {
                            out.write(payload, at, Math.min(CHUNK, payload.length - at));
                        }
                        stream.shutdownOutput();
                    } catch (IOException e) {
                        // the read below fails too and counts it
                    }
                });
                byte[] back = readAll(stream.inputStream(), requestBytes);
                writer.join();
                stream.close();
                if (!Arrays.equals(sha256(back), sha256(payload))) throw new IOException("echo differs: " + back.length + " bytes");
                completed.incrementAndGet();
            } catch (IOException | RuntimeException e) {
                if (errors.incrementAndGet() == 1) {
                    firstErrorText = e.toString();
                }
                if (session.closed().toCompletableFuture().isDone()) return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static byte[] readAll(InputStream in, int expected) throws IOException {
        return in.readNBytes(expected + 1);
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
