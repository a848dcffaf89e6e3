package dev.mcpgateway.config;

import static dev.mcpgateway.testing.SdkClient.result;
import static dev.mcpgateway.testing.SdkClient.step;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.testing.NodePeers;
import dev.mcpgateway.testing.SdkClient;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * examples/mcp-route.yaml runs as written: its MCPRoute, Secret and Backends, with only the two
 * upstream ports changed to ones picked here. "context7" is server-everything on /mcp, "github" a
 * second one answering on /mcp/readonly; the official TypeScript SDK client goes through the gateway.
 */
@QuarkusTest
@WithTestResource(McpRouteExampleTest.ExampleUpstreams.class)
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class McpRouteExampleTest {

    @TestHTTPResource("/mcp")
    String gateway;

    /** As written, the route requires OAuth from its issuer: anonymous clients are sent there. */
    @Test
    @org.junit.jupiter.api.Order(1)
    void asWrittenItChallengesWithTheIssuersMetadata() throws Exception {
        var http = java.net.http.HttpClient.newHttpClient();
        var init = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(gateway))
                .header("Accept", "application/json, text/event-stream").header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                        """
                                {"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},
                                 "clientInfo":{"name":"example-test","version":"1"}}}"""))
                .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(init.statusCode()).isEqualTo(401);
        String challenge = init.headers().firstValue("WWW-Authenticate").orElseThrow();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("resource_metadata=\"([^\"]+)\"").matcher(challenge);
        assertThat(m.find()).as(challenge).isTrue();
        // The pointer names the configured resource (localhost:1975); ask this instance for that path.
        java.net.URI pointer = java.net.URI.create(m.group(1));
        assertThat(pointer.getPath()).startsWith("/.well-known/oauth-protected-resource");
        var metadata = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(gateway).resolve(pointer.getPath()))
                .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(metadata.statusCode()).isEqualTo(200);
        assertThat(metadata.body()).contains("https://auth-server.example.com").contains("profile").contains("email");
        // The route's server card tells a client the same before it connects.
        var card = new com.fasterxml.jackson.databind.ObjectMapper().readTree(http.send(java.net.http.HttpRequest
                .newBuilder(java.net.URI.create(gateway + "/server-card")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body());
        assertThat(card.at("/remotes/0/url").asText()).isEqualTo("http://localhost:1975/mcp");
        assertThat(card.at("/remotes/0/headers/0/name").asText()).isEqualTo("Authorization");
        assertThat(card.at("/_meta/dev.mcpgateway~1authorization/oauth/protectedResourceMetadata").asText())
                .isEqualTo("http://localhost:1975/.well-known/oauth-protected-resource/mcp");
        assertThat(card.at("/_meta/dev.mcpgateway~1authorization/oauth/authorizationServers/0").asText())
                .isEqualTo("https://auth-server.example.com");
    }

    /** Without the OAuth policy (a hot reload of the same file), both backends serve through the route. */
    @Test
    @org.junit.jupiter.api.Order(2)
    void bothBackendsAnswerThroughTheRoute() throws Exception {
        String open = Files.readString(ExampleUpstreams.config).replaceAll(
                "(?m)^  securityPolicy:\\n    oauth:\\n(      .*\\n)+", "");
        assertThat(open).doesNotContain("auth-server.example.com");
        Files.writeString(ExampleUpstreams.config, open);
        var http = java.net.http.HttpClient.newHttpClient();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(15)).until(() -> http.send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(gateway))
                        .header("Accept", "application/json, text/event-stream").header("Content-Type", "application/json")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("""
                                {"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18",
                                 "capabilities":{},"clientInfo":{"name":"example-test","version":"1"}}}"""))
                        .build(),
                java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
        ObjectNode s = SdkClient.scenario();
        // server-everything registers some tools just after initialization; let it finish.
        step(s, "sleep").put("ms", 800);
        step(s, "listTools");
        step(s, "listPrompts");
        step(s, "callTool").put("name", "context7__echo").putObject("arguments").put("message", "via MCPRoute");
        step(s, "callTool").put("name", "github__echo").putObject("arguments").put("message", "filtered");
        JsonNode report = SdkClient.run(gateway, s);

        Set<String> tools = names(result(report, 1).path("tools"));
        assertThat(tools).contains("context7__echo", "context7__get-sum");
        // The github backend's toolSelector only lets pull request and issue tools through.
        assertThat(tools).noneMatch(t -> t.startsWith("github__"));
        Set<String> prompts = names(result(report, 2).path("prompts"));
        assertThat(prompts).anyMatch(p -> p.startsWith("context7__")).anyMatch(p -> p.startsWith("github__"));
        assertThat(result(report, 3).path("content").get(0).path("text").asText()).isEqualTo("Echo: via MCPRoute");
        assertThat(report.path("steps").get(4).path("ok").asBoolean()).isFalse();
    }

    private static Set<String> names(JsonNode items) {
        Set<String> out = new TreeSet<>();
        items.forEach(i -> out.add(i.path("name").asText()));
        return out;
    }

    /** The example's two local upstreams on free ports, and a copy of the example pointing at them. */
    public static class ExampleUpstreams implements QuarkusTestResourceLifecycleManager {

        private Process context7;
        private Process github;
        static volatile Path config;

        @Override
        public Map<String, String> start() {
            int context7Port = NodePeers.freePort();
            int githubPort = NodePeers.freePort();
            context7 = NodePeers.startEverythingHttp(context7Port);
            ProcessBuilder pb = new ProcessBuilder(List.of(NodePeers.node(), "--require", NodePeers.LOCALHOST_SHIM.toString(),
                    "--require", Path.of("examples/readonly-path.cjs").toAbsolutePath().toString(),
                    NodePeers.EVERYTHING.toString(), "streamableHttp")).redirectErrorStream(true);
            pb.environment().put("PORT", Integer.toString(githubPort));
            github = NodePeers.startAndWait(pb, "listening on port", "server-everything:" + githubPort);
            try {
                String example = Files.readString(Path.of("examples/mcp-route.yaml"));
                String pointed = example.replace("${CONTEXT7_PORT:-3001}", Integer.toString(context7Port))
                        .replace("${GITHUB_PORT:-3002}", Integer.toString(githubPort));
                assertThat(pointed).isNotEqualTo(example);
                config = Files.createTempFile("mcp-route-", ".yaml");
                Files.writeString(config, pointed);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.of("mcp-gateway.config-file", config.toString());
        }

        @Override
        public void stop() {
            NodePeers.stop(context7);
            NodePeers.stop(github);
            try {
                if (config != null) {
                    Files.deleteIfExists(config);
                }
            } catch (IOException ignored) {
                // A temp file left behind is harmless.
            }
        }
    }
}
