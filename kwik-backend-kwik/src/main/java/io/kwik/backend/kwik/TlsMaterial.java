package io.kwik.backend.kwik;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** Converts the SPI's certificates and keys into the forms kwik accepts, and checks IP identities. */
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

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final int SAN_IP_ADDRESS = 7;

    /**
     * The address {@code serverName} spells, when it is an IPv4 or IPv6 literal (IPv6 possibly in
     * brackets), or {@code null} for a DNS name. Never resolves a name: only literals reach
     * {@link InetAddress#getByName}.
     */
    static InetAddress ipLiteral(String serverName) {
        String name = serverName.startsWith("[") && serverName.endsWith("]")
                ? serverName.substring(1, serverName.length() - 1) : serverName;
        if (!name.contains(":") && !IPV4.matcher(name).matches()) {
            return null;
        }
        try {
            return InetAddress.getByName(name);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /**
     * A trust manager that checks the chain with {@code pkix} and then the server's identity,
     * as RFC 9110 section 4.3.5 and RFC 6125 require. For an IP literal the leaf certificate
     * must carry an iPAddress subject alternative name equal to it (no CN fallback); for a DNS
     * name see {@link DnsIdentity}. Used instead of agent15's hostname verifier, which never
     * matches an IP address and accepted a certificate without a CN for any DNS name.
     */
    static X509TrustManager identityChecking(X509TrustManager pkix, String serverName) {
        InetAddress address = ipLiteral(serverName);
        return new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                pkix.checkClientTrusted(chain, authType);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                pkix.checkServerTrusted(chain, authType);
                if (chain == null || chain.length == 0) throw new CertificateException("no server certificate");
                if (address != null && !hasIpAddress(chain[0], address)) {
                    throw new CertificateException("server certificate has no iPAddress subject alternative name "
                            + address.getHostAddress());
                }
                if (address == null && !DnsIdentity.matches(chain[0], serverName)) {
                    throw new CertificateException("server certificate is not issued for " + serverName
                            + " (RFC 6125: subject alternative dNSNames, or the CN when there are none)");
                }
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return pkix.getAcceptedIssuers();
            }
        };
    }

    private static boolean hasIpAddress(X509Certificate certificate, InetAddress address) throws CertificateParsingException {
        Collection<List<?>> names = certificate.getSubjectAlternativeNames();
        if (names == null) {
            return false;
        }
        for (List<?> name : names) {
            if (name.size() >= 2 && name.get(0) instanceof Integer type && type == SAN_IP_ADDRESS
                    && name.get(1) instanceof String value) {
                InetAddress san = ipLiteral(value);
                if (san != null && Arrays.equals(san.getAddress(), address.getAddress())) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A PKIX trust manager whose only anchors are {@code certificates}. */
    static X509TrustManager trustManager(List<X509Certificate> certificates) throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        for (int i = 0; i < certificates.size(); i++) {
            store.setCertificateEntry("trusted-" + i, certificates.get(i));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
        factory.init(store);
        for (var manager : factory.getTrustManagers()) {
            if (manager instanceof X509TrustManager x509) {
                return x509;
            }
        }
        throw new GeneralSecurityException("PKIX trust manager factory returned no X509TrustManager");
    }
}
