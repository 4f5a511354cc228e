package io.kwik.benchmarks;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.kwik.api.ClientConfig;
import io.kwik.api.Kwik;
import io.kwik.api.KwikConfig;
import io.kwik.api.KwikListener;
import io.kwik.api.KwikSession;
import io.kwik.api.KwikStream;
import io.kwik.api.ServerConfig;
import io.kwik.spi.ClientTransportConfig;
import io.kwik.spi.QuicConnection;
import io.kwik.spi.QuicServer;
import io.kwik.spi.QuicStream;
import io.kwik.spi.QuicTransport;
import io.kwik.spi.QuicTransportProvider;
import io.kwik.spi.ServerTransportConfig;
import io.kwik.spi.TransportContext;
import io.kwik.spi.TransportLimits;
import io.kwik.tck.tools.SelfSignedCertificate;

/**
 * Bulk goodput of KWIK against raw QUIC on the same backend, measured alternately in one run
 * so both see the same machine. One transfer: the client writes {@code bytes} split over
 * {@code streams} streams; the server counts what arrives and answers each stream with the
 * count; the time is from the first write to the last answer. Sizes are checked.
 *
 * <pre>
 *   java ... io.kwik.benchmarks.ThroughputHarness [backend[,backend...]] [MiB] [streams] [runs] [KWIK stream window bytes]
 * </pre>
 */
public final class ThroughputHarness {
    private static final int CHUNK = 64 * 1024;
    private static final String ALPN = "kwik-bench";

    private ThroughputHarness() {}

    public static void main(String[] args) throws Exception {
        List<String> backends = List.of((args.length > 0 ? args[0] : "kwik").split(","));
        long bytes = (args.length > 1 ? Long.parseLong(args[1]) : 64) << 20;
        int streams = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        int runs = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        long window = args.length > 4 ? Long.parseLong(args[4]) : KwikConfig.DEFAULT_STREAM_RECEIVE_WINDOW;
        SelfSignedCertificate certificate = SelfSignedCertificate.generate();
        Map<String, List<Double>> raw = new LinkedHashMap<>();
        Map<String, List<Double>> kwik = new LinkedHashMap<>();
        for (int run = 1; run <= runs; run++) {
            // every backend and both modes in each round, so all of them see the same machine
            for (String backend : backends) {
                double rawRate = rawTransfer(backend, certificate, bytes, streams);
                double kwikRate = kwikTransfer(backend, certificate, bytes, streams, window);
                raw.computeIfAbsent(backend, b -> new ArrayList<>()).add(rawRate);
                kwik.computeIfAbsent(backend, b -> new ArrayList<>()).add(kwikRate);
                System.out.printf("run %d %s: raw %.1f MB/s, kwik %.1f MB/s%n", run, backend, rawRate, kwikRate);
            }
        }
        System.out.printf("%n%d MiB over %d stream(s), KWIK stream window %d KiB, medians of %d runs%n",
                bytes >> 20, streams, window >> 10, runs);
        System.out.printf("%-8s %14s %14s %10s%n", "backend", "raw MB/s", "KWIK MB/s", "KWIK/raw");
        for (String backend : backends) {
            double rawMedian = median(raw.get(backend));
            double kwikMedian = median(kwik.get(backend));
            System.out.printf("%-8s %14.1f %14.1f %10.2f%n", backend, rawMedian, kwikMedian, kwikMedian / rawMedian);
        }
        System.exit(0);
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }

    private static QuicTransportProvider provider(String name) {
        return ServiceLoader.load(QuicTransportProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> p.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no backend named " + name));
    }

    private static double rawTransfer(String backend, SelfSignedCertificate certificate, long bytes, int streams) throws Exception {
        TransportLimits limits = TransportLimits.DEFAULTS.withWindows(2 << 20, 32 << 20);
        try (QuicTransport serverSide = provider(backend).create(TransportContext.of("bench-server"));
             QuicTransport clientSide = provider(backend).create(TransportContext.of("bench-client"))) {
            QuicServer server = serverSide.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                    new ServerTransportConfig(ALPN, certificate.chain(), certificate.privateKey(), limits),
                    connection -> Thread.ofVirtual().start(() -> serveRaw(connection)));
            QuicConnection connection = clientSide.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                    server.localAddress().getPort()), new ClientTransportConfig(ALPN, "localhost", certificate.chain(), false, limits))
                    .get(30, TimeUnit.SECONDS);
            try {
                List<QuicStream> opened = new ArrayList<>();
                for (int i = 0; i < streams; i++) opened.add(connection.openBidirectionalStream().get(30, TimeUnit.SECONDS));
                return timed(bytes, streams, i -> opened.get(i).output(), i -> opened.get(i).input());
            } finally {
                connection.close();
                server.close();
            }
        }
    }

    private static void serveRaw(QuicConnection connection) {
        try {
            while (true) {
                QuicStream stream = connection.acceptStream();
                Thread.ofVirtual().start(() -> countAndAnswer(stream.input(), stream.output()));
            }
        } catch (IOException | InterruptedException e) {
            // connection closed: the run is over
        }
    }

    private static double kwikTransfer(String backend, SelfSignedCertificate certificate, long bytes, int streams, long window)
            throws Exception {
        ServerConfig serverConfig = ServerConfig.builder().transport(backend).certificateChain(certificate.chain())
                .privateKey(certificate.privateKey()).streamReceiveWindow(window).build();
        try (KwikListener listener = Kwik.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), serverConfig)) {
            Thread.ofVirtual().start(() -> {
                try {
                    KwikSession session = listener.accept();
                    while (true) {
                        KwikStream stream = session.acceptStream();
                        Thread.ofVirtual().start(() -> countAndAnswer(stream.inputStream(), stream.outputStream()));
                    }
                } catch (IOException | InterruptedException e) {
                    // listener closed: the run is over
                }
            });
            ClientConfig clientConfig = ClientConfig.builder().transport(backend).trustedCertificates(certificate.chain())
                    .serverName("localhost").streamReceiveWindow(window).build();
            try (KwikSession session = Kwik.dial(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                    listener.localAddress().getPort()), clientConfig)) {
                List<KwikStream> opened = new ArrayList<>();
                for (int i = 0; i < streams; i++) opened.add(session.openStreamSync());
                return timed(bytes, streams, i -> opened.get(i).outputStream(), i -> opened.get(i).inputStream());
            }
        }
    }

    private interface Io<T> {
        T get(int index) throws IOException;
    }

    private static double timed(long bytes, int streams, Io<OutputStream> outputs, Io<InputStream> inputs) throws Exception {
        long perStream = bytes / streams;
        byte[] chunk = new byte[CHUNK];
        Arrays.fill(chunk, (byte) 0x5A);
        long start = System.nanoTime();
        List<CompletableFuture<Long>> answers = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            int index = i;
            answers.add(CompletableFuture.supplyAsync(() -> {
                try {
                    OutputStream out = outputs.get(index);
                    for (long sent = 0; sent < perStream; sent += CHUNK) out.write(chunk, 0, (int) Math.min(CHUNK, perStream - sent));
                    out.close();
                    return new DataInputStream(inputs.get(index)).readLong();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, runnable -> Thread.ofVirtual().start(runnable)));
        }
        long received = 0;
        for (CompletableFuture<Long> answer : answers) received += answer.get(10, TimeUnit.MINUTES);
        long elapsed = System.nanoTime() - start;
        if (received != perStream * streams) throw new IllegalStateException("received " + received + " of " + perStream * streams);
        return received / 1e6 / (elapsed / 1e9);
    }

    private static void countAndAnswer(InputStream in, OutputStream out) {
        byte[] buffer = new byte[CHUNK];
        long total = 0;
        try {
            int n;
            while ((n = in.read(buffer)) >= 0) total += n;
            DataOutputStream answer = new DataOutputStream(out);
            answer.writeLong(total);
            answer.close();
        } catch (IOException e) {
            // the client sees the missing answer
        }
    }
}
