package io.kwik.api;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509TrustManager;

/** Builds JDK trust and key managers from what the configuration builders were given. */
final class TlsSupport {

    private TlsSupport() {
    }

    /** PKIX over {@code store}'s certificate entries; {@code null} is the JDK's default trust store. */
    static X509TrustManager pkix(KeyStore store) {
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
            factory.init(store);
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509TrustManager x509) return x509;
            }
            throw new IllegalArgumentException("the PKIX trust manager factory returned no X509TrustManager");
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot build a trust manager: " + e.getMessage(), e);
        }
    }

    /** PKIX anchored at {@code certificates} only. */
    static X509TrustManager pkix(List<X509Certificate> certificates) {
        KeyStore store = emptyStore();
        try {
            for (int i = 0; i < certificates.size(); i++) store.setCertificateEntry("trusted-" + i, certificates.get(i));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot store a trusted certificate: " + e.getMessage(), e);
        }
        return pkix(store);
    }

    /** A key manager over the key entries of {@code store}, protected by {@code password}. */
    static X509ExtendedKeyManager keyManager(KeyStore store, char[] password) {
        try {
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(store, password);
            for (KeyManager manager : factory.getKeyManagers()) {
                if (manager instanceof X509ExtendedKeyManager x509) return x509;
            }
            throw new IllegalArgumentException("the key manager factory returned no X509ExtendedKeyManager");
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot build a key manager: " + e.getMessage(), e);
        }
    }

    /** A key manager presenting {@code chain} (leaf first) with {@code key}. */
    static X509ExtendedKeyManager keyManager(PrivateKey key, List<X509Certificate> chain) {
        char[] password = "kwik".toCharArray();
        KeyStore store = emptyStore();
        try {
            store.setKeyEntry("key", key, password, chain.toArray(X509Certificate[]::new));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot store the client key: " + e.getMessage(), e);
        }
        return keyManager(store, password);
    }

    /**
     * The private key and chain of one key entry of {@code store}: {@code alias}, or, when it is
     * null, the only key entry there is.
     */
    static KeyEntry keyEntry(KeyStore store, String alias, char[] password) {
        try {
            String chosen = alias;
            if (chosen == null) {
                List<String> keys = new ArrayList<>();
                for (String name : Collections.list(store.aliases())) if (store.isKeyEntry(name)) keys.add(name);
                if (keys.size() != 1) {
                    throw new IllegalArgumentException("the key store has " + keys.size() + " key entries " + keys
                            + "; name the one to serve");
                }
                chosen = keys.get(0);
            }
            Key key = store.getKey(chosen, password);
            if (!(key instanceof PrivateKey privateKey)) {
                throw new IllegalArgumentException("key store entry " + chosen + " holds no private key");
            }
            Certificate[] chain = store.getCertificateChain(chosen);
            if (chain == null || chain.length == 0) {
                throw new IllegalArgumentException("key store entry " + chosen + " has no certificate chain");
            }
            List<X509Certificate> certificates = new ArrayList<>();
            for (Certificate certificate : chain) {
                if (!(certificate instanceof X509Certificate x509)) {
                    throw new IllegalArgumentException("key store entry " + chosen + " has a non-X.509 certificate");
                }
                certificates.add(x509);
            }
            return new KeyEntry(privateKey, List.copyOf(certificates));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read the key store: " + e.getMessage(), e);
        }
    }

    /** A private key and its chain, leaf first. */
    record KeyEntry(PrivateKey key, List<X509Certificate> chain) {}

    private static KeyStore emptyStore() {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            return store;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot create an in-memory PKCS#12 key store", e);
        }
    }
}
