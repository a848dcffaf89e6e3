package dev.mcpgateway.grants;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.jboss.logging.Logger;

/**
 * The two keys of per-user OAuth: one encrypts stored grants (AES-256-GCM, the store key as
 * associated data, so a sealed grant moved under another principal's key does not open), one signs
 * consent links (HMAC-SHA256). Both are derived from the configured secrets, so every replica with
 * the same settings opens what another sealed.
 */
final class GrantKeys {

    private static final Logger LOG = Logger.getLogger(GrantKeys.class);
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKeySpec encryption;
    private final SecretKeySpec signing;
    private final SecureRandom random = new SecureRandom();

    /**
     * @param encryptionKey {@code mcp-gateway.user-oauth.encryption-key}
     * @param signingKey {@code mcp-gateway.signing-key}
     */
    GrantKeys(Optional<String> encryptionKey, Optional<String> signingKey) {
        String enc = encryptionKey.filter(s -> !s.isBlank()).orElse(signingKey.filter(s -> !s.isBlank()).orElse(null));
        String sig = signingKey.filter(s -> !s.isBlank()).orElse(enc);
        if (enc == null) {
            byte[] b = new byte[32];
            random.nextBytes(b);
            enc = sig = B64.encodeToString(b);
            LOG.info("Neither mcp-gateway.user-oauth.encryption-key nor mcp-gateway.signing-key is set: stored grants and"
                    + " consent links use a random key of this process (lost at restart, not shared with other replicas)");
        }
        this.encryption = new SecretKeySpec(derive("mcp-gateway user-oauth grants", enc), "AES");
        this.signing = new SecretKeySpec(derive("mcp-gateway user-oauth links", sig), "HmacSHA256");
    }

    private static byte[] derive(String purpose, String secret) {
        return sha256((purpose + "\0" + secret).getBytes(StandardCharsets.UTF_8));
    }

    static byte[] sha256(byte[] in) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(in);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String digest(String s) {
        return B64.encodeToString(sha256(s.getBytes(StandardCharsets.UTF_8)));
    }

    /** {@code n} random bytes, base64url. */
    String random(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return B64.encodeToString(b);
    }

    /** Encrypts {@code plain}, bound to {@code key}: base64url of nonce and ciphertext. */
    String seal(String key, String plain) {
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            random.nextBytes(nonce);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, encryption, new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(key.getBytes(StandardCharsets.UTF_8));
            byte[] ct = c.doFinal(plain.getBytes(StandardCharsets.UTF_8));
            return B64.encodeToString(ByteBuffer.allocate(nonce.length + ct.length).put(nonce).put(ct).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The plain text of what {@link #seal} gave for {@code key}; null when it does not open (other key, tampered). */
    String open(String key, String sealed) {
        try {
            byte[] all = B64D.decode(sealed);
            if (all.length < NONCE_BYTES + TAG_BITS / 8) {
                return null;
            }
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, encryption, new GCMParameterSpec(TAG_BITS, all, 0, NONCE_BYTES));
            c.updateAAD(key.getBytes(StandardCharsets.UTF_8));
            return new String(c.doFinal(all, NONCE_BYTES, all.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return null;
        }
    }

    /** {@code body.signature}: base64url of {@code payload} and its HMAC. */
    String sign(String payload) {
        String body = B64.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
        return body + "." + B64.encodeToString(mac(body));
    }

    /** The payload of a {@link #sign}ed value, or null when the signature does not match (compared in constant time). */
    String verify(String signed) {
        int dot = signed == null ? -1 : signed.indexOf('.');
        if (dot <= 0) {
            return null;
        }
        String body = signed.substring(0, dot);
        try {
            byte[] given = B64D.decode(signed.substring(dot + 1));
            if (!MessageDigest.isEqual(given, mac(body))) {
                return null;
            }
            return new String(B64D.decode(body), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private byte[] mac(String body) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(signing);
            return m.doFinal(body.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
