package io.kwik.backend.kwik;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.kwik.spi.ServerIdentity;
import io.kwik.tck.tools.SelfSignedCertificate;

/** RFC 6125 name matching, label by label. */
class DnsIdentityTest {

    @Test
    void exactNamesMatchCaseInsensitivelyWithoutTheTrailingDot() {
        assertThat(ServerIdentity.dnsMatches("victim.example", "victim.example")).isTrue();
        assertThat(ServerIdentity.dnsMatches("attacker.example", "victim.example")).isFalse();
        assertThat(ServerIdentity.dnsMatches("", "victim.example")).isFalse();
    }

    @Test
    void aWildcardIsOneWholeLeftMostLabelOfAThreeLabelName() {
        assertThat(ServerIdentity.dnsMatches("*.victim.example", "www.victim.example")).isTrue();
        assertThat(ServerIdentity.dnsMatches("*.victim.example", "victim.example")).as("no empty label").isFalse();
        assertThat(ServerIdentity.dnsMatches("*.victim.example", "a.b.victim.example")).as("one label only").isFalse();
        assertThat(ServerIdentity.dnsMatches("*.example", "victim.example")).as("not a public suffix").isFalse();
        assertThat(ServerIdentity.dnsMatches("w*.victim.example", "www.victim.example")).as("partial wildcard").isFalse();
        assertThat(ServerIdentity.dnsMatches("www.*.example", "www.victim.example")).as("not left-most").isFalse();
    }

    @Test
    void aCertificateWithoutACommonNameMatchesOnlyItsDnsNames() throws Exception {
        var attacker = SelfSignedCertificate.withSubjectAndDnsNames("O=Attacker Ltd", List.of("attacker.example"));
        assertThat(ServerIdentity.dnsMatches(attacker.certificate(), "victim.example")).isFalse();
        assertThat(ServerIdentity.dnsMatches(attacker.certificate(), "attacker.example")).isTrue();
    }

    @Test
    void theCommonNameCountsOnlyWithoutDnsNames() throws Exception {
        var both = SelfSignedCertificate.withSubjectAndDnsNames("CN=victim.example, O=Attacker Ltd", List.of("attacker.example"));
        assertThat(ServerIdentity.dnsMatches(both.certificate(), "victim.example")).isFalse();
        var cnOnly = SelfSignedCertificate.withSubjectAndDnsNames("O=Victim Ltd, CN=victim.example", List.of());
        assertThat(ServerIdentity.dnsMatches(cnOnly.certificate(), "victim.example")).isTrue();
        var nothing = SelfSignedCertificate.withSubjectAndDnsNames("O=Nobody", List.of());
        assertThat(ServerIdentity.dnsMatches(nothing.certificate(), "victim.example")).isFalse();
    }
}
