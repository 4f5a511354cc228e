package io.kwik.spi;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * Whether a server certificate is issued for the name a client dialed, checked the same way on
 * every backend (RFC 9110 section 4.3.5, RFC 6125 section 6). For an IP literal the leaf must
 * carry an iPAddress subject alternative name equal to it (no CN fallback). For a DNS name: the
 * subject alternative dNSNames when there is at least one, else the most specific subject common
 * name; a wildcard only as the whole left-most label of a name with at least three labels,
 * matching exactly one label. Names are never resolved: only literals (IPv4 dotted quad, anything
 * with {@code :}, {@code [v6]}) are parsed.
 *
 * <p>Backends use it because neither library's own check fits: agent15's verifier never matches
 * an IP address and fell back to every subject CN (with no CN at all it matched any name), and
 * Netty's endpoint identification needs an {@code X509ExtendedTrustManager}, which a
 * user's trust manager need not be.
 *
 * @since 0.1.0
 */
public final class ServerIdentity {

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final int SAN_DNS_NAME = 2;
    private static final int SAN_IP_ADDRESS = 7;

    private ServerIdentity() {
    }

    /**
     * Checks that {@code leaf} is issued for {@code serverName}.
     *
     * @throws CertificateException when it is not, or its names do not parse
     */
    public static void check(X509Certificate leaf, String serverName) throws CertificateException {
        InetAddress address = ipLiteral(serverName);
        if (address != null && !hasIpAddress(leaf, address)) {
            throw new CertificateException("server certificate has no iPAddress subject alternative name "
                    + address.getHostAddress());
        }
        if (address == null && !dnsMatches(leaf, serverName)) {
            throw new CertificateException("server certificate is not issued for " + serverName
                    + " (RFC 6125: subject alternative dNSNames, or the CN when there are none)");
        }
    }

    /**
     * The address {@code serverName} spells, when it is an IPv4 or IPv6 literal (IPv6 possibly in
     * brackets), or {@code null} for a DNS name. Never resolves a name: only literals reach
     * {@link InetAddress#getByName}.
     */
    public static InetAddress ipLiteral(String serverName) {
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

    /** True when {@code certificate} is issued for {@code host}, a DNS name (not an IP literal). */
    public static boolean dnsMatches(X509Certificate certificate, String host) throws CertificateParsingException {
        String name = normalize(host);
        if (name.isEmpty()) return false;
        List<String> dnsNames = names(certificate, SAN_DNS_NAME);
        if (!dnsNames.isEmpty()) {
            for (String pattern : dnsNames) {
                if (dnsMatches(normalize(pattern), name)) return true;
            }
            return false;
        }
        String commonName = mostSpecificCommonName(certificate);
        return commonName != null && dnsMatches(normalize(commonName), name);
    }

    /** RFC 6125 6.4: case-insensitive label comparison, a {@code *} label standing for exactly one label. */
    public static boolean dnsMatches(String pattern, String name) {
        if (pattern.isEmpty()) return false;
        if (!pattern.startsWith("*.")) return !pattern.contains("*") && pattern.equals(name);
        String suffix = pattern.substring(1);
        if (suffix.contains("*") || suffix.chars().filter(c -> c == '.').count() < 2) return false;
        if (!name.endsWith(suffix)) return false;
        String label = name.substring(0, name.length() - suffix.length());
        return !label.isEmpty() && !label.contains(".");
    }

    private static boolean hasIpAddress(X509Certificate certificate, InetAddress address) throws CertificateParsingException {
        for (String value : names(certificate, SAN_IP_ADDRESS)) {
            InetAddress san = ipLiteral(value);
            if (san != null && Arrays.equals(san.getAddress(), address.getAddress())) return true;
        }
        return false;
    }

    private static String normalize(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }

    private static List<String> names(X509Certificate certificate, int type) throws CertificateParsingException {
        Collection<List<?>> all = certificate.getSubjectAlternativeNames();
        List<String> names = new ArrayList<>();
        if (all == null) return names;
        for (List<?> name : all) {
            if (name.size() >= 2 && name.get(0) instanceof Integer t && t == type && name.get(1) instanceof String value) {
                names.add(value);
            }
        }
        return names;
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
