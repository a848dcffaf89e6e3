package dev.mcpgateway.grants;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import org.infinispan.client.hotrod.RemoteCache;
import org.infinispan.client.hotrod.RemoteCacheManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.mcpgateway.testing.ConsentBrowser;
import dev.mcpgateway.testing.GatewayCluster;
import dev.mcpgateway.testing.KeycloakServer;
import dev.mcpgateway.testing.SubjectUpstream;

/**
 * Per-user OAuth on a cluster: two replicas sharing a real Infinispan cluster. Consent completed
 * through one replica serves calls on the other; a consent link used on one is refused on the other;
 * a revocation through one holds on the other; the stored grants are encrypted.
 */
class UserOAuthClusterIT {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String ALICE_KEY = "alice-key-0123456789abcdef";
    private static final String BOB_KEY = "bob-key-0123456789abcdef01";

    static KeycloakServer keycloak;
    static SubjectUpstream upstream;
    static GatewayCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(GatewayCluster.haproxyInstalled(), "HAProxy is not installed");
        // Replicas' ports are picked by the cluster: the realm accepts a callback on any port of 127.0.0.1.
        keycloak = KeycloakServer.start(Map.of("GATEWAY_RESOURCE", "http://127.0.0.1/mcp", "GATEWAY_CALLBACK",
                "http://127.0.0.1:*"), List.of("thirdparty-realm.json"));
        upstream = new SubjectUpstream(keycloak.issuer("thirdparty"));
        cluster = GatewayCluster.start("uoauth", 2, """
                {"auth": {"apiKeys": {"keys": {"alice": "%s", "bob": "%s"}}},
                 "mcpServers": {"secure": {"url": "%s", "auth": {"type": "user_oauth", "issuer": "%s",
                    "clientId": "mcp-gateway-connector", "clientSecret": "connector-secret", "scopes": ["openid"]}}}}"""
                .formatted(ALICE_KEY, BOB_KEY, upstream.url(), keycloak.issuer("thirdparty")), Map.of());
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
        if (upstream != null) {
            upstream.close();
        }
        if (keycloak != null) {
            keycloak.close();
        }
    }

    @Test
    void consentThroughOneReplicaServesCallsOnTheOther() throws Exception {
        String r0 = cluster.replica(0);
        String r1 = cluster.replica(1);
        String session = initialize(r0, ALICE_KEY);
        JsonNode error = call(r0, ALICE_KEY, session).path("error");
        assertThat(error.path("code").asInt()).as(error.toString()).isEqualTo(-32042);
        String link = error.path("data").path("elicitations").get(0).path("url").asText();
        assertThat(link).startsWith(r0 + "/oauth/consent?link=");

        ConsentBrowser browser = new ConsentBrowser("alice", "alice-upstream-password");
        HttpResponse<String> page = browser.open(link);
        assertThat(page.statusCode()).as(browser.visited + page.body()).isEqualTo(200);
        assertThat(browser.visited).anyMatch(v -> v.startsWith("GET " + r0 + "/oauth/callback?"));

        // The same session, and a new one, on the other replica: the grant is in the cluster.
        assertThat(text(call(r1, ALICE_KEY, session))).startsWith("user=alice ");
        assertThat(text(call(r1, ALICE_KEY, initialize(r1, ALICE_KEY)))).startsWith("user=alice ");
        assertThat(call(r1, BOB_KEY, initialize(r1, BOB_KEY)).path("error").path("code").asInt()).isEqualTo(-32042);

        // The link was used on replica 0; replica 1 refuses it too.
        HttpResponse<String> replay = browser.open(r1 + link.substring(link.indexOf("/oauth/consent")));
        assertThat(replay.statusCode()).isEqualTo(410);

        // Encrypted at rest: no token (a JWT starts with eyJ) in the cluster's cache.
        try (RemoteCacheManager rcm = cluster.infinispan().client(0)) {
            RemoteCache<String, String> grants = rcm.getCache("mcp-grants");
            List<String> values = grants.keySet().stream().map(grants::get).filter(v -> v != null).toList();
            assertThat(values).isNotEmpty().noneMatch(v -> v.contains("eyJ"));
        }

        // Revoked through replica 1, refused on replica 0.
        HttpResponse<String> revoked = HTTP.send(HttpRequest.newBuilder(URI.create(r1 + "/oauth/connections/secure"))
                .header("X-API-Key", ALICE_KEY).DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(204);
        assertThat(call(r0, ALICE_KEY, session).path("error").path("code").asInt()).isEqualTo(-32042);
    }

    private static String text(JsonNode response) {
        assertThat(response.has("result")).as(response.toString()).isTrue();
        return response.path("result").path("content").get(0).path("text").asText();
    }

    private static String initialize(String base, String key) throws Exception {
        HttpResponse<String> res = post(base, key, null, """
                {"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25",
                 "capabilities":{"elicitation":{"url":{}}},"clientInfo":{"name":"user-oauth-cluster","version":"1"}}}""");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        String session = res.headers().firstValue("Mcp-Session-Id").orElseThrow();
        post(base, key, session, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        return session;
    }

    private static JsonNode call(String base, String key, String session) throws Exception {
        HttpResponse<String> res = post(base, key, session,
                "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"secure__whoami\"}}");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        return UserOAuthKeycloakTest.message(res);
    }

    private static HttpResponse<String> post(String base, String key, String session, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/mcp")).header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream").header("MCP-Protocol-Version", "2025-11-25")
                .header("X-API-Key", key).POST(HttpRequest.BodyPublishers.ofString(body));
        if (session != null) {
            b.header("Mcp-Session-Id", session);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
