package io.kwik.examples.echo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import io.kwik.tck.tools.SelfSignedCertificate;
import io.kwik.tck.tools.SelfSignedCertificate.KeyAlgorithm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

final class PemTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(KeyAlgorithm.class)
    void readsTheCertificateAndThePkcs8Key(KeyAlgorithm algorithm) throws IOException {
        SelfSignedCertificate generated = SelfSignedCertificate.generate("localhost", algorithm, Duration.ofHours(1));
        Path certificate = Files.writeString(dir.resolve("cert.pem"), generated.certificatePem());
        Path key = Files.writeString(dir.resolve("key.pem"), generated.privateKeyPem());

        assertThat(Pem.certificates(certificate)).containsExactly(generated.certificate());
        assertThat(Pem.privateKey(key)).isEqualTo(generated.privateKey());
    }

    @Test
    void readsAChainInFileOrder() throws IOException {
        SelfSignedCertificate leaf = SelfSignedCertificate.generate();
        SelfSignedCertificate other = SelfSignedCertificate.generate();
        Path chain = Files.writeString(dir.resolve("chain.pem"), leaf.certificatePem() + other.certificatePem());

        assertThat(Pem.certificates(chain)).containsExactly(leaf.certificate(), other.certificate());
    }

    @Test
    void refusesAKeyThatIsNotPkcs8() throws IOException {
        Path key = Files.writeString(dir.resolve("key.pem"),
                "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");

        assertThatThrownBy(() -> Pem.privateKey(key)).isInstanceOf(IOException.class).hasMessageContaining("openssl pkcs8");
    }

    @Test
    void refusesAFileWithoutCertificates() throws IOException {
        Path empty = Files.writeString(dir.resolve("empty.pem"), "");

        assertThatThrownBy(() -> Pem.certificates(empty)).isInstanceOf(IOException.class);
    }
}
