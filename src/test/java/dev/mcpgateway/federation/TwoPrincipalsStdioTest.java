package dev.mcpgateway.federation;

import static dev.mcpgateway.testing.SdkClient.result;
import static dev.mcpgateway.testing.SdkClient.step;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.testing.NodePeers;
import dev.mcpgateway.testing.SdkClient;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Two principals call the same stdio backend (server-everything) at once with the official SDK
 * client: one's sampling request, prompt and answer stay with the session whose call caused it.
 */
@QuarkusTest
@WithTestResource(TwoPrincipalsStdioTest.Config.class)
class TwoPrincipalsStdioTest {

    static final String ALICE = "alice-key-0123456789abcdef";
    static final String BOB = "bob-key-0123456789abcdefgh";
    static final int TRIALS = 6;

    public static class Config implements QuarkusTestResourceLifecycleManager {
        java.nio.file.Path config;

        @Override
        public Map<String, String> start() {
            ObjectNode root = new ObjectMapper().createObjectNode();
            root.putObject("auth").putObject("apiKeys").putObject("keys").put("alice", ALICE).put("bob", BOB);
            ObjectNode ev = root.putObject("mcpServers").putObject("ev");
            List<String> cmd = NodePeers.everythingStdioCommand();
            ev.put("command", cmd.get(0));
            ArrayNode args = ev.putArray("args");
            cmd.subList(1, cmd.size()).forEach(args::add);
            config = NodePeers.writeConfig("two-principals-", root);
            return Map.of("mcp-gateway.config-file", config.toString());
        }

        @Override
        public void stop() {
            NodePeers.deleteQuietly(config);
        }
    }

    @TestHTTPResource("/mcp")
    String gateway;

    static String text(JsonNode callResult) {
        StringBuilder sb = new StringBuilder();
        callResult.path("content").forEach(c -> sb.append(c.path("text").asText()));
        return sb.toString();
    }

    @Test
    void aSamplingRequestReachesOnlyTheSessionWhoseCallCausedIt() {
        for (int trial = 0; trial < TRIALS; trial++) {
            ObjectNode alice = SdkClient.scenario();
            alice.putObject("headers").put("X-API-Key", ALICE);
            step(alice, "sleep").put("ms", 300);
            step(alice, "callTool").put("name", "ev__trigger-sampling-request").putObject("arguments").put("prompt",
                    "alice secret " + trial);

            ObjectNode bob = SdkClient.scenario();
            bob.putObject("headers").put("X-API-Key", BOB);
            bob.putObject("capabilities");
            ObjectNode slow = step(bob, "callTool").put("name", "ev__trigger-long-running-operation");
            slow.putObject("arguments").put("duration", 2).put("steps", 2);

            CompletableFuture<JsonNode> bobRun = CompletableFuture.supplyAsync(() -> SdkClient.run(gateway, bob));
            JsonNode aliceReport = SdkClient.run(gateway, alice);
            JsonNode bobReport = bobRun.join();

            assertThat(text(result(aliceReport, 1))).as("trial %d: alice's tool result", trial)
                    .contains("sampled: ").contains("alice secret " + trial);
            assertThat(bobReport.path("serverRequests")).as("trial %d: requests bob's client was asked", trial).isEmpty();
            assertThat(text(result(bobReport, 0))).as("trial %d: bob's tool result", trial).contains("Steps: 2")
                    .doesNotContain("alice");
        }
    }
}
