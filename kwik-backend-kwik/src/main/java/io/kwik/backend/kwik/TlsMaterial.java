package io.kwik.backend.kwik;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/** Converts the SPI's certificates and keys into the forms kwik accepts. */
final class TlsMaterial {

    /** The alias of the server's key entry in the in-memory key store. */
    static final String KEY_ALIAS = "kwik-server";

    private TlsMaterial() {
    }

    /** An in-memory PKCS#12 key store holding the server's key and chain under {@link #KEY_ALIAS}. */
    static KeyStore serverKeyStore(PrivateKey key, List<X509Certificate> chain, char[] password)
            throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry(KEY_ALIAS, key, password, chain.toArray(X509Certificate[]::new));
        return store;
    }
}
