package dev.mcpgateway.federation;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.TextNode;

import dev.mcpgateway.config.GatewayConfig;
import dev.mcpgateway.jsonrpc.JsonRpcCodec;

/**
 * Ids for requests an upstream sends to the client (sampling, elicitation, roots, ping). The id
 * the client sees carries the backend, the upstream session and the upstream's own id, signed with
 * HMAC-SHA256 over those and the client session: the reply can be routed by any replica without a
 * lookup, and a client cannot aim a reply at another backend or session.
 */
@Singleton
final class RequestIds {

    private static final String PREFIX = "mcpgw.";
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();

    /**
     * What a verified id names. {@code upstreamSession} is "" when the upstream keeps none;
     * {@code replica} is "" when any replica can deliver the answer, else the one that must (it
     * holds the stdio process or SSE connection that asked).
     */
    record Route(String backend, String upstreamSession, JsonNode originalId, String replica) {
    }

    private final byte[] key;
    private final ThreadLocal<Mac> macs = ThreadLocal.withInitial(this::newMac);

    @Inject
    RequestIds(GatewayConfig config) {
        this(config.signingKey().orElse(null));
    }

    RequestIds(String secret) {
        if (secret == null || secret.isBlank()) {
            key = new byte[32];
            new SecureRandom().nextBytes(key);
        } else {
            key = secret.getBytes(StandardCharsets.UTF_8);
        }
    }

    TextNode sign(String clientSession, String backend, String upstreamSession, JsonNode originalId, String replica) {
        ArrayNode payload = JsonRpcCodec.MAPPER.createArrayNode();
        payload.add(backend).add(upstreamSession == null ? "" : upstreamSession).add(originalId).add(replica);
        String body = B64.encodeToString(JsonRpcCodec.writeBytes(payload));
        return TextNode.valueOf(PREFIX + body + "." + mac(clientSession, body));
    }

    /** Null when the id was not issued by this gateway for this session (unknown or forged). */
    Route verify(String clientSession, JsonNode id) {
        if (id == null || !id.isTextual() || !id.asText().startsWith(PREFIX)) {
            return null;
        }
        String text = id.asText().substring(PREFIX.length());
        int dot = text.lastIndexOf('.');
        if (dot <= 0) {
            return null;
        }
        String body = text.substring(0, dot);
        byte[] expected = mac(clientSession, body).getBytes(StandardCharsets.US_ASCII);
        byte[] given = text.substring(dot + 1).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, given)) {
            return null;
        }
        try {
            JsonNode payload = JsonRpcCodec.MAPPER.readTree(B64D.decode(body));
            if (payload == null || !payload.isArray() || payload.size() != 4) {
                return null;
            }
            return new Route(payload.get(0).asText(), payload.get(1).asText(), payload.get(2), payload.get(3).asText());
        } catch (IllegalArgumentException | java.io.IOException e) {
            return null;
        }
    }

    /** A stable, unguessable name for {@code value} (the same on every replica sharing the key). */
    String derive(String value) {
        return mac("derive", value);
    }

    private String mac(String clientSession, String body) {
        // doFinal resets the Mac for the next use, keeping its key.
        Mac mac = macs.get();
        mac.update(clientSession.getBytes(StandardCharsets.UTF_8));
        mac.update((byte) 0);
        mac.update(body.getBytes(StandardCharsets.UTF_8));
        return B64.encodeToString(mac.doFinal());
    }

    /** A keyed Mac for the calling thread: looking one up and keying it costs more than using it. */
    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac;
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
