package io.kwik.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import io.kwik.api.KwikStream;
import io.kwik.spi.QuicTransportProvider;
import io.kwik.spi.TransportLimits;

/**
 * What the end-to-end harness ({@link E2eHarness}) and its server JVMs ({@link E2eServer})
 * share: the per-stream request protocol, the byte pattern of downloads, and the credentials
 * the client hands the servers through files.
 *
 * <p>Every stream starts with a one-byte request from the client, which then finishes its
 * direction (except for the echo):
 * <ul>
 *   <li>{@code 'D'} + long n: the server writes n pattern bytes and finishes;</li>
 *   <li>{@code 'E'}: the server echoes everything until the client finishes;</li>
 *   <li>{@code 'P'} + int k + k x (UTF host, int port), KWIK primary only: the server calls
 *       {@code addPath} for each and answers int k + k x UTF ({@code "OK <path id>"} or
 *       {@code "ERR <why>"});</li>
 *   <li>{@code 'M'} + long n + int range + boolean reserve-first + boolean trace, KWIK primary only, after
 *       {@code 'P'} on the same session: n pattern bytes in ranges of {@code range} bytes,
 *       range i written by the primary when i % (k + 1) == 0 and delegated to secondary
 *       i % (k + 1) otherwise, in offset order; the primary writes its own ranges with
 *       {@code write} as it goes, or, with reserve-first, reserves them ({@code reserve}),
 *       delegates every other range at once and then writes its own with {@code writeAt}.
 *       It finishes the stream with {@code close()}. With trace, it logs its session's path
 *       figures every 500 ms.</li>
 * </ul>
 * A server that cannot serve a request resets the stream; its log says why.
 *
 * <p>The pattern: every byte of MiB number m of a download is {@code (7m + 1) mod 256}, so a
 * range written by the wrong server or at the wrong offset shows up on the client.
 */
final class E2eSupport {
    static final int CHUNK = 64 * 1024;
    static final int MIB = 1 << 20;
    static final String RAW_ALPN = "kwik-bench";
    static final int OP_DOWNLOAD = 'D';
    static final int OP_ECHO = 'E';
    static final int OP_ADD_PATHS = 'P';
    static final int OP_MULTI = 'M';
    /**
     * This process's CPU time (user + system, every thread: GC, compiler and native transport
     * threads included) in nanoseconds and the bytes its threads have allocated on the heap so
     * far (virtual threads count on their carriers), as {@code "<cpu nanos> <allocated bytes>"}.
     */
    static String usage() {
        long cpu = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
        long allocated = ((com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean())
                .getTotalThreadAllocatedBytes();
        return cpu + " " + allocated;
    }

    /** Reset code a server uses when it cannot serve a request. */
    static final long RESET_FAILED = 77;
    /** The raw QUIC limits: the QUIC windows KWIK asks for with its default 1 MiB stream window. */
    static final TransportLimits RAW_LIMITS = TransportLimits.DEFAULTS.withWindows(2 << 20, 32 << 20);

    private static final byte[][] FILLS = new byte[256][];

    static {
        for (int i = 0; i < FILLS.length; i++) {
            FILLS[i] = new byte[CHUNK];
            Arrays.fill(FILLS[i], (byte) i);
        }
    }

    private E2eSupport() {}

    static int value(long offset) {
        return (int) (((offset >>> 20) * 7 + 1) & 0xFF);
    }

    /** How many bytes from {@code offset} fit before the next 64 KiB boundary, at most {@code remaining}. */
    private static int piece(long offset, long remaining) {
        return (int) Math.min(remaining, CHUNK - (offset % CHUNK));
    }

    /** Writes pattern bytes [offset, offset + length) to {@code out}. */
    static void writePattern(OutputStream out, long offset, long length) throws IOException {
        long end = offset + length;
        for (long at = offset; at < end; ) {
            int n = piece(at, end - at);
            out.write(FILLS[value(at)], 0, n);
            at += n;
        }
    }

    /** Pattern bytes [offset, offset + length) in a new buffer. */
    static ByteBuffer pattern(long offset, int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; ) {
            int n = piece(offset + i, length - i);
            System.arraycopy(FILLS[value(offset + i)], 0, bytes, i, n);
            i += n;
        }
        return ByteBuffer.wrap(bytes);
    }

    /** Writes pattern bytes [offset, offset + length) with {@link KwikStream#write}. */
    static void writePattern(KwikStream stream, long offset, long length) throws IOException {
        long end = offset + length;
        for (long at = offset; at < end; ) {
            int n = piece(at, end - at);
            stream.write(ByteBuffer.wrap(FILLS[value(at)], 0, n));
            at += n;
        }
    }

    /** Writes pattern bytes [offset, offset + length) with {@link KwikStream#writeAt}. */
    static void writePatternAt(KwikStream stream, long offset, long length) throws IOException {
        long end = offset + length;
        for (long at = offset; at < end; ) {
            int n = piece(at, end - at);
            stream.writeAt(at, ByteBuffer.wrap(FILLS[value(at)], 0, n));
            at += n;
        }
    }

    /**
     * Reads a download to its end, checking every byte against the pattern, and adds what
     * arrives to {@code progress}.
     *
     * @return how many bytes arrived
     * @throws IOException when a byte is wrong
     */
    static long readPattern(InputStream in, java.util.concurrent.atomic.AtomicLong progress) throws IOException {
        byte[] buffer = new byte[CHUNK];
        long offset = 0;
        int n;
        while ((n = in.read(buffer)) >= 0) {
            for (int i = 0; i < n; ) {
                int segment = (int) Math.min(n - i, MIB - ((offset + i) % MIB));
                int mismatch = Arrays.mismatch(buffer, i, i + segment, FILLS[value(offset + i)], 0, segment);
                if (mismatch >= 0) {
                    long at = offset + i + mismatch;
                    throw new IOException("wrong byte at offset " + at + ": " + (buffer[i + mismatch] & 0xFF)
                            + ", expected " + value(at));
                }
                i += segment;
            }
            offset += n;
            progress.addAndGet(n);
        }
        return offset;
    }

    static QuicTransportProvider provider(String name) {
        return ServiceLoader.load(QuicTransportProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> p.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no backend named " + name));
    }

    // ---- credentials, handed from the client to the servers as files in a private directory ----

    record Credentials(X509Certificate certificate, PrivateKey privateKey, SecretKey pathTokenKey) {
        List<X509Certificate> chain() {
            return List.of(certificate);
        }
    }

    /**
     * A fresh RSA-2048 certificate naming {@code localhost}, the loopback addresses and every
     * host in {@code hosts} (so the client verifies whatever address it dials), and a fresh
     * 256-bit path token key.
     */
    static Credentials generate(List<String> hosts) throws GeneralSecurityException, IOException {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048, new SecureRandom());
            KeyPair keys = generator.generateKeyPair();
            Instant now = Instant.now();
            X500Name name = new X500Name("CN=localhost");
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, new BigInteger(64, new SecureRandom()),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), name, keys.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            Set<String> addresses = new LinkedHashSet<>(List.of("127.0.0.1", "::1"));
            List<GeneralName> names = new ArrayList<>(List.of(new GeneralName(GeneralName.dNSName, "localhost")));
            for (String host : hosts) {
                if (isIpLiteral(host)) addresses.add(host);
                else names.add(new GeneralName(GeneralName.dNSName, host));
            }
            for (String address : addresses) names.add(new GeneralName(GeneralName.iPAddress, address));
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
            X509Certificate certificate = new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(keys.getPrivate())));
            byte[] token = new byte[32];
            new SecureRandom().nextBytes(token);
            return new Credentials(certificate, keys.getPrivate(), new SecretKeySpec(token, "HmacSHA256"));
        } catch (org.bouncycastle.operator.OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static boolean isIpLiteral(String host) {
        return host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || Character.isDigit(c));
    }

    static void write(Credentials credentials, Path directory) throws IOException, GeneralSecurityException {
        Files.write(directory.resolve("cert.der"), credentials.certificate().getEncoded());
        Files.write(directory.resolve("key.der"), credentials.privateKey().getEncoded());
        Files.write(directory.resolve("token.key"), credentials.pathTokenKey().getEncoded());
    }

    static Credentials read(Path directory) throws IOException, GeneralSecurityException {
        X509Certificate certificate;
        try (InputStream in = Files.newInputStream(directory.resolve("cert.der"))) {
            certificate = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        PrivateKey key = KeyFactory.getInstance("RSA")
                .generatePrivate(new PKCS8EncodedKeySpec(Files.readAllBytes(directory.resolve("key.der"))));
        SecretKey token = new SecretKeySpec(Files.readAllBytes(directory.resolve("token.key")), "HmacSHA256");
        return new Credentials(certificate, key, token);
    }

    static InetAddress address(String host) throws IOException {
        return InetAddress.getByName(host);
    }
}
