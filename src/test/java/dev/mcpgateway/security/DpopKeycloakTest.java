package dev.mcpgateway.security;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.mcpgateway.testing.DpopGateway;
import dev.mcpgateway.testing.DpopKey;
import dev.mcpgateway.testing.KeycloakServer;
import dev.mcpgateway.testing.McpResponses;
import dev.mcpgateway.testing.NodePeers;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/**
 * DPoP (RFC 9449) in front of a real Keycloak 26.4 that issues DPoP-bound tokens, and a real
 * server-everything: the official TypeScript SDK client (with a fetch that adds the proofs) gets
 * through; stolen tokens, replayed or mismatched proofs do not.
 */
@QuarkusTest
@WithTestResource(DpopGateway.class)
class DpopKeycloakTest {

    static final String ACCEPT = "application/json, text/event-stream";
    static final String INIT = """
            {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",
             "capabilities":{},"clientInfo":{"name":"dpop-test","version":"1"}}}""";
    static final ObjectMapper MAPPER = new ObjectMapper();

    static DpopKey key;
    static String token;
    static String bearerToken;

    @BeforeAll
    static void tokens() {
        key = new DpopKey();
        JsonNode response = key.passwordToken(kc(), "mcp-dpop", "alice", "alice-password", "mcp:tools");
        assertThat(response.path("token_type").asText()).isEqualToIgnoringCase("DPoP");
        token = response.path("access_token").asText();
        bearerToken = kc().passwordToken("mcp-test", "alice", "alice-password", "mcp:tools");
    }

    static KeycloakServer kc() {
        return DpopGateway.keycloak();
    }

    static RequestSpecification post(String path) {
        return given().basePath(path).header("Accept", ACCEPT).contentType(ContentType.JSON).body(INIT);
    }

    static RequestSpecification dpop(String path, String token, String proof) {
        return post(path).header("Authorization", "DPoP " + token).header("DPoP", proof);
    }

    static RequestSpecification dpop(String path) {
        return dpop(path, token, key.proof("POST", DpopGateway.url(path), token));
    }

    @Test
    void keycloakBindsTheTokenToTheKey() {
        assertThat(KeycloakServer.claims(token).path("cnf").path("jkt").asText()).isEqualTo(key.thumbprint());
        assertThat(KeycloakServer.claims(bearerToken).has("cnf")).isFalse();
    }

    @Test
    void introspectionReportsTheSameBinding() throws Exception {
        // Opaque tokens are checked by RFC 7662 introspection; the binding is then read from the
        // response's cnf.jkt, as from a JWT's claims.
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest
                        .newBuilder(java.net.URI.create(kc().issuer() + "/protocol/openid-connect/token/introspect"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .header("Authorization", "Basic " + java.util.Base64.getEncoder()
                                .encodeToString("mcp-gateway:gateway-secret".getBytes(StandardCharsets.UTF_8)))
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("token=" + token)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        JsonNode introspected = MAPPER.readTree(r.body());
        assertThat(introspected.path("active").asBoolean()).as(r.body()).isTrue();
        assertThat(DpopProofs.boundKey(introspected)).isEqualTo(key.thumbprint());
    }

    @Test
    void metadataAdvertisesDpop() {
        given().get("/.well-known/oauth-protected-resource/mcp").then().statusCode(200)
                .body("dpop_bound_access_tokens_required", equalTo(false))
                .body("dpop_signing_alg_values_supported", equalTo(List.of("ES256", "ES384", "ES512", "RS256", "RS384",
                        "RS512", "PS256", "PS384", "PS512", "EdDSA")));
        given().get("/.well-known/oauth-protected-resource/dpop/mcp").then().statusCode(200)
                .body("resource", equalTo(DpopGateway.url("/dpop/mcp")))
                .body("dpop_bound_access_tokens_required", equalTo(true))
                .body("dpop_signing_alg_values_supported", equalTo(List.of("ES256")));
    }

    @Test
    void challengesNameTheSchemesTheRouteTakes() {
        Response both = post("/mcp").post();
        assertThat(both.statusCode()).isEqualTo(401);
        List<String> challenges = both.headers().getValues("WWW-Authenticate");
        assertThat(challenges).hasSize(2);
        assertThat(challenges.get(0)).startsWith("Bearer resource_metadata=");
        assertThat(challenges.get(1)).startsWith("DPoP algs=\"ES256 ES384 ES512 RS256").contains("resource_metadata=");
        Response only = post("/dpop/mcp").post();
        assertThat(only.statusCode()).isEqualTo(401);
        assertThat(only.headers().getValues("WWW-Authenticate")).containsExactly("DPoP algs=\"ES256\", resource_metadata=\""
                + DpopGateway.url("/.well-known/oauth-protected-resource/dpop/mcp") + "\"");
    }

    @Test
    void validProofsGetThrough() {
        for (String path : List.of("/mcp", "/dpop/mcp")) {
            Response init = dpop(path).post();
            assertThat(init.statusCode()).as(init.asString()).isEqualTo(200);
            String session = init.header("Mcp-Session-Id");
            Response call = dpop(path).header("Mcp-Session-Id", session).header("MCP-Protocol-Version", "2025-06-18")
                    .body("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"everything__echo\","
                            + "\"arguments\":{\"message\":\"hi\"}}}")
                    .post();
            assertThat(call.statusCode()).as(call.asString()).isEqualTo(200);
            JsonNode result = McpResponses.response(call);
            assertThat(result.path("result").path("content").path(0).path("text").asText()).as(result.toString())
                    .contains("hi");
        }
        // Plain bearer tokens still work where DPoP is optional.
        post("/mcp").header("Authorization", "Bearer " + bearerToken).post().then().statusCode(200);
    }

    @Test
    void theTypeScriptSdkClientGetsThroughWithProofs() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(NodePeers.node(), NodePeers.DIR.resolve("dpop-client.mjs").toString(),
                DpopGateway.url("/dpop/mcp")).directory(NodePeers.DIR.toFile()).redirectErrorStream(false);
        pb.environment().put("DPOP_TOKEN", token);
        pb.environment().put("DPOP_JWK", key.privateJwk());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        JsonNode result = parse(out);
        assertThat(result.has("error")).as(out + new String(p.getErrorStream().readAllBytes())).isFalse();
        assertThat(result.path("echo").asText()).contains("bound");
        assertThat(result.path("requests").asInt()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void aStolenTokenIsUselessWithoutTheKey() {
        // As a bearer token: refused, and told to use DPoP.
        Response asBearer = post("/mcp").header("Authorization", "Bearer " + token).post();
        assertThat(asBearer.statusCode()).isEqualTo(401);
        List<String> challenges = asBearer.headers().getValues("WWW-Authenticate");
        assertThat(challenges.get(0)).startsWith("Bearer resource_metadata=").doesNotContain("error=");
        assertThat(challenges.get(1)).startsWith("DPoP ").contains("error=\"invalid_token\"").contains("DPoP-bound");
        // With a proof signed by the thief's own key: the token is not bound to it.
        DpopKey thief = new DpopKey();
        for (String path : List.of("/mcp", "/dpop/mcp")) {
            dpop(path, token, thief.proof("POST", DpopGateway.url(path), token)).post().then().statusCode(401)
                    .header("WWW-Authenticate", containsString("error=\"invalid_token\""))
                    .header("WWW-Authenticate", containsString("cnf.jkt"));
        }
    }

    @Test
    void bearerTokensAreRefusedWhereDpopIsRequired() {
        Response r = post("/dpop/mcp").header("Authorization", "Bearer " + bearerToken).post();
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().getValues("WWW-Authenticate")).singleElement().asString().startsWith("DPoP algs=\"ES256\"")
                .contains("error=\"invalid_token\"");
    }

    @Test
    void aReplayedProofIsRefused() {
        String proof = key.proof("POST", DpopGateway.url("/mcp"), token);
        dpop("/mcp", token, proof).post().then().statusCode(200);
        dpop("/mcp", token, proof).post().then().statusCode(401)
                .header("WWW-Authenticate", containsString("error=\"invalid_dpop_proof\""))
                .header("WWW-Authenticate", containsString("replayed"));
    }

    @Test
    void proofsForAnotherRequestOrTokenOrTimeAreRefused() {
        String url = DpopGateway.url("/mcp");
        long now = System.currentTimeMillis() / 1000;
        String jti = UUID.randomUUID().toString();
        List<List<String>> cases = List.of(
                List.of("htm", key.proof("GET", url, token)),
                List.of("htu", key.proof("POST", DpopGateway.url("/dpop/mcp"), token)),
                List.of("htu", key.proof("POST", "https://elsewhere.example.com/mcp", token)),
                List.of("iat", key.proof("POST", url, token, now - 600, jti)),
                List.of("iat", key.proof("POST", url, token, now + 600, jti)),
                List.of("ath", key.proof("POST", url, bearerToken)),
                List.of("ath", key.proof("POST", url, null, now, UUID.randomUUID().toString())),
                List.of("signature", tampered(key.proof("POST", url, token))));
        for (List<String> c : cases) {
            Response r = dpop("/mcp", token, c.get(1)).post();
            assertThat(r.statusCode()).as(c.get(0)).isEqualTo(401);
            assertThat(r.headers().getValues("WWW-Authenticate")).as(c.get(0))
                    .anySatisfy(h -> assertThat(h).startsWith("DPoP ").contains("error=\"invalid_dpop_proof\""));
        }
        // The query string is not part of htu; a second proof header is refused; so is none at all.
        dpop("/mcp", token, key.proof("POST", url + "?x=1#f", token)).post().then().statusCode(200);
        post("/mcp").header("Authorization", "DPoP " + token).post().then().statusCode(401)
                .header("WWW-Authenticate", containsString("missing DPoP proof"));
        // The route that takes only ES256 refuses other algorithms (a proof's alg is checked first).
        String rs = key.proof("POST", DpopGateway.url("/dpop/mcp"), token);
        String header = "{\"typ\":\"dpop+jwt\",\"alg\":\"RS256\"}";
        String forged = java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString(header.getBytes(StandardCharsets.UTF_8)) + rs.substring(rs.indexOf('.'));
        dpop("/dpop/mcp", token, forged).post().then().statusCode(401)
                .header("WWW-Authenticate", containsString("RS256 is not accepted"));
    }

    /** The proof with one character of its signature changed. */
    private static String tampered(String jws) {
        int i = jws.lastIndexOf('.') + 10;
        return jws.substring(0, i) + (jws.charAt(i) == 'A' ? 'B' : 'A') + jws.substring(i + 1);
    }

    private static JsonNode parse(String out) throws IOException {
        String[] lines = out.strip().split("\n");
        return MAPPER.readTree(lines[lines.length - 1]);
    }
}
