package dev.mcpgateway.federation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;

class RequestIdsTest {

    static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    final RequestIds ids = new RequestIds("test-secret");

    @Test
    void signedIdVerifiesToWhatItNamesWithTheOriginalIdAsSent() {
        for (JsonNode original : List.of(JSON.numberNode(7), JSON.textNode("7"), JSON.numberNode(Long.MAX_VALUE),
                JSON.numberNode(new java.math.BigInteger("123456789012345678901234567890")), JSON.textNode("é.€.𝄞\u0000"),
                JSON.textNode("mcpgw.nested"))) {
            TextNode id = ids.sign("client-1", "alpha", "up-9", original, "replica-a");

            assertThat(id.asText()).startsWith("mcpgw.");
            RequestIds.Route route = ids.verify("client-1", id);
            assertThat(route).isEqualTo(new RequestIds.Route("alpha", "up-9", original, "replica-a"));
            assertThat(route.originalId().isTextual()).isEqualTo(original.isTextual());
        }
    }

    @Test
    void missingUpstreamSessionAndReplicaBecomeEmpty() {
        RequestIds.Route route = ids.verify("c", ids.sign("c", "alpha", null, JSON.numberNode(1), ""));

        assertThat(route.upstreamSession()).isEmpty();
        assertThat(route.replica()).isEmpty();
    }

    @Test
    void anotherSessionsIdIsRefused() {
        TextNode id = ids.sign("client-1", "alpha", "up", JSON.numberNode(1), "");

        assertThat(ids.verify("client-2", id)).isNull();
        assertThat(ids.verify("", id)).isNull();
    }

    @Test
    void anIdSignedWithAnotherKeyIsRefused() {
        TextNode id = new RequestIds("other-secret").sign("client-1", "alpha", "up", JSON.numberNode(1), "");

        assertThat(ids.verify("client-1", id)).isNull();
        // Without a configured secret each instance has its own random key.
        assertThat(new RequestIds((String) null).verify("client-1",
                new RequestIds((String) null).sign("client-1", "a", "u", JSON.numberNode(1),
                        "")))
                .isNull();
    }

    @Test
    void aTamperedBodyOrMacIsRefused() {
        String id = ids.sign("client-1", "alpha", "up", JSON.numberNode(1), "").asText();
        String body = id.substring("mcpgw.".length(), id.lastIndexOf('.'));
        String mac = id.substring(id.lastIndexOf('.') + 1);
        // Re-aim the reply at another backend, keeping the old MAC.
        String forgedBody = Base64.getUrlEncoder().withoutPadding()
                .encodeToString("[\"beta\",\"up\",1,\"\"]".getBytes(StandardCharsets.UTF_8));

        for (String forged : List.of("mcpgw." + forgedBody + "." + mac, "mcpgw." + body + "." + flip(mac),
                "mcpgw." + flip(body) + "." + mac, "mcpgw." + body + ".", "mcpgw." + body, "mcpgw.." + mac, "mcpgw.",
                "mcpgw", id + "x", id.substring(0, id.length() - 1), id.replace("mcpgw.", "MCPGW."), " " + id)) {
            assertThat(ids.verify("client-1", JSON.textNode(forged))).as(forged).isNull();
        }
    }

    @Test
    void idsThatAreNotSignedStringsAreRefused() {
        for (JsonNode id : List.of(JSON.numberNode(1), JSON.textNode("1"), JSON.nullNode(), JSON.objectNode(),
                JSON.arrayNode().add("mcpgw.x.y"), JSON.textNode(""))) {
            assertThat(ids.verify("client-1", id)).isNull();
        }
        assertThat(ids.verify("client-1", null)).isNull();
    }

    @Test
    void aCorrectlyMacedPayloadOfTheWrongShapeIsRefused() throws Exception {
        // Sign bodies the gateway never issues with the same key, as the gateway would.
        for (String payload : List.of("[]", "[\"a\",\"b\",1]", "{}", "\"x\"", "not json", "[1,2,3,4,5]", "")) {
            String body = Base64.getUrlEncoder().withoutPadding().encodeToString(payload.getBytes(StandardCharsets.UTF_8));
            String id = "mcpgw." + body + "." + hmac("test-secret", "c", body);

            assertThat(ids.verify("c", JSON.textNode(id))).as(payload).isNull();
        }
        // The same construction over a well-formed payload does verify: the MAC above was right.
        String good = Base64.getUrlEncoder().withoutPadding()
                .encodeToString("[\"a\",\"u\",1,\"\"]".getBytes(StandardCharsets.UTF_8));
        assertThat(ids.verify("c", JSON.textNode("mcpgw." + good + "." + hmac("test-secret", "c", good))))
                .isEqualTo(new RequestIds.Route("a", "u", JSON.numberNode(1), ""));
    }

    static String hmac(String secret, String session, String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        mac.update(session.getBytes(StandardCharsets.UTF_8));
        mac.update((byte) 0);
        mac.update(body.getBytes(StandardCharsets.UTF_8));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal());
    }

    @Test
    void deriveIsStableForOneKeyAndDiffersAcrossKeysAndValues() {
        assertThat(ids.derive("route\0alice")).isEqualTo(new RequestIds("test-secret").derive("route\0alice"))
                .isNotEqualTo(ids.derive("route\0bob")).isNotEqualTo(new RequestIds("x").derive("route\0alice"))
                .matches("[A-Za-z0-9_-]{43}");
    }

    static String flip(String s) {
        char c = s.charAt(0);
        return (c == 'A' ? 'B' : 'A') + s.substring(1);
    }
}
