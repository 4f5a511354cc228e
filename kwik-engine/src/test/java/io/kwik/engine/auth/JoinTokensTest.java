package io.kwik.engine.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;

class JoinTokensTest {
    private static final SecretKeySpec KEY = new SecretKeySpec(new byte[32], "HmacSHA256");
    private static final long NOW = 1_800_000_000_000L;
    private static final JoinTokens TOKENS = new JoinTokens(KEY, Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC));

    @Test
    void aTokenIsTheHmacOfSessionPathTargetAndExpiry() throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(KEY);
        byte[] expected = mac.doFinal(("00ff|p1|127.0.0.1:4433|" + (NOW + 1)).getBytes(StandardCharsets.UTF_8));
        assertThat(TOKENS.mint("00ff", "p1", "127.0.0.1:4433", NOW + 1)).isEqualTo(expected);
    }

    @Test
    void aFreshTokenPassesItsCheck() {
        byte[] token = TOKENS.mint("00ff", "p1", "127.0.0.1:4433", NOW + 1000);
        assertThat(TOKENS.check("00ff", "p1", "127.0.0.1:4433", NOW + 1000, token)).isNull();
    }

    @Test
    void aTokenForAnotherPathTargetOrSessionIsRefused() {
        byte[] token = TOKENS.mint("00ff", "p1", "127.0.0.1:4433", NOW + 1000);
        assertThat(TOKENS.check("00ff", "p2", "127.0.0.1:4433", NOW + 1000, token)).contains("forged");
        assertThat(TOKENS.check("00ff", "p1", "127.0.0.1:4434", NOW + 1000, token)).contains("forged");
        assertThat(TOKENS.check("00fe", "p1", "127.0.0.1:4433", NOW + 1000, token)).contains("forged");
        assertThat(TOKENS.check("00ff", "p1", "127.0.0.1:4433", NOW + 2000, token)).contains("forged");
    }

    @Test
    void anEmptyOrTruncatedTokenIsRefused() {
        byte[] token = TOKENS.mint("00ff", "p1", "127.0.0.1:4433", NOW + 1000);
        assertThat(TOKENS.check("00ff", "p1", "127.0.0.1:4433", NOW + 1000, new byte[0])).contains("forged");
        assertThat(TOKENS.check("00ff", "p1", "127.0.0.1:4433", NOW + 1000, java.util.Arrays.copyOf(token, 31)))
                .contains("forged");
    }

    @Test
    void aSignedTokenPastItsExpiryIsRefused() {
        byte[] token = TOKENS.mint("00ff", "p1", "127.0.0.1:4433", NOW - 1);
        assertThat(TOKENS.check("00ff", "p1", "127.0.0.1:4433", NOW - 1, token)).contains("expired");
    }

    @Test
    void aTokenSignedWithAnotherKeyIsRefused() {
        JoinTokens other = new JoinTokens(new SecretKeySpec(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, "HmacSHA256"), Clock.systemUTC());
        byte[] token = other.mint("00ff", "p1", "127.0.0.1:4433", NOW + 1000);
        assertThat(TOKENS.check("00ff", "p1", "127.0.0.1:4433", NOW + 1000, token)).contains("forged");
    }
}
