package io.kwik.spi;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509TrustManager;

/**
 * JDK trust and key managers built the same way for every backend. {@link #clientTrust} is the
 * trust manager a backend installs for a client connection: the configured chain check, then
 * {@link ServerIdentity}. Backends hand it to their library as a plain {@link X509TrustManager},
 * so the library calls its two-argument checks and does no name check of its own.
 *
 * @since 0.1.0
 */
public final class TlsManagers {

    private TlsManagers() {
    }

    /**
     * The trust manager for {@code config}: its {@code trustManager}, or a PKIX check anchored at
     * its {@code trustedCertificates}, followed by the server identity check. Not for
     * {@code trustAll} configurations.
     *
     * @throws GeneralSecurityException when the PKIX trust manager cannot be built
     * @throws IllegalArgumentException when {@code config.trustAll()}
     */
    public static X509TrustManager clientTrust(ClientTransportConfig config) throws GeneralSecurityException {
        if (config.trustAll()) throw new IllegalArgumentException("trustAll has no trust manager");
        X509TrustManager chain = config.trustManager() != null ? config.trustManager() : pkix(config.trustedCertificates());
        return identityChecking(chain, config.serverName());
    }

    /** A PKIX trust manager whose only anchors are {@code certificates}. */
    public static X509TrustManager pkix(List<X509Certificate> certificates) throws GeneralSecurityException {
        KeyStore store = emptyStore();
        for (int i = 0; i < certificates.size(); i++) {
            store.setCertificateEntry("trusted-" + i, certificates.get(i));
        }
        return pkix(store);
    }

    /**
     * A PKIX trust manager whose anchors are the certificate entries of {@code trustStore}; with
     * {@code null}, the JDK's default trust store (the {@systemProperty javax.net.ssl.trustStore}
     * when set, else the JDK's {@code cacerts}), as {@code java.net.http.HttpClient} uses.
     */
    public static X509TrustManager pkix(KeyStore trustStore) throws GeneralSecurityException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
        factory.init(trustStore);
        return x509(factory.getTrustManagers());
    }

    /** A key manager that presents {@code chain} (leaf first) and proves it with {@code key}. */
    public static X509ExtendedKeyManager keyManager(PrivateKey key, List<X509Certificate> chain) throws GeneralSecurityException {
        char[] password = "kwik".toCharArray();
        KeyStore store = emptyStore();
        store.setKeyEntry("key", key, password, chain.toArray(X509Certificate[]::new));
        return keyManager(store, password);
    }

    /** A key manager over the key entries of {@code keyStore}, whose keys are protected by {@code password}. */
    public static X509ExtendedKeyManager keyManager(KeyStore keyStore, char[] password) throws GeneralSecurityException {
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(keyStore, password);
        for (KeyManager manager : factory.getKeyManagers()) {
            if (manager instanceof X509ExtendedKeyManager x509) return x509;
        }
        throw new GeneralSecurityException("the key manager factory returned no X509ExtendedKeyManager");
    }

    private static KeyStore emptyStore() throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try {
            store.load(null, null);
        } catch (IOException e) {
            throw new GeneralSecurityException("cannot create an empty key store", e);
        }
        return store;
    }

    /** The first {@link X509TrustManager} among {@code managers}. */
    public static X509TrustManager x509(TrustManager[] managers) throws GeneralSecurityException {
        for (TrustManager manager : managers) {
            if (manager instanceof X509TrustManager x509) return x509;
        }
        throw new GeneralSecurityException("the trust manager factory returned no X509TrustManager");
    }

    /** {@code chain} followed by {@link ServerIdentity#check} of the leaf against {@code serverName}. */
    public static X509TrustManager identityChecking(X509TrustManager chain, String serverName) {
        return new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] certificates, String authType) throws CertificateException {
                chain.checkClientTrusted(certificates, authType);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] certificates, String authType) throws CertificateException {
                chain.checkServerTrusted(certificates, authType);
                if (certificates == null || certificates.length == 0) throw new CertificateException("no server certificate");
                ServerIdentity.check(certificates[0], serverName);
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return chain.getAcceptedIssuers();
            }
        };
    }
}
