package io.kwik.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Reads certificates and private keys from PEM files with the JDK alone.
 *
 * <p>Certificates go through {@link CertificateFactory}, which reads PEM as it is. A private
 * key must be unencrypted PKCS#8 ({@code -----BEGIN PRIVATE KEY-----}); it is tried as RSA,
 * then as EC. Convert an older key with {@code openssl pkcs8 -topk8 -nocrypt}.
 */
final class Pem {

    private static final String PKCS8_BEGIN = "-----BEGIN PRIVATE KEY-----";
    private static final String PKCS8_END = "-----END PRIVATE KEY-----";
    private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC");

    private Pem() {}

    /**
     * Reads every X.509 certificate in {@code file}, in file order (for a chain: leaf first).
     *
     * @throws IOException when the file cannot be read, or holds no certificate or a broken one
     */
    static List<X509Certificate> certificates(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> certificates = new ArrayList<>();
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                certificates.add((X509Certificate) certificate);
            }
            if (certificates.isEmpty()) {
                throw new IOException("no certificate in " + file);
            }
            return List.copyOf(certificates);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read certificates from " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads the unencrypted PKCS#8 private key in {@code file}, RSA or EC.
     *
     * @throws IOException when the file cannot be read or holds no usable PKCS#8 key
     */
    static PrivateKey privateKey(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        int begin = text.indexOf(PKCS8_BEGIN);
        int end = text.indexOf(PKCS8_END);
        if (begin < 0 || end < begin) {
            throw new IOException(file + " holds no '" + PKCS8_BEGIN + "' block; convert the key with "
                    + "'openssl pkcs8 -topk8 -nocrypt -in <key> -out <pkcs8 key>'");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(text.substring(begin + PKCS8_BEGIN.length(), end));
        } catch (IllegalArgumentException e) {
            throw new IOException("bad base64 in " + file + ": " + e.getMessage(), e);
        }
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        List<String> failures = new ArrayList<>();
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (InvalidKeySpecException e) {
                failures.add(algorithm + ": " + e.getMessage());
            } catch (GeneralSecurityException e) {
                throw new IOException("cannot read the private key in " + file + ": " + e.getMessage(), e);
            }
        }
        throw new IOException("the key in " + file + " is neither RSA nor EC " + failures);
    }
}
