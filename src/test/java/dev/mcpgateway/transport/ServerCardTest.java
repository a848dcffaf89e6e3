package dev.mcpgateway.transport;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.testing.NodePeers;
import dev.mcpgateway.testing.SdkClient;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * Server cards (the MCP Server Card extension) of two MCPRoutes, one open and one behind API keys:
 * the AI catalog lists both, each card names its endpoint, revisions and how to authenticate, and
 * what a card announces agrees with what a connected 2026-07-28 client learns by server/discover.
 */
@QuarkusTest
@WithTestResource(ServerCardTest.Upstream.class)
class ServerCardTest {

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final String KEY_PATTERN = "^[a-zA-Z0-9.-]+/[a-zA-Z0-9._-]+$";

    @TestHTTPResource("/mcp")
    String endpoint;

    public static class Upstream implements QuarkusTestResourceLifecycleManager {
        Process everything;
        Path config;

        @Override
        public Map<String, String> start() {
            int port = NodePeers.freePort();
            everything = NodePeers.startEverythingHttp(port);
            try {
                config = Files.createTempFile("server-cards-", ".yaml");
                Files.writeString(config, """
                        apiVersion: aigateway.envoyproxy.io/v1beta1
                        kind: MCPRoute
                        metadata: {name: everything}
                        spec:
                          path: /mcp
                          backendRefs: [{name: ev, kind: Backend, group: gateway.envoyproxy.io}]
                        ---
                        apiVersion: aigateway.envoyproxy.io/v1beta1
                        kind: MCPRoute
                        metadata: {name: team-tools}
                        spec:
                          path: /team/mcp
                          backendRefs: [{name: ev, kind: Backend, group: gateway.envoyproxy.io}]
                          securityPolicy:
                            apiKeyAuth:
                              credentialRefs: [{name: clients}]
                              extractFrom: [{headers: [X-Team-Key]}]
                        ---
                        apiVersion: v1
                        kind: Secret
                        metadata: {name: clients}
                        stringData: {alice: alice-key-0123456789}
                        ---
                        apiVersion: gateway.envoyproxy.io/v1alpha1
                        kind: Backend
                        metadata: {name: ev}
                        spec: {endpoints: [{ip: {address: 127.0.0.1, port: %d}}]}
                        """.formatted(port));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return Map.of("mcp-gateway.config-file", config.toString());
        }

        @Override
        public void stop() {
            NodePeers.stop(everything);
            NodePeers.deleteQuietly(config);
        }
    }

    static JsonNode json(Response r) throws Exception {
        return MAPPER.readTree(r.asString());
    }

    @Test
    void theCatalogListsEveryRoutesCard() throws Exception {
        Response r = given().get("/.well-known/ai-catalog.json");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.contentType()).startsWith("application/ai-catalog+json");
        JsonNode catalog = json(r);
        assertThat(catalog.path("specVersion").asText()).isEqualTo("1.0");
        List<String> urls = new ArrayList<>();
        for (JsonNode e : catalog.path("entries")) {
            assertThat(e.path("type").asText()).isEqualTo("application/mcp-server-card+json");
            assertThat(e.path("identifier").asText()).matches("urn:air:[a-z0-9.-]+:mcp:(everything|team-tools)");
            urls.add(e.path("url").asText());
        }
        assertThat(urls).hasSize(2).anyMatch(u -> u.endsWith("/mcp/server-card"))
                .anyMatch(u -> u.endsWith("/team/mcp/server-card"));
        for (String url : urls) {
            // Every listed card is there.
            assertThat(given().get(java.net.URI.create(url).getPath()).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void anOpenRoutesCardAgreesWithServerDiscover() throws Exception {
        Response r = given().accept("application/mcp-server-card+json").get("/mcp/server-card");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.contentType()).startsWith("application/mcp-server-card+json");
        assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo("*");
        assertThat(r.header("Cache-Control")).contains("public");
        JsonNode card = json(r);
        assertThat(card.path("$schema").asText())
                .isEqualTo("https://static.modelcontextprotocol.io/schemas/v1/server-card.schema.json");
        assertThat(card.path("name").asText()).matches(KEY_PATTERN).endsWith("/everything");
        assertThat(card.path("description").asText()).isNotEmpty().hasSizeLessThanOrEqualTo(100).contains("ev");
        assertThat(card.path("version").asText()).isNotEmpty();
        JsonNode remote = card.path("remotes").get(0);
        assertThat(remote.path("type").asText()).isEqualTo("streamable-http");
        assertThat(remote.path("url").asText()).isEqualTo(endpoint);
        assertThat(remote.has("headers")).as("no credential needed").isFalse();
        assertThat(card.at("/_meta/dev.mcpgateway~1authorization/required").asBoolean()).isFalse();
        JsonNode capabilities = card.at("/_meta/dev.mcpgateway~1capabilities");
        assertThat(capabilities.has("tools")).isTrue();
        assertThat(capabilities.has("prompts")).isTrue();

        // The same facts a connected 2026-07-28 client learns.
        ObjectNode s = SdkClient.scenario();
        SdkClient.step(s, "discover");
        JsonNode discovered = SdkClient.result(SdkClient.runV2(endpoint, s), 0);
        List<String> versions = new ArrayList<>();
        remote.path("supportedProtocolVersions").forEach(v -> versions.add(v.asText()));
        List<String> discoveredVersions = new ArrayList<>();
        discovered.path("supportedVersions").forEach(v -> discoveredVersions.add(v.asText()));
        assertThat(versions).isEqualTo(discoveredVersions).contains("2026-07-28", "2025-11-25");
        assertThat(capabilities).isEqualTo(discovered.path("capabilities"));

        // The well-known location of earlier drafts serves the default route's card.
        assertThat(json(given().get("/.well-known/mcp/server-card.json")).path("name")).isEqualTo(card.path("name"));
    }

    @Test
    void aRouteBehindApiKeysSaysWhichHeaderCarriesTheKey() throws Exception {
        JsonNode card = json(given().get("/team/mcp/server-card"));
        assertThat(card.path("name").asText()).matches(KEY_PATTERN).endsWith("/team-tools");
        JsonNode header = card.at("/remotes/0/headers/0");
        assertThat(header.path("name").asText()).isEqualTo("X-Team-Key");
        assertThat(header.path("isRequired").asBoolean()).isTrue();
        assertThat(header.path("isSecret").asBoolean()).isTrue();
        JsonNode auth = card.at("/_meta/dev.mcpgateway~1authorization");
        assertThat(auth.path("required").asBoolean()).isTrue();
        assertThat(auth.at("/apiKey/headers/0").asText()).isEqualTo("X-Team-Key");
        assertThat(card.toString()).as("no key in a public document").doesNotContain("alice-key");
    }

    @Test
    void cardsRevalidateByETagAndUnknownRoutesAreNotFound() {
        Response first = given().get("/mcp/server-card");
        String etag = first.header("ETag");
        assertThat(etag).startsWith("\"");
        assertThat(given().header("If-None-Match", etag).get("/mcp/server-card").statusCode()).isEqualTo(304);
        assertThat(given().header("If-None-Match", "\"other\"").get("/mcp/server-card").statusCode()).isEqualTo(200);
        assertThat(given().get("/nowhere/server-card").statusCode()).isEqualTo(404);
        Response preflight = given().header("Origin", "https://app.example.com")
                .header("Access-Control-Request-Method", "GET").options("/mcp/server-card");
        assertThat(preflight.statusCode()).isEqualTo(204);
        assertThat(preflight.header("Access-Control-Allow-Methods")).isEqualTo("GET");
    }
}
