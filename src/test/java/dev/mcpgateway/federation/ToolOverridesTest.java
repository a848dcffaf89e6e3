package dev.mcpgateway.federation;

import static dev.mcpgateway.testing.SdkClient.result;
import static dev.mcpgateway.testing.SdkClient.step;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
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

/**
 * Tool overrides through the gateway, with the official TypeScript SDK clients (both eras) against
 * server-everything: listings show the new name, title, description and annotations; calls by the
 * new name reach the upstream's tool and the old name is gone; filters and authorization rules see
 * the name clients see.
 */
@QuarkusTest
@WithTestResource(ToolOverridesTest.Upstream.class)
class ToolOverridesTest {

    static final String ALICE = "alice-key-0123456789";
    static final String BOB = "bob-key-0123456789ab";

    @TestHTTPResource("/mcp")
    URL endpoint;

    public static class Upstream implements QuarkusTestResourceLifecycleManager {
        Process everything;
        Path config;

        @Override
        public Map<String, String> start() {
            int port = NodePeers.freePort();
            everything = NodePeers.startEverythingHttp(port);
            ObjectNode root = new ObjectMapper().createObjectNode();
            ObjectNode auth = root.putObject("auth");
            auth.putObject("apiKeys").putObject("keys").put("alice", ALICE).put("bob", BOB);
            ObjectNode deny = auth.putObject("authorization").put("defaultAction", "allow").putArray("rules").addObject();
            deny.put("cel", "principal == 'apikey:bob'").put("action", "deny").putArray("tools").add("ev__add");
            ObjectNode ev = root.putObject("mcpServers").putObject("ev");
            ev.put("url", "http://127.0.0.1:" + port + "/mcp");
            // Filters see the names clients see: excluding the upstream's name of a renamed tool excludes nothing.
            ev.putArray("excludeTools").add("get-sum").add("gone");
            ObjectNode overrides = ev.putObject("toolOverrides");
            ObjectNode say = overrides.putObject("echo").put("name", "say").put("title", "Say")
                    .put("description", "Repeats what you say.");
            say.putObject("annotations").put("readOnlyHint", true).put("title", "Say it");
            overrides.putObject("get-sum").put("name", "add");
            overrides.putObject("get-env").put("description", "The server's environment.");
            overrides.putObject("get-tiny-image").put("name", "gone");
            config = NodePeers.writeConfig("tool-overrides-", root);
            return Map.of("mcp-gateway.config-file", config.toString());
        }

        @Override
        public void stop() {
            NodePeers.stop(everything);
            NodePeers.deleteQuietly(config);
        }
    }

    private static ObjectNode as(String key) {
        ObjectNode s = SdkClient.scenario();
        s.putObject("headers").put("X-API-Key", key);
        return s;
    }

    @Test
    void listingsShowTheOverrideAndCallsReachTheUpstreamTool() {
        for (boolean modern : new boolean[]{false, true}) {
            ObjectNode s = as(ALICE);
            step(s, "listTools");
            step(s, "callTool").put("name", "ev__say").putObject("arguments").put("message", "hi");
            step(s, "callTool").put("name", "ev__add").putObject("arguments").put("a", 2).put("b", 3);
            step(s, "callTool").put("name", "ev__echo").putObject("arguments").put("message", "old name");
            step(s, "callTool").put("name", "ev__get-sum").putObject("arguments").put("a", 1).put("b", 1);
            JsonNode report = modern ? SdkClient.runV2(endpoint.toString(), s) : SdkClient.run(endpoint.toString(), s);

            JsonNode tools = result(report, 0).path("tools");
            List<String> names = names(tools);
            assertThat(names).as("modern=" + modern).contains("ev__say", "ev__add", "ev__get-env")
                    .doesNotContain("ev__echo", "ev__get-sum", "ev__gone", "ev__get-tiny-image");
            JsonNode say = find(tools, "ev__say");
            assertThat(say.path("title").asText()).isEqualTo("Say");
            assertThat(say.path("description").asText()).isEqualTo("Repeats what you say.");
            assertThat(say.path("annotations").path("readOnlyHint").asBoolean()).isTrue();
            assertThat(say.path("annotations").path("title").asText()).isEqualTo("Say it");
            // The upstream's input schema is kept.
            assertThat(say.path("inputSchema").path("properties").has("message")).isTrue();
            assertThat(find(tools, "ev__get-env").path("description").asText()).isEqualTo("The server's environment.");

            assertThat(result(report, 1).path("content").get(0).path("text").asText()).isEqualTo("Echo: hi");
            assertThat(result(report, 2).path("content").get(0).path("text").asText()).contains("5");
            // The upstream's names are no longer callable.
            for (int i = 3; i <= 4; i++) {
                JsonNode refused = report.path("steps").get(i);
                assertThat(refused.path("ok").asBoolean()).as(refused.toString()).isFalse();
                assertThat(refused.path("error").path("message").asText()).contains("Unknown tool");
            }
        }
    }

    @Test
    void authorizationRulesSeeTheNameClientsSee() {
        ObjectNode s = as(BOB);
        step(s, "listTools");
        step(s, "callTool").put("name", "ev__add").putObject("arguments").put("a", 2).put("b", 3);
        step(s, "callTool").put("name", "ev__say").putObject("arguments").put("message", "bob");
        JsonNode report = SdkClient.run(endpoint.toString(), s);
        assertThat(names(result(report, 0).path("tools"))).contains("ev__say").doesNotContain("ev__add", "ev__get-sum");
        JsonNode refused = report.path("steps").get(1);
        assertThat(refused.path("ok").asBoolean()).isFalse();
        assertThat(refused.path("error").path("message").asText()).contains("not allowed");
        assertThat(result(report, 2).path("content").get(0).path("text").asText()).isEqualTo("Echo: bob");
    }

    private static List<String> names(JsonNode tools) {
        List<String> out = new ArrayList<>();
        tools.forEach(t -> out.add(t.path("name").asText()));
        return out;
    }

    private static JsonNode find(JsonNode tools, String name) {
        for (JsonNode t : tools) {
            if (t.path("name").asText().equals(name)) {
                return t;
            }
        }
        throw new AssertionError("no tool " + name + " in " + tools);
    }
}
