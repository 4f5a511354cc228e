package io.kwik.backend.netty;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.quic.QuicTokenHandler;

/**
 * QUIC Retry tokens (RFC 9000 8.1.2) signed with a key only this server knows: an HMAC-SHA256
 * over the client's address and port, an expiry time and the client's original destination
 * connection id. A client that cannot receive at its source address never gets a token, so a
 * flood of spoofed Initials costs the server no connection state. Netty's
 * {@code InsecureQuicTokenHandler} signs nothing, which anyone can forge.
 *
 * <p>Layout: MAC (32 bytes), expiry in epoch milliseconds (8), original connection id (0-20).
 * Used on the server's event loop only.
 */
final class RetryTokens implements QuicTokenHandler {

    /** How long a token is accepted: a client uses it at once, one round trip later. */
    static final Duration LIFETIME = Duration.ofSeconds(10);

    private static final int MAC_LENGTH = 32;
    private static final int HEADER_LENGTH = MAC_LENGTH + Long.BYTES;
    private static final int MAX_CONNECTION_ID_LENGTH = 20;

    private final Mac mac;

    RetryTokens() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        try {
            mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }

    @Override
    public boolean writeToken(ByteBuf out, ByteBuf dcid, InetSocketAddress address) {
        long expiry = System.currentTimeMillis() + LIFETIME.toMillis();
        byte[] id = new byte[dcid.readableBytes()];
        dcid.getBytes(dcid.readerIndex(), id);
        out.writeBytes(sign(address, expiry, id));
        out.writeLong(expiry);
        out.writeBytes(id);
        return true;
    }

    @Override
    public int validateToken(ByteBuf token, InetSocketAddress address) {
        int length = token.readableBytes();
        if (length < HEADER_LENGTH || length > HEADER_LENGTH + MAX_CONNECTION_ID_LENGTH) return -1;
        int start = token.readerIndex();
        byte[] signature = new byte[MAC_LENGTH];
        token.getBytes(start, signature);
        long expiry = token.getLong(start + MAC_LENGTH);
        byte[] id = new byte[length - HEADER_LENGTH];
        token.getBytes(start + HEADER_LENGTH, id);
        if (expiry < System.currentTimeMillis()) return -1;
        if (!MessageDigest.isEqual(signature, sign(address, expiry, id))) return -1;
        return HEADER_LENGTH;
    }

    @Override
    public int maxTokenLength() {
        return HEADER_LENGTH + MAX_CONNECTION_ID_LENGTH;
    }

    private byte[] sign(InetSocketAddress address, long expiry, byte[] connectionId) {
        byte[] ip = address.getAddress() == null ? new byte[0] : address.getAddress().getAddress();
        mac.update(ip);
        mac.update(ByteBuffer.allocate(Integer.BYTES + Long.BYTES).putInt(address.getPort()).putLong(expiry).flip());
        mac.update(connectionId);
        return mac.doFinal();
    }
}
