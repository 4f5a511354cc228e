package io.kwik.engine.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;

import javax.crypto.Mac;
import javax.crypto.SecretKey;

/**
 * Join tokens for secondary paths (docs/PROTOCOL.md 4.2): HMAC-SHA256, keyed with the key a server
 * group shares, over the UTF-8 bytes of
 *
 * <pre>  sessionIdHex "|" pathId "|" target "|" expiryEpochMillis</pre>
 *
 * where {@code target} is the secondary's {@code host:port} as the primary was given it.
 * Tokens are compared in constant time.
 */
public final class JoinTokens {
    private static final String ALGORITHM = "HmacSHA256";

    private final SecretKey key;
    private final Clock clock;

    public JoinTokens(SecretKey key, Clock clock) {
        this.key = key;
        this.clock = clock;
    }

    /** Signs a join of {@code pathId} at {@code target}, valid until {@code expiryEpochMillis}. */
    public byte[] mint(String sessionId, String pathId, String target, long expiryEpochMillis) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal((sessionId + "|" + pathId + "|" + target + "|" + expiryEpochMillis)
                    .getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable or the key does not fit it", e);
        }
    }

    /**
     * Checks a token.
     *
     * @return null when it is valid, or why it is not
     */
    public String check(String sessionId, String pathId, String target, long expiryEpochMillis, byte[] token) {
        byte[] expected = mint(sessionId, pathId, target, expiryEpochMillis);
        // compare before looking at the expiry, so timing says nothing about which check failed
        boolean signed = MessageDigest.isEqual(expected, token);
        if (!signed) return "join token is missing or forged";
        if (clock.millis() > expiryEpochMillis) return "join token expired";
        return null;
    }
}
