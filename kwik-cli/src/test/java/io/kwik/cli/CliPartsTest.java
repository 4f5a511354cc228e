package io.kwik.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The command line's small parts: URLs, sizes, the JDK-made certificate. */
final class CliPartsTest {

    @Test
    void kwikUrlsParse() throws Exception {
        assertThat(Fetcher.Target.parse("kwik://localhost:4434/a/b%20c.bin"))
                .isEqualTo(new Fetcher.Target("localhost", 4434, "/a/b%20c.bin"));
        assertThat(Fetcher.Target.parse("kwik://localhost:4434/a/b%20c.bin").fileName()).isEqualTo("b c.bin");
        assertThat(Fetcher.Target.parse("KWIK://127.0.0.1/x")).isEqualTo(new Fetcher.Target("127.0.0.1", 4433, "/x"));
        assertThat(Fetcher.Target.parse("kwik://[::1]:9/x")).isEqualTo(new Fetcher.Target("::1", 9, "/x"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "x", "kwik:/x", "kwik://h:0/x", "kwik://h:70000/x", "kwik://h/", "kwik://h", "kwik://h/x?y=1",
        "kwik://h/x#f", "kwik://u@h/x", "https://h/x", "kwik://h:port/x", "kwik://h h/x"})
    void malformedUrlsAreUsageErrors(String url) {
        assertThatThrownBy(() -> Fetcher.Target.parse(url)).isInstanceOfSatisfying(CliException.class, e -> {
            assertThat(e.exitCode()).isEqualTo(CliException.USAGE);
            assertThat(e.getMessage()).startsWith("malformed URL");
        });
    }

    @Test
    void sizesParseAndPrint() {
        assertThat(Sizes.parse("256MiB")).isEqualTo(256L << 20);
        assertThat(Sizes.parse("16M")).isEqualTo(16L << 20);
        assertThat(Sizes.parse("1.5 GiB")).isEqualTo(3L << 29);
        assertThat(Sizes.parse("2KB")).isEqualTo(2000);
        assertThat(Sizes.parse("1234")).isEqualTo(1234);
        assertThatThrownBy(() -> Sizes.parse("lots")).isInstanceOf(IllegalArgumentException.class);
        assertThat(Sizes.bytes(512)).isEqualTo("512 B");
        assertThat(Sizes.bytes(3L << 20)).isEqualTo("3.0 MiB");
        assertThat(Sizes.rate(-1)).isEqualTo("-");
        assertThat(Sizes.rate(1536)).isEqualTo("1.5 KiB/s");
    }

    @Test
    void theJdkMadeCertificateNamesLocalhostAndLoopback() throws Exception {
        SelfSigned made = SelfSigned.generate(Duration.ofDays(2));
        X509Certificate certificate = made.certificate();
        certificate.checkValidity();
        certificate.verify(certificate.getPublicKey());
        assertThat(certificate.getSubjectX500Principal().getName()).isEqualTo("CN=localhost");
        assertThat(certificate.getBasicConstraints()).as("not a CA").isEqualTo(-1);
        assertThat(certificate.getCriticalExtensionOIDs()).contains("2.5.29.19");
        assertThat(certificate.getSubjectAlternativeNames()).extracting(name -> (Object) name.get(1))
                .containsExactly((Object) "localhost", "127.0.0.1", "0:0:0:0:0:0:0:1");
        assertThat(made.certificatePem()).startsWith("-----BEGIN CERTIFICATE-----\n");
        assertThat(made.privateKeyPem()).startsWith("-----BEGIN PRIVATE KEY-----\n");
        assertThat(List.of(made.certificate().getSigAlgName())).containsExactly("SHA256withECDSA");
    }

    @Test
    void terminalSafeEscapesControlAndFormatCharactersOnly() {
        assertThat(Terminal.safe("plain text, ünïcödé, 日本 and a \\ backslash")).isEqualTo("plain text, ünïcödé, 日本 and a \\ backslash");
        assertThat(Terminal.safe("\u001b[2Jx\u0007\r\n\t\u009b\u007f")).isEqualTo("\\x1b[2Jx\\x07\\x0d\\x0a\\x09\\x9b\\x7f");
        assertThat(Terminal.safe("a\u202eb\u2066c\u200bd")).isEqualTo("a\\u202eb\\u2066c\\u200bd");
        assertThat(Terminal.safe(null)).isEmpty();
    }
}
