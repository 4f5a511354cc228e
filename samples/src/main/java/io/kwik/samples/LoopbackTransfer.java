package io.kwik.samples;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import io.kwik.api.ClientConfig;
import io.kwik.api.Kwik;
import io.kwik.api.KwikListener;
import io.kwik.api.KwikSession;
import io.kwik.api.KwikStream;
import io.kwik.api.ServerConfig;

/**
 * A KWIK server and client in one program, on loopback: the client sends a payload on one
 * stream, the server sends every byte back, and the client compares the SHA-256 of both.
 *
 * <pre>
 * java --module-path &lt;this jar and its run-time dependencies&gt; \
 *      -m io.kwik.samples/io.kwik.samples.LoopbackTransfer certificate.pem private-key.pem 4194304
 * </pre>
 *
 * Exits with 0 when the bytes came back intact, 1 when they did not, 2 on bad arguments.
 */
public final class LoopbackTransfer {

    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(60);

    private LoopbackTransfer() {
    }

    /**
     * Runs the transfer and prints what was sent and received.
     *
     * @param args the server's certificate (PEM), its private key (PKCS#8 PEM) and the number
     *             of bytes to send
     * @throws Exception when KWIK or the files fail
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: LoopbackTransfer <certificate.pem> <private-key.pem> <bytes>");
            System.exit(2);
        }
        X509Certificate certificate = readCertificate(Path.of(args[0]));
        PrivateKey privateKey = readPrivateKey(Path.of(args[1]));
        byte[] payload = payload(Integer.parseInt(args[2]));

        ServerConfig serverConfig = ServerConfig.builder()
                .certificateChain(List.of(certificate))
                .privateKey(privateKey)
                .handshakeTimeout(HANDSHAKE_TIMEOUT)
                .build();
        ClientConfig clientConfig = ClientConfig.builder()
                .trustedCertificates(List.of(certificate))
                .handshakeTimeout(HANDSHAKE_TIMEOUT)
                .build();
        try (KwikListener listener = Kwik.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), serverConfig)) {
            Thread.ofVirtual().name("server").start(() -> echoOneStream(listener));
            try (KwikSession session = Kwik.dial(listener.localAddress(), clientConfig)) {
                System.out.println("engine module: " + session.getClass().getModule().getName());
                KwikStream stream = session.openStreamSync();
                stream.outputStream().write(payload);
                stream.shutdownOutput();                                // FIN: the server may answer
                byte[] echoed = stream.inputStream().readAllBytes();
                stream.close();
                String sent = sha256(payload);
                String received = sha256(echoed);
                System.out.println("sent " + payload.length + " bytes, sha256 " + sent);
                System.out.println("received " + echoed.length + " bytes, sha256 " + received);
                if (echoed.length != payload.length || !sent.equals(received)) {
                    System.out.println("MISMATCH");
                    System.exit(1);
                }
                System.out.println("OK");
            }
        }
    }

    /**
     * The bytes the client sends: seeded by their length, so a test can compute them too.
     *
     * @param size how many bytes
     * @return the payload
     */
    public static byte[] payload(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }

    /**
     * The SHA-256 of {@code bytes}, in lower-case hex.
     *
     * @param bytes what to hash
     * @return 64 hex digits
     */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** Accepts one session and sends back every byte of the first stream, then its FIN. */
    private static void echoOneStream(KwikListener listener) {
        try {
            KwikSession session = listener.accept();
            try (KwikStream stream = session.acceptStream()) {
                byte[] request = stream.inputStream().readAllBytes();  // up to the client's FIN
                stream.outputStream().write(request);
            }                                                          // close: FIN after the echo
            session.closed().toCompletableFuture().join();             // until the client is done
        } catch (IOException | InterruptedException e) {
            System.err.println("server: " + e);
        }
    }

    private static X509Certificate readCertificate(Path pem) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    private static PrivateKey readPrivateKey(Path pem) throws IOException, GeneralSecurityException {
        String base64 = Files.readString(pem, StandardCharsets.US_ASCII)
                .replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").replaceAll("\\s", "");
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64));
        try {
            return KeyFactory.getInstance("EC").generatePrivate(spec);
        } catch (GeneralSecurityException notEc) {
            return KeyFactory.getInstance("RSA").generatePrivate(spec);
        }
    }
}
