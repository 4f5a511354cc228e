package io.kwik.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;


/** Certificates, keys and trust for the command line, from PEM files or made on the spot. */
final class Credentials {
    private Credentials() {}

    /** A server's certificate chain and key. */
    record Server(List<X509Certificate> chain, PrivateKey key) {}

    /** Reads a certificate chain and its PKCS#8 key. */
    static Server read(Path certificate, Path key) throws CliException {
        try {
            return new Server(Pem.certificates(certificate), Pem.privateKey(key));
        } catch (IOException e) {
            throw new CliException(CliException.USAGE, KwikCli.oneLine(e.getMessage()));
        }
    }

    /** The certificates in the PEM files given with {@code --trust}, in order. */
    static List<X509Certificate> trusted(List<Path> files) throws CliException {
        List<X509Certificate> certificates = new ArrayList<>();
        for (Path file : files) {
            if (!Files.isReadable(file)) throw new CliException(CliException.USAGE, "cannot read the certificate " + file);
            try {
                certificates.addAll(Pem.certificates(file));
            } catch (IOException e) {
                throw new CliException(CliException.USAGE, KwikCli.oneLine(e.getMessage()));
            }
        }
        return certificates;
    }

    /** The JDK's default trust anchors (its {@code cacerts}), for clients given no {@code --trust}. */
    static List<X509Certificate> systemTrust() throws CliException {
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init((KeyStore) null);
            List<X509Certificate> anchors = new ArrayList<>();
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509TrustManager x509) anchors.addAll(List.of(x509.getAcceptedIssuers()));
            }
            if (anchors.isEmpty()) throw new CliException(CliException.USAGE, "the JDK trusts no certificate authority; pass --trust CERT or --insecure");
            return anchors;
        } catch (GeneralSecurityException e) {
            throw new CliException(CliException.USAGE, "cannot load the JDK's trusted certificates: " + e.getMessage());
        }
    }

    /** The HMAC key a server group shares to sign and check join tokens: the bytes of {@code file}, at least 16. */
    static SecretKey groupKey(Path file) throws CliException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new CliException(CliException.USAGE, "cannot read the group key " + file + ": " + KwikCli.oneLine(e.getMessage()));
        }
        if (bytes.length < 16) throw new CliException(CliException.USAGE, "the group key " + file + " is shorter than 16 bytes");
        return new SecretKeySpec(bytes, "HmacSHA256");
    }
}
