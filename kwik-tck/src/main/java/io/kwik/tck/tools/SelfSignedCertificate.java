package io.kwik.tck.tools;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Objects;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A self-signed certificate for tests and demos, made with BouncyCastle.
 *
 * <p>The certificate names {@code localhost} and {@code 127.0.0.1}/{@code ::1} as subject
 * alternative names, so clients keep hostname verification on.
 *
 * @param certificate the certificate
 * @param privateKey  its private key
 *
 * @since 0.1.0
 */
public record SelfSignedCertificate(X509Certificate certificate, PrivateKey privateKey) {

    /** The key algorithm of a generated certificate. */
    public enum KeyAlgorithm {
        /** An elliptic-curve key on NIST P-256. */
        EC_P256,
        /** A 2048-bit RSA key. */
        RSA_2048
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * Checks the components.
     *
     * @throws NullPointerException when {@code certificate} or {@code privateKey} is null
     */
    public SelfSignedCertificate {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(privateKey, "privateKey");
    }

    /** A fresh RSA-2048 certificate for {@code localhost}, valid for a day. */
    public static SelfSignedCertificate generate() {
        return generate("localhost", KeyAlgorithm.RSA_2048, Duration.ofDays(1));
    }

    /** A fresh certificate for {@code hostName} (plus the loopback addresses). */
    public static SelfSignedCertificate generate(String hostName, KeyAlgorithm algorithm, Duration validity) {
        try {
            KeyPair keys = keyPair(algorithm);
            Instant now = Instant.now();
            X500Name name = new X500Name("CN=" + hostName);
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                    name, new BigInteger(64, RANDOM), Date.from(now.minus(Duration.ofHours(1))),
                    Date.from(now.plus(validity)), name, keys.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.dNSName, hostName),
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                    new GeneralName(GeneralName.iPAddress, "::1")}));
            String signature = algorithm == KeyAlgorithm.RSA_2048 ? "SHA256withRSA" : "SHA256withECDSA";
            X509Certificate certificate = new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder(signature).build(keys.getPrivate())));
            return new SelfSignedCertificate(certificate, keys.getPrivate());
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot generate a self-signed certificate", e);
        }
    }

    /**
     * A fresh EC certificate with the subject {@code subject} (an X.500 name such as
     * {@code "O=Attacker Ltd"}, possibly without any CN) and {@code dnsNames} as its only
     * subject alternative names, valid for a day: for tests of a client's name checks.
     */
    public static SelfSignedCertificate withSubjectAndDnsNames(String subject, List<String> dnsNames) {
        try {
            KeyPair keys = keyPair(KeyAlgorithm.EC_P256);
            Instant now = Instant.now();
            X500Name name = new X500Name(subject);
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                    name, new BigInteger(64, RANDOM), Date.from(now.minus(Duration.ofHours(1))),
                    Date.from(now.plus(Duration.ofDays(1))), name, keys.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            if (!dnsNames.isEmpty()) {
                builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(dnsNames.stream()
                        .map(dns -> new GeneralName(GeneralName.dNSName, dns)).toArray(GeneralName[]::new)));
            }
            X509Certificate certificate = new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
            return new SelfSignedCertificate(certificate, keys.getPrivate());
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot generate a self-signed certificate", e);
        }
    }

    private static KeyPair keyPair(KeyAlgorithm algorithm) throws GeneralSecurityException {
        if (algorithm == KeyAlgorithm.RSA_2048) {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048, RANDOM);
            return generator.generateKeyPair();
        }
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return generator.generateKeyPair();
    }

    /** The chain to serve: just the certificate. */
    public List<X509Certificate> chain() {
        return List.of(certificate);
    }

    /** The certificate in PEM. */
    public String certificatePem() {
        try {
            return pem("CERTIFICATE", certificate.getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The private key in PKCS#8 PEM. */
    public String privateKeyPem() {
        return pem("PRIVATE KEY", privateKey.getEncoded());
    }

    private static String pem(String type, byte[] der) {
        StringWriter out = new StringWriter();
        out.write("-----BEGIN " + type + "-----\n");
        out.write(Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der));
        out.write("\n-----END " + type + "-----\n");
        return out.toString();
    }

}
