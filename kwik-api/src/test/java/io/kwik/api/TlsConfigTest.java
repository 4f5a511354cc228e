package io.kwik.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;

import javax.net.ssl.X509TrustManager;

import org.junit.jupiter.api.Test;

/**
 * How the configuration builders turn JDK objects into trust and key managers. The key store
 * {@code tls-test.p12} (password {@code changeit}) holds two self-signed EC entries made with
 * keytool: {@code server} (CN=localhost) and {@code stranger}.
 */
class TlsConfigTest {

    private static final char[] PASSWORD = "changeit".toCharArray();

    private static KeyStore store() throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = TlsConfigTest.class.getResourceAsStream("tls-test.p12")) {
            store.load(in, PASSWORD);
        }
        return store;
    }

    private static X509Certificate certificate(String alias) throws Exception {
        return (X509Certificate) store().getCertificate(alias);
    }

    @Test
    void withoutTrustConfiguredTheJdkDefaultTrustStoreDecides() {
        ClientConfig config = ClientConfig.builder().build();

        assertThat(config.trustManager()).isPresent();
        assertThat(config.trustedCertificates()).isEmpty();
        assertThat(config.insecureTrustAll()).isFalse();
    }

    @Test
    void trustedCertificatesAreTheOnlyAnchors() throws Exception {
        X509TrustManager trust = ClientConfig.builder().trustedCertificates(List.of(certificate("server"))).build()
                .trustManager().orElseThrow();

        trust.checkServerTrusted(new X509Certificate[] {certificate("server")}, "ECDHE_ECDSA");
        assertThatThrownBy(() -> trust.checkServerTrusted(new X509Certificate[] {certificate("stranger")}, "ECDHE_ECDSA"))
                .isInstanceOf(CertificateException.class);
    }

    @Test
    void aTrustStoreTrustsItsEntries() throws Exception {
        KeyStore trustStore = KeyStore.getInstance("PKCS12");
        trustStore.load(null, null);
        trustStore.setCertificateEntry("server", certificate("server"));
        X509TrustManager trust = ClientConfig.builder().trustStore(trustStore).build().trustManager().orElseThrow();

        trust.checkServerTrusted(new X509Certificate[] {certificate("server")}, "ECDHE_ECDSA");
        assertThatThrownBy(() -> trust.checkServerTrusted(new X509Certificate[] {certificate("stranger")}, "ECDHE_ECDSA"))
                .isInstanceOf(CertificateException.class);
    }

    @Test
    void aGivenTrustManagerIsUsedAsIs() throws Exception {
        X509TrustManager mine = ClientConfig.builder().trustedCertificates(List.of(certificate("server"))).build()
                .trustManager().orElseThrow();

        assertThat(ClientConfig.builder().trustManager(mine).build().trustManager()).containsSame(mine);
    }

    @Test
    void twoTrustSourcesAreRefused() throws Exception {
        X509Certificate server = certificate("server");
        KeyStore trustStore = KeyStore.getInstance("PKCS12");
        trustStore.load(null, null);

        assertThatThrownBy(() -> ClientConfig.builder().trustedCertificates(List.of(server)).trustStore(trustStore).build())
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void insecureTrustAllHasNoTrustManager() {
        assertThat(ClientConfig.builder().insecureTrustAll().build().trustManager()).isEmpty();
    }

    @Test
    void aClientCertificateBecomesAKeyManager() throws Exception {
        KeyStore store = store();
        PrivateKey key = (PrivateKey) store.getKey("server", PASSWORD);

        ClientConfig config = ClientConfig.builder().clientCertificate(List.of(certificate("server")), key).build();

        var manager = config.clientKeyManager().orElseThrow();
        String alias = manager.chooseClientAlias(new String[] {"EC"}, null, null);
        assertThat(manager.getCertificateChain(alias)).containsExactly(certificate("server"));
        assertThat(ClientConfig.builder().build().clientKeyManager()).isEmpty();
    }

    @Test
    void aServerKeyEntryIsReadFromAKeyStore() throws Exception {
        ServerConfig config = ServerConfig.builder().keyStore(store(), "server", PASSWORD).build();

        assertThat(config.certificateChain()).containsExactly(certificate("server"));
        assertThat(config.privateKey()).isEqualTo(store().getKey("server", PASSWORD));
        assertThat(config.clientTrust()).isEmpty();
    }

    @Test
    void aStoreWithTwoKeysNeedsAnAlias() {
        assertThatThrownBy(() -> ServerConfig.builder().keyStore(store(), null, PASSWORD))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 key entries");
    }

    @Test
    void keyStoreAndPemMaterialAreExclusive() throws Exception {
        PrivateKey key = (PrivateKey) store().getKey("server", PASSWORD);

        assertThatThrownBy(() -> ServerConfig.builder().keyStore(store(), "server", PASSWORD)
                .certificateChain(List.of(certificate("server"))).privateKey(key).build())
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void requiredClientCertificatesAreCheckedAgainstTheirAnchors() throws Exception {
        ServerConfig config = ServerConfig.builder().keyStore(store(), "server", PASSWORD)
                .requireClientCertificates(List.of(certificate("stranger"))).build();

        X509TrustManager trust = config.clientTrust().orElseThrow();
        trust.checkClientTrusted(new X509Certificate[] {certificate("stranger")}, "ECDHE_ECDSA");
        assertThatThrownBy(() -> trust.checkClientTrusted(new X509Certificate[] {certificate("server")}, "ECDHE_ECDSA"))
                .isInstanceOf(CertificateException.class);
    }

    @Test
    void tlsIsItsOwnLocalErrorCode() {
        KwikTlsException failure = new KwikTlsException("refused", null);

        assertThat(failure.code()).isEqualTo(ErrorCode.TLS);
        assertThat(ErrorCode.fromCode(15)).isEqualTo(ErrorCode.TLS);
    }
}
