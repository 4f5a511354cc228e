package io.kwik.examples.echo;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;

import io.kwik.api.ClientConfig;
import io.kwik.api.Kwik;
import io.kwik.api.KwikSession;
import io.kwik.api.KwikStream;

/**
 * A KWIK echo client: opens one stream, writes a message (or N random bytes), finishes its
 * side, reads the echo to the end, and compares SHA-256 digests of both.
 *
 * <p>Writing and reading run at the same time, on two virtual threads: the server echoes as
 * it reads, so a client that wrote everything before reading would stall once both
 * directions' flow-control windows were full.
 *
 * <pre>
 * java --module-path ... -m io.kwik.examples/io.kwik.examples.echo.EchoClient \
 *      localhost 4433 --trust cert.pem (&lt;message&gt; | --size &lt;bytes&gt;)
 *      [--server-name &lt;name&gt;] [--handshake-timeout &lt;seconds&gt;]
 * </pre>
 *
 * <p>Exits 0 when the echo matches, 1 when it does not or the session fails, 2 on bad arguments.
 */
public final class EchoClient {

    /**
     * The application error code a stream is reset with when reading its echo fails; the
     * reset also ends the writer, which may be blocked on flow control.
     */
    public static final long ROUND_TRIP_FAILED = 0x101;

    private static final String USAGE = "usage: EchoClient <host> <port> --trust <cert.pem> "
            + "(<message> | --size <bytes>) [--server-name <name>] [--handshake-timeout <seconds>]";

    private EchoClient() {}

    /**
     * Sends {@code payload} on a new stream of {@code session} and returns everything read back
     * until the peer finished the stream.
     *
     * @throws IOException when the stream fails in either direction
     */
    public static byte[] roundTrip(KwikSession session, byte[] payload) throws IOException, InterruptedException {
        KwikStream stream = session.openStreamSync();
        try (ExecutorService writer = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Void> written = writer.submit(() -> {
                try (OutputStream out = stream.outputStream()) {
                    out.write(payload);
                }
                return null;
            });
            byte[] echoed;
            try {
                echoed = stream.inputStream().readAllBytes();
            } catch (IOException e) {
                stream.reset(ROUND_TRIP_FAILED);
                throw e;
            }
            try {
                written.get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof IOException io) throw io;
                throw new IOException("writing the payload failed", e.getCause());
            }
            return echoed;
        }
    }

    /** The SHA-256 digest of {@code bytes}, in lower-case hex. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /**
     * Dials an echo server, round-trips one payload and prints sizes, digests and time.
     *
     * @param args {@code <host> <port> --trust <cert.pem> (<message> | --size <bytes>) [--server-name <name>]
     *             [--handshake-timeout <seconds>]}
     */
    public static void main(String[] args) throws InterruptedException {
        InetSocketAddress server;
        ClientConfig config;
        byte[] payload;
        boolean text;
        try {
            Arguments arguments = Arguments.parse(args, Set.of("trust", "size", "server-name", "handshake-timeout"));
            if (arguments.positionals().size() < 2) throw new IllegalArgumentException("host and port are required");
            server = new InetSocketAddress(arguments.positionals().get(0), Arguments.port(arguments.positionals().get(1)));
            ClientConfig.Builder builder = ClientConfig.builder()
                    .trustedCertificates(Pem.certificates(Path.of(arguments.required("trust"))));
            arguments.option("server-name").ifPresent(builder::serverName);
            arguments.option("handshake-timeout").map(Arguments::seconds).ifPresent(builder::handshakeTimeout);
            config = builder.build();
            text = arguments.option("size").isEmpty();
            payload = text ? message(arguments) : randomBytes(arguments);
        } catch (IllegalArgumentException | IOException e) {
            System.err.println(e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        try (KwikSession session = Kwik.dial(server, config)) {
            long start = System.nanoTime();
            byte[] echoed = roundTrip(session, payload);
            double millis = (System.nanoTime() - start) / 1e6;
            String sent = sha256(payload);
            String received = sha256(echoed);
            System.out.printf("session   %s%n", session.id());
            System.out.printf("sent      %d bytes, sha256 %s%n", payload.length, sent);
            System.out.printf("received  %d bytes, sha256 %s%n", echoed.length, received);
            if (text) System.out.printf("echo      %s%n", new String(echoed, StandardCharsets.UTF_8));
            boolean match = sent.equals(received);
            System.out.printf("round trip %.1f ms, %s%n", millis, match ? "digests match" : "DIGESTS DIFFER");
            System.out.flush();
            if (!match) System.exit(1);
        } catch (IOException e) {
            System.err.println("echo failed: " + e);
            System.exit(1);
        }
    }

    private static byte[] message(Arguments arguments) {
        if (arguments.positionals().size() != 3) {
            throw new IllegalArgumentException("give one message (quote it) or --size <bytes>");
        }
        return arguments.positionals().get(2).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] randomBytes(Arguments arguments) {
        if (arguments.positionals().size() != 2) {
            throw new IllegalArgumentException("give either a message or --size <bytes>, not both");
        }
        String size = arguments.required("size");
        int length;
        try {
            length = Integer.parseInt(size);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a size: " + size);
        }
        if (length < 0) throw new IllegalArgumentException("size must be >= 0: " + size);
        byte[] bytes = new byte[length];
        ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }
}
