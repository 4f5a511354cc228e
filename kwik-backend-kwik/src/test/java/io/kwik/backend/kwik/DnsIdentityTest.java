package io.kwik.backend.kwik;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.kwik.tck.tools.SelfSignedCertificate;

/** RFC 6125 name matching, label by label. */
class DnsIdentityTest {

    @Test
    void exactNamesMatchCaseInsensitivelyWithoutTheTrailingDot() {
        assertThat(DnsIdentity.matches("victim.example", "victim.example")).isTrue();
        assertThat(DnsIdentity.matches("attacker.example", "victim.example")).isFalse();
        assertThat(DnsIdentity.matches("", "victim.example")).isFalse();
    }

    @Test
    void aWildcardIsOneWholeLeftMostLabelOfAThreeLabelName() {
        assertThat(DnsIdentity.matches("*.victim.example", "www.victim.example")).isTrue();
        assertThat(DnsIdentity.matches("*.victim.example", "victim.example")).as("no empty label").isFalse();
        assertThat(DnsIdentity.matches("*.victim.example", "a.b.victim.example")).as("one label only").isFalse();
        assertThat(DnsIdentity.matches("*.example", "victim.example")).as("not a public suffix").isFalse();
        assertThat(DnsIdentity.matches("w*.victim.example", "www.victim.example")).as("partial wildcard").isFalse();
        assertThat(DnsIdentity.matches("www.*.example", "www.victim.example")).as("not left-most").isFalse();
    }

    @Test
    void aCertificateWithoutACommonNameMatchesOnlyItsDnsNames() throws Exception {
        var attacker = SelfSignedCertificate.withSubjectAndDnsNames("O=Attacker Ltd", List.of("attacker.example"));
        assertThat(DnsIdentity.matches(attacker.certificate(), "victim.example")).isFalse();
        assertThat(DnsIdentity.matches(attacker.certificate(), "attacker.example")).isTrue();
    }

    @Test
    void theCommonNameCountsOnlyWithoutDnsNames() throws Exception {
        var both = SelfSignedCertificate.withSubjectAndDnsNames("CN=victim.example, O=Attacker Ltd", List.of("attacker.example"));
        assertThat(DnsIdentity.matches(both.certificate(), "victim.example")).isFalse();
        var cnOnly = SelfSignedCertificate.withSubjectAndDnsNames("O=Victim Ltd, CN=victim.example", List.of());
        assertThat(DnsIdentity.matches(cnOnly.certificate(), "victim.example")).isTrue();
        var nothing = SelfSignedCertificate.withSubjectAndDnsNames("O=Nobody", List.of());
        assertThat(DnsIdentity.matches(nothing.certificate(), "victim.example")).isFalse();
    }
}
