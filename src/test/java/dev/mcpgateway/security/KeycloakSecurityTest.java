package dev.mcpgateway.security;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.mcpgateway.config.RouteConfig;
import dev.mcpgateway.federation.RouteTable;
import dev.mcpgateway.testing.KeycloakGateway;
import dev.mcpgateway.testing.KeycloakServer;
import dev.mcpgateway.testing.McpResponses;
import dev.mcpgateway.testing.NodePeers;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/**
 * The gateway as an OAuth 2.1 resource server in front of a real Keycloak: discovery, token checks,
 * scopes, per-tool rules, API keys, session binding, CORS and upstream credentials.
 */
@QuarkusTest
@WithTestResource(KeycloakGateway.class)
class KeycloakSecurityTest {

    static final String ACCEPT = "application/json, text/event-stream";
    static final String INIT = """
            {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",
             "capabilities":{},"clientInfo":{"name":"security-test","version":"1"}}}""";

    @Inject
    UpstreamCredentials upstreamCredentials;
    @Inject
    TokenValidator validator;
    @Inject
    RouteTable routes;

    static KeycloakServer kc() {
        return KeycloakGateway.keycloak();
    }

    static String alice(String scope) {
        return kc().passwordToken("mcp-test", "alice", "alice-password", scope);
    }

    static String bob(String scope) {
        return kc().passwordToken("mcp-test", "bob", "bob-password", scope);
    }

    static RequestSpecification mcp() {
        return given().basePath("/mcp").header("Accept", ACCEPT).contentType(ContentType.JSON);
    }

    static RequestSpecification bearer(String token) {
        return mcp().header("Authorization", "Bearer " + token);
    }

    static String initialize(RequestSpecification spec) {
        return spec.body(INIT).post().then().statusCode(200).extract().header("Mcp-Session-Id");
    }

    static JsonNode call(RequestSpecification spec, String session, String method, String params) {
        Response r = spec.header("Mcp-Session-Id", session).header("MCP-Protocol-Version", "2025-06-18")
                .body("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"" + method + "\",\"params\":" + params + "}").post();
        assertThat(r.statusCode()).as(r.asString()).isEqualTo(200);
        return McpResponses.response(r);
    }

    static List<String> names(JsonNode result, String field) {
        List<String> out = new ArrayList<>();
        result.path("result").path(field).forEach(t -> out.add(t.path("name").asText()));
        return out;
    }

    static String metadataUrl() {
        return KeycloakGateway.resource().replace("/mcp", "/.well-known/oauth-protected-resource/mcp");
    }

    // ---- discovery ----------------------------------------------------------------------------

    @Test
    void noTokenGets401PointingAtTheMetadata() {
        mcp().body(INIT).post().then().statusCode(401)
                .header("WWW-Authenticate", equalTo("Bearer resource_metadata=\"" + metadataUrl() + "\", scope=\"mcp:tools\""))
                .body("error.code", equalTo(-32600));
        given().get("/mcp").then().statusCode(401).header("WWW-Authenticate", startsWith("Bearer resource_metadata="));
        given().delete("/mcp").then().statusCode(401);
    }

    @Test
    void protectedResourceMetadataDescribesTheRoute() {
        for (String path : List.of("/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource")) {
            given().get(path).then().statusCode(200).contentType(ContentType.JSON)
                    .body("resource", equalTo(KeycloakGateway.resource()))
                    .body("authorization_servers", equalTo(List.of(kc().issuer())))
                    .body("scopes_supported", equalTo(List.of("mcp:tools")))
                    .body("bearer_methods_supported", equalTo(List.of("header")))
                    .body("resource_name", equalTo("MCP gateway (test)"))
                    .body("resource_documentation", equalTo("https://example.com/docs"));
        }
        // The URL in the challenge is the one served.
        given().get(metadataUrl()).then().statusCode(200).body("resource", equalTo(KeycloakGateway.resource()));
    }

    @Test
    void olderClientsFindTheAuthorizationServerAtTheGateway() {
        for (String path : List.of("/.well-known/oauth-authorization-server", "/.well-known/openid-configuration",
                "/.well-known/oauth-authorization-server/mcp")) {
            given().get(path).then().statusCode(200).body("issuer", equalTo(kc().issuer()))
                    .body("token_endpoint", equalTo(kc().tokenEndpoint()))
                    .body("authorization_endpoint", startsWith(kc().issuer()));
        }
    }

    @Test
    void corsForBrowserClients() {
        given().header("Origin", "https://app.example.com").header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization, content-type, mcp-session-id")
                .options("/mcp").then().statusCode(204)
                .header("Access-Control-Allow-Origin", "https://app.example.com")
                .header("Access-Control-Allow-Headers", containsString("Mcp-Session-Id"))
                .header("Access-Control-Allow-Methods", containsString("POST"));
        given().header("Origin", "https://app.example.com").get("/.well-known/oauth-protected-resource/mcp").then()
                .statusCode(200).header("Access-Control-Allow-Origin", "https://app.example.com")
                .header("Access-Control-Expose-Headers", containsString("WWW-Authenticate"))
                .header("Access-Control-Expose-Headers", containsString("Mcp-Session-Id"))
                .header("Access-Control-Expose-Headers", containsString("MCP-Protocol-Version"));
        given().header("Origin", "https://evil.example.com").header("Access-Control-Request-Method", "POST")
                .options("/mcp").then().statusCode(403)
                .header("Access-Control-Allow-Origin", org.hamcrest.Matchers.nullValue());
    }

    // ---- tokens -------------------------------------------------------------------------------

    @Test
    void validTokenOpensASession() {
        String session = initialize(bearer(alice("mcp:tools")));
        JsonNode ping = call(bearer(alice("mcp:tools")), session, "ping", "{}");
        assertThat(ping.has("result")).as(ping.toString()).isTrue();
    }

    @Test
    void badTokensGet401InvalidTokenNeverA500() {
        String good = alice("mcp:tools");
        String[] parts = good.split("\\.");
        char c = parts[2].charAt(10);
        String badSignature = parts[0] + "." + parts[1] + "." + parts[2].substring(0, 10) + (c == 'A' ? 'B' : 'A')
                + parts[2].substring(11);
        String none = b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + parts[1] + ".";
        JsonNode claims = KeycloakServer.claims(good);
        String otherIssuer = parts[0] + "." + b64(((com.fasterxml.jackson.databind.node.ObjectNode) claims.deepCopy())
                .put("iss", "http://127.0.0.1:1/realms/other").toString()) + "." + parts[2];
        String otherAudience = kc().passwordToken("other-app", "alice", "alice-password", "mcp:tools");
        assertThat(KeycloakServer.audiences(otherAudience)).doesNotContain(KeycloakGateway.resource());
        String huge = "a".repeat(100 * 1024);
        Map<String, String> cases = Map.of(
                "signature", badSignature,
                "alg none", none,
                "issuer", otherIssuer,
                "audience", otherAudience,
                "100 KB", huge,
                "not a JWT", "opaque-but-unknown-token",
                "two parts", parts[0] + "." + parts[1]);
        cases.forEach((name, token) -> bearer(token).body(INIT).post().then().log().ifValidationFails()
                .statusCode(401).header("WWW-Authenticate", containsString("error=\"invalid_token\""))
                .header("WWW-Authenticate", containsString("resource_metadata=\"" + metadataUrl() + "\"")));
        for (String header : List.of("Basic YWxpY2U6cGFzc3dvcmQ=", "Bearer", "Bearer ", "bearer  ", "Token abc",
                "Bearer a.b.c.d.e", "Bearer \u00e9t\u00e9")) {
            mcp().header("Authorization", header).body(INIT).post().then().log().ifValidationFails().statusCode(401)
                    .header("WWW-Authenticate", startsWith("Bearer resource_metadata="));
        }
    }

    @Test
    void expiredTokenGets401() {
        String shortLived = kc().passwordToken("mcp-short", "alice", "alice-password", "mcp:tools");
        Awaitility.await().atMost(15, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(500))
                .until(() -> bearer(shortLived).body(INIT).post().statusCode() == 401);
        bearer(shortLived).body(INIT).post().then().statusCode(401)
                .header("WWW-Authenticate", containsString("error=\"invalid_token\""))
                .header("WWW-Authenticate", containsString("expired"));
    }

    @Test
    void missingScopeGets403WithTheScope() {
        bearer(alice(null)).body(INIT).post().then().statusCode(403)
                .header("WWW-Authenticate", containsString("error=\"insufficient_scope\""))
                .header("WWW-Authenticate", containsString("scope=\"mcp:tools\""));
    }

    @Test
    void clientCredentialsTokensWork() {
        String agent = kc().clientToken("mcp-agent", "agent-secret", "mcp:tools");
        initialize(bearer(agent));
    }

    @Test
    void typescriptSdkClientDoesItsOwnOAuth() throws Exception {
        NodePeers.requireInstalled();
        Process p = new ProcessBuilder(NodePeers.node(), "--input-type=module", "-", KeycloakGateway.resource(), "mcp-agent",
                "agent-secret", "mcp:tools").directory(NodePeers.DIR.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        try (var in = getClass().getResourceAsStream("/keycloak/sdk-oauth-client.mjs"); var out = p.getOutputStream()) {
            in.transferTo(out);
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        JsonNode result = new com.fasterxml.jackson.databind.ObjectMapper().readTree(output);
        assertThat(result.has("error")).as(output).isFalse();
        assertThat(result.path("unauthorized").asInt()).as("started without a token").isGreaterThanOrEqualTo(1);
        assertThat(result.path("challenge").asText()).contains("resource_metadata=\"" + metadataUrl() + "\"");
        assertThat(result.path("tokenIssuer").asText()).isEqualTo(kc().issuer());
        assertThat(result.path("tokenAudience").toString()).contains(KeycloakGateway.resource());
        List<String> tools = new ArrayList<>();
        result.path("tools").forEach(t -> tools.add(t.asText()));
        assertThat(tools).contains("up__echo", "up__read").doesNotContain("up__admin", "cc__echo");
    }

    // ---- per-tool rules -----------------------------------------------------------------------

    @Test
    void deniedToolsVanishFromLists() {
        String alice = alice("mcp:tools");
        List<String> aliceTools = names(call(bearer(alice), initialize(bearer(alice)), "tools/list", "{}"), "tools");
        assertThat(aliceTools).containsExactlyInAnyOrder("up__echo", "up__read", "up__deploy", "up__transfer");
        String bob = bob("mcp:tools");
        List<String> bobTools = names(call(bearer(bob), initialize(bearer(bob)), "tools/list", "{}"), "tools");
        assertThat(bobTools).containsExactlyInAnyOrder("up__echo", "up__read", "up__transfer");
        String admin = alice("mcp:tools mcp:admin");
        assertThat(names(call(bearer(admin), initialize(bearer(admin)), "tools/list", "{}"), "tools"))
                .contains("up__admin");
        assertThat(names(call(bearer(alice), initialize(bearer(alice)), "prompts/list", "{}"), "prompts"))
                .containsExactly("up__greet");
    }

    @Test
    void deniedCallsAreRefused() {
        String bob = bob("mcp:tools");
        String session = initialize(bearer(bob));
        assertThat(call(bearer(bob), session, "tools/call", "{\"name\":\"up__echo\",\"arguments\":{}}")
                .path("result").path("content").get(0).path("text").asText()).isEqualTo("called echo");
        // No scope would help bob: a JSON-RPC error.
        JsonNode deploy = call(bearer(bob), session, "tools/call", "{\"name\":\"up__deploy\",\"arguments\":{}}");
        assertThat(deploy.path("error").path("code").asInt()).as(deploy.toString()).isEqualTo(-32003);
        // A scope would: 403 and a step-up challenge.
        bearer(bob).header("Mcp-Session-Id", session).header("MCP-Protocol-Version", "2025-06-18")
                .body("{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/call\",\"params\":{\"name\":\"up__admin\",\"arguments\":{}}}")
                .post().then().statusCode(403)
                .header("WWW-Authenticate", containsString("error=\"insufficient_scope\""))
                .header("WWW-Authenticate", containsString("mcp:admin"))
                .body("error.code", equalTo(-32003));
        String admin = alice("mcp:tools mcp:admin");
        String adminSession = initialize(bearer(admin));
        assertThat(call(bearer(admin), adminSession, "tools/call", "{\"name\":\"up__admin\",\"arguments\":{}}")
                .path("result").isObject()).isTrue();
    }

    @Test
    void celRuleLooksAtTheArguments() {
        String alice = alice("mcp:tools");
        String session = initialize(bearer(alice));
        JsonNode small = call(bearer(alice), session, "tools/call",
                "{\"name\":\"up__transfer\",\"arguments\":{\"amount\":50}}");
        assertThat(small.path("result").path("content").get(0).path("text").asText()).isEqualTo("called transfer");
        JsonNode large = call(bearer(alice), session, "tools/call",
                "{\"name\":\"up__transfer\",\"arguments\":{\"amount\":5000}}");
        assertThat(large.path("error").path("code").asInt()).as(large.toString()).isEqualTo(-32003);
    }

    @Test
    void resourceRuleMatchesAClaim() {
        String alice = alice("mcp:tools");
        String session = initialize(bearer(alice));
        JsonNode read = call(bearer(alice), session, "resources/read", "{\"uri\":\"mcpgw://up/test://doc\"}");
        assertThat(read.path("result").path("contents").get(0).path("text").asText()).as(read.toString())
                .isEqualTo("the doc");
        // An API-key caller has no such claim.
        RequestSpecification key = mcp().header("X-API-Key", KeycloakGateway.API_KEY);
        String keySession = initialize(key);
        JsonNode refused = call(mcp().header("X-API-Key", KeycloakGateway.API_KEY), keySession, "resources/read",
                "{\"uri\":\"mcpgw://up/test://doc\"}");
        assertThat(refused.path("error").path("code").asInt()).as(refused.toString()).isEqualTo(-32003);
    }

    // ---- API keys and session binding ---------------------------------------------------------

    @Test
    void apiKeyAcceptedAndRejected() {
        String session = initialize(mcp().header("X-API-Key", KeycloakGateway.API_KEY));
        JsonNode tools = call(mcp().header("X-API-Key", KeycloakGateway.API_KEY), session, "tools/list", "{}");
        assertThat(names(tools, "tools")).contains("up__echo");
        mcp().header("X-API-Key", KeycloakGateway.API_KEY + "x").body(INIT).post().then().statusCode(401)
                .header("WWW-Authenticate", containsString("invalid_token"))
                .body(not(containsString(KeycloakGateway.API_KEY)));
        mcp().header("X-API-Key", "").body(INIT).post().then().statusCode(401);
    }

    @Test
    void sessionOfAnotherPrincipalIsNotFound() {
        String alice = alice("mcp:tools");
        String session = initialize(bearer(alice));
        bearer(bob("mcp:tools")).header("Mcp-Session-Id", session).header("MCP-Protocol-Version", "2025-06-18")
                .body("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}").post().then().statusCode(404);
        mcp().header("X-API-Key", KeycloakGateway.API_KEY).header("Mcp-Session-Id", session)
                .header("MCP-Protocol-Version", "2025-06-18")
                .body("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}").post().then().statusCode(404);
        bearer(bob("mcp:tools")).header("Mcp-Session-Id", session).delete().then().statusCode(404);
        // Without credentials: 401 before any session is looked at.
        mcp().header("Mcp-Session-Id", session).body("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}").post()
                .then().statusCode(401);
        // Still alice's: a new token of hers works.
        assertThat(call(bearer(alice("mcp:tools")), session, "tools/list", "{}").has("result")).isTrue();
    }

    // ---- upstream credentials -----------------------------------------------------------------

    @Test
    void upstreamsGetObtainedTokensNeverTheClientsOwn() {
        String aliceToken = alice("mcp:tools");
        Principal alice = validator.validate(route().security().oauth(), aliceToken).toCompletionStage()
                .toCompletableFuture().join();
        assertThat(alice.name()).isEqualTo(kc().issuer() + "#" + KeycloakServer.claims(aliceToken).path("sub").asText());

        Map<String, String> cc = headers("cc", alice);
        String ccToken = cc.get("Authorization").substring("Bearer ".length());
        assertThat(ccToken).isNotEqualTo(aliceToken);
        assertThat(KeycloakServer.claims(ccToken).path("azp").asText()).isEqualTo("mcp-gateway");
        assertThat(KeycloakServer.audiences(ccToken)).contains("upstream-api");
        assertThat(headers("cc", alice).get("Authorization")).as("cached").isEqualTo(cc.get("Authorization"));

        Map<String, String> tx = headers("tx", alice);
        String txToken = tx.get("Authorization").substring("Bearer ".length());
        assertThat(txToken).isNotEqualTo(aliceToken);
        assertThat(KeycloakServer.claims(txToken).path("sub").asText())
                .isEqualTo(KeycloakServer.claims(aliceToken).path("sub").asText());
        assertThat(KeycloakServer.audiences(txToken)).contains("upstream-api").doesNotContain(KeycloakGateway.resource());

        assertThat(headers("pass", alice)).containsEntry("Authorization", "Bearer " + aliceToken);
        Map<String, String> plain = headers("up", alice);
        assertThat(plain).doesNotContainKey("Authorization").containsEntry("X-User", "alice");

        // Through the gateway, the upstream never sees the caller's token on a backend without passthrough.
        String session = initialize(bearer(aliceToken));
        call(bearer(aliceToken), session, "tools/call", "{\"name\":\"up__echo\",\"arguments\":{}}");
        assertThat(RecordingUpstream.AUTHORIZATIONS).anyMatch(a -> a.startsWith("/up "))
                .filteredOn(a -> !a.startsWith("/pass "))
                .noneMatch(a -> a.contains(aliceToken.substring(aliceToken.length() - 40)));
        // Opening her session reached every backend with what it is owed: a client-credentials token,
        // a token exchanged for her (audience upstream-api), and her own token only where passed through.
        assertThat(RecordingUpstream.AUTHORIZATIONS).filteredOn(a -> a.startsWith("/cc Bearer ")).anySatisfy(a -> assertThat(
                KeycloakServer.claims(a.substring("/cc Bearer ".length())).path("azp").asText()).isEqualTo("mcp-gateway"));
        assertThat(RecordingUpstream.AUTHORIZATIONS).filteredOn(a -> a.startsWith("/tx Bearer ")).anySatisfy(a -> {
            String exchanged = a.substring("/tx Bearer ".length());
            assertThat(exchanged).isNotEqualTo(aliceToken);
            assertThat(KeycloakServer.audiences(exchanged)).contains("upstream-api");
            assertThat(KeycloakServer.claims(exchanged).path("sub").asText())
                    .isEqualTo(KeycloakServer.claims(aliceToken).path("sub").asText());
        });
        assertThat(RecordingUpstream.AUTHORIZATIONS).contains("/pass Bearer " + aliceToken);
    }

    private RouteConfig route() {
        return routes.route("/mcp").config();
    }

    private Map<String, String> headers(String backend, Principal p) {
        RouteConfig route = route();
        return upstreamCredentials.headers(route, route.backend(backend), p).toCompletionStage().toCompletableFuture()
                .join();
    }

    static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
