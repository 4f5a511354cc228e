package io.kwik.examples.jpms;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import io.kwik.api.ClientConfig;
import io.kwik.api.Kwik;
import io.kwik.api.KwikSession;
import io.kwik.api.ServerConfig;
import io.kwik.examples.echo.EchoClient;
import io.kwik.examples.echo.EchoServer;
import io.kwik.examples.echo.Pem;

/**
 * Proves that KWIK works on a pure module path, and reports which modules it took.
 *
 * <p>It starts an {@link EchoServer} on {@code 127.0.0.1:0}, dials it, echoes {@link #payload()}
 * on one stream and checks the echo's SHA-256. The certificate must be valid for
 * {@link #SERVER_NAME}. It prints, on standard output:
 * <ul>
 *   <li>{@code CLASSPATH [<java.class.path>]}: empty brackets on a pure module path;</li>
 *   <li>{@code SELF <module>}: the module this class was loaded from;</li>
 *   <li>{@code MODULE <name> <automatic|explicit>}: one line per module of the boot layer, sorted;</li>
 *   <li>last, {@code OK <sha256 of the echo>}, or {@code FAIL <error>} with the stack trace on
 *       standard error.</li>
 * </ul>
 * Exit status: 0 on success, 1 on failure, 2 on bad arguments, 3 when the run passed
 * {@link #DEADLINE} (the process then halts after dumping its threads, so it never hangs).
 */
public final class ModuleGraphProbe {

    /** How many bytes are echoed: 1 MiB. */
    public static final int PAYLOAD_SIZE = 1 << 20;

    /** The longest the probe may run before it halts itself: 120 seconds. */
    public static final Duration DEADLINE = Duration.ofSeconds(120);

    /**
     * How long the client may take to dial and authenticate: 60 seconds, well above the
     * default, because the probe measures the module graph, not speed, and often runs on a
     * busy build machine in a JVM that has not warmed up.
     */
    public static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(60);

    /**
     * The name the client verifies the certificate against. The probe dials an IP address, but
     * the kwik backend's TLS layer (agent15 3.1) matches DNS names only, never IP address
     * entries, so the certificate must name {@code localhost} as a DNS name.
     */
    public static final String SERVER_NAME = "localhost";

    private static final long PAYLOAD_SEED = 0x4B57_494B_4A50_4D53L;

    private ModuleGraphProbe() {}

    /**
     * The bytes the probe echoes: {@link #PAYLOAD_SIZE} pseudo-random bytes from a fixed seed,
     * the same on every call, so a caller can compute the expected digest.
     */
    public static byte[] payload() {
        byte[] bytes = new byte[PAYLOAD_SIZE];
        new SplittableRandom(PAYLOAD_SEED).nextBytes(bytes);
        return bytes;
    }

    /**
     * Runs the probe.
     *
     * @param args {@code <cert.pem> <pkcs8-key.pem>}: the echo server's certificate, which the
     *             client also trusts, and its private key
     */
    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: ModuleGraphProbe <cert.pem> <pkcs8-key.pem>");
            System.exit(2);
            return;
        }
        startWatchdog();
        PrintStream out = System.out;
        out.println("CLASSPATH [" + System.getProperty("java.class.path", "") + "]");
        out.println("SELF " + ModuleGraphProbe.class.getModule().getName());
        ModuleLayer.boot().modules().stream()
                .sorted(Comparator.comparing(Module::getName))
                .forEach(module -> out.println("MODULE " + module.getName() + " "
                        + (module.getDescriptor().isAutomatic() ? "automatic" : "explicit")));
        try {
            String digest = echo(Path.of(args[0]), Path.of(args[1]));
            out.println("OK " + digest);
            out.flush();
            System.exit(0);
        } catch (Throwable e) {
            out.println("FAIL " + e);
            out.flush();
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static String echo(Path certificateFile, Path keyFile) throws IOException, InterruptedException {
        List<X509Certificate> chain = Pem.certificates(certificateFile);
        PrivateKey key = Pem.privateKey(keyFile);
        ServerConfig serverConfig = ServerConfig.builder()
                .certificateChain(chain)
                .privateKey(key)
                .handshakeTimeout(HANDSHAKE_TIMEOUT)
                .build();
        ClientConfig clientConfig = ClientConfig.builder()
                .trustedCertificates(chain)
                .serverName(SERVER_NAME)
                .handshakeTimeout(HANDSHAKE_TIMEOUT)
                .build();
        byte[] payload = payload();
        try (EchoServer server = EchoServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), serverConfig);
             KwikSession session = Kwik.dial(server.localAddress(), clientConfig)) {
            byte[] echoed = EchoClient.roundTrip(session, payload);
            if (!Arrays.equals(payload, echoed)) {
                throw new IOException("the echo differs: sent " + payload.length + " bytes with SHA-256 "
                        + EchoClient.sha256(payload) + ", received " + echoed.length + " bytes with SHA-256 "
                        + EchoClient.sha256(echoed));
            }
            return EchoClient.sha256(echoed);
        }
    }

    private static void startWatchdog() {
        Thread.ofPlatform().daemon().name("probe-watchdog").start(() -> {
            try {
                Thread.sleep(DEADLINE);
            } catch (InterruptedException e) {
                return;
            }
            System.out.println("FAIL the probe did not finish within " + DEADLINE.toSeconds() + " s");
            System.out.flush();
            for (Map.Entry<Thread, StackTraceElement[]> thread : Thread.getAllStackTraces().entrySet()) {
                System.err.println("\"" + thread.getKey().getName() + "\" " + thread.getKey().getState());
                for (StackTraceElement frame : thread.getValue()) {
                    System.err.println("    at " + frame);
                }
            }
            System.err.flush();
            Runtime.getRuntime().halt(3);
        });
    }
}
