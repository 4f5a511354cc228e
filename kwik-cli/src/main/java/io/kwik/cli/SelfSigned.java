package io.kwik.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;

/**
 * A self-signed certificate for demos, made with the JDK alone: an EC P-256 key, and an X.509
 * v3 certificate written in DER by hand and signed with {@code SHA256withECDSA}. It names
 * {@code localhost} (DNS), {@code 127.0.0.1} and {@code ::1} as subject alternative names, and
 * is not a CA ({@code basicConstraints} critical, {@code cA} false), like the TCK's
 * BouncyCastle-made one, so examples need no BouncyCastle at run time.
 *
 * @param certificate the certificate
 * @param privateKey  its private key
 */
record SelfSigned(X509Certificate certificate, PrivateKey privateKey) {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final DateTimeFormatter UTC_TIME = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);

    // object identifiers
    private static final String ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";
    private static final String COMMON_NAME = "2.5.4.3";
    private static final String BASIC_CONSTRAINTS = "2.5.29.19";
    private static final String SUBJECT_ALT_NAME = "2.5.29.17";

    /** A fresh certificate for {@code localhost}, valid from an hour ago for {@code validity}. */
    static SelfSigned generate(Duration validity) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            KeyPair keys = generator.generateKeyPair();
            Instant now = Instant.now();

            byte[] name = sequence(set(sequence(oid(COMMON_NAME), utf8("localhost"))));
            byte[] algorithm = sequence(oid(ECDSA_WITH_SHA256));
            byte[] altNames = sequence(
                    tagged(0x82, "localhost".getBytes(StandardCharsets.US_ASCII)),
                    tagged(0x87, InetAddress.getByName("127.0.0.1").getAddress()),
                    tagged(0x87, InetAddress.getByName("::1").getAddress()));
            byte[] extensions = tagged(0xA3, sequence(
                    sequence(oid(BASIC_CONSTRAINTS), tagged(0x01, new byte[] {(byte) 0xFF}), octets(sequence())),
                    sequence(oid(SUBJECT_ALT_NAME), octets(altNames))));
            byte[] tbs = sequence(
                    tagged(0xA0, integer(BigInteger.TWO)),                    // v3
                    integer(new BigInteger(63, RANDOM).add(BigInteger.ONE)),   // positive serial
                    algorithm,
                    name,
                    sequence(time(now.minus(Duration.ofHours(1))), time(now.plus(validity))),
                    name,
                    keys.getPublic().getEncoded(),                            // SubjectPublicKeyInfo
                    extensions);
            Signature signer = Signature.getInstance("SHA256withECDSA");
            signer.initSign(keys.getPrivate(), RANDOM);
            signer.update(tbs);
            byte[] signature = signer.sign();
            byte[] bitString = new byte[signature.length + 1];   // no unused bits
            System.arraycopy(signature, 0, bitString, 1, signature.length);
            byte[] der = sequence(tbs, algorithm, tagged(0x03, bitString));

            X509Certificate certificate = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
            certificate.verify(keys.getPublic());
            return new SelfSigned(certificate, keys.getPrivate());
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("cannot make a self-signed certificate: " + e.getMessage(), e);
        }
    }

    /** The certificate in PEM. */
    String certificatePem() {
        try {
            return pem("CERTIFICATE", certificate.getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The private key in PKCS#8 PEM. */
    String privateKeyPem() {
        return pem("PRIVATE KEY", privateKey.getEncoded());
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    // ---------------------------------------------------------------- DER

    private static byte[] sequence(byte[]... parts) {
        return tagged(0x30, concat(parts));
    }

    private static byte[] set(byte[]... parts) {
        return tagged(0x31, concat(parts));
    }

    private static byte[] integer(BigInteger value) {
        return tagged(0x02, value.toByteArray());
    }

    private static byte[] octets(byte[] value) {
        return tagged(0x04, value);
    }

    private static byte[] utf8(String value) {
        return tagged(0x0C, value.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] time(Instant instant) {
        return tagged(0x17, UTC_TIME.format(instant).getBytes(StandardCharsets.US_ASCII));   // UTCTime, fine until 2049
    }

    private static byte[] oid(String dotted) {
        String[] arcs = dotted.split("\\.");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        base128(out, Long.parseLong(arcs[0]) * 40 + Long.parseLong(arcs[1]));
        for (int i = 2; i < arcs.length; i++) base128(out, Long.parseLong(arcs[i]));
        return tagged(0x06, out.toByteArray());
    }

    private static void base128(ByteArrayOutputStream out, long value) {
        int groups = 1;
        for (long v = value >>> 7; v != 0; v >>>= 7) groups++;
        for (int g = groups - 1; g >= 0; g--) {
            int bits = (int) ((value >>> (7 * g)) & 0x7F);
            out.write(g == 0 ? bits : bits | 0x80);
        }
    }

    private static byte[] tagged(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
        out.write(tag);
        int length = content.length;
        if (length < 0x80) {
            out.write(length);
        } else {
            int bytes = (32 - Integer.numberOfLeadingZeros(length) + 7) / 8;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) out.write(length >>> (8 * i));
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) out.writeBytes(part);
        return out.toByteArray();
    }
}
