package io.kwik.backend.kwik;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * Whether a server certificate names a DNS host, as RFC 6125 section 6 says: the subject
 * alternative dNSNames when there is at least one, else the most specific subject common name;
 * a wildcard only as the whole left-most label of a name with at least three labels, matching
 * exactly one label. agent15's own verifier instead falls back to every subject CN, and with no
 * CN at all that fallback matched any name.
 */
final class DnsIdentity {

    private static final int SAN_DNS_NAME = 2;

    private DnsIdentity() {
    }

    /** True when {@code certificate} is issued for {@code host}, a DNS name (not an IP literal). */
    static boolean matches(X509Certificate certificate, String host) throws CertificateParsingException {
        String name = normalize(host);
        if (name.isEmpty()) return false;
        List<String> dnsNames = dnsNames(certificate);
        if (!dnsNames.isEmpty()) {
            for (String pattern : dnsNames) {
                if (matches(normalize(pattern), name)) return true;
            }
            return false;
        }
        String commonName = mostSpecificCommonName(certificate);
        return commonName != null && matches(normalize(commonName), name);
    }

    /** RFC 6125 6.4: case-insensitive label comparison, a {@code *} label standing for exactly one label. */
    static boolean matches(String pattern, String name) {
        if (pattern.isEmpty()) return false;
        if (!pattern.startsWith("*.")) return !pattern.contains("*") && pattern.equals(name);
        String suffix = pattern.substring(1);
        if (suffix.contains("*") || suffix.chars().filter(c -> c == '.').count() < 2) return false;
        if (!name.endsWith(suffix)) return false;
        String label = name.substring(0, name.length() - suffix.length());
        return !label.isEmpty() && !label.contains(".");
    }

    private static String normalize(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }

    private static List<String> dnsNames(X509Certificate certificate) throws CertificateParsingException {
        Collection<List<?>> names = certificate.getSubjectAlternativeNames();
        List<String> dnsNames = new ArrayList<>();
        if (names == null) return dnsNames;
        for (List<?> name : names) {
            if (name.size() >= 2 && name.get(0) instanceof Integer type && type == SAN_DNS_NAME
                    && name.get(1) instanceof String value) {
                dnsNames.add(value);
            }
        }
        return dnsNames;
    }

    /** The last CN of the subject (the most specific one), or null when there is none. */
    private static String mostSpecificCommonName(X509Certificate certificate) {
        try {
            String commonName = null;
            for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
                // LdapName lists the RDNs from the most significant (index 0) on: the last CN is the most specific
                if (rdn.getType().equalsIgnoreCase("CN") && rdn.getValue() instanceof String value) {
                    commonName = value;
                }
            }
            return commonName;
        } catch (InvalidNameException e) {
            return null;
        }
    }
}
