package dev.mcpgateway.federation;

import static dev.mcpgateway.testing.SdkClient.result;
import static dev.mcpgateway.testing.SdkClient.step;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.testing.CacheUpstream;
import dev.mcpgateway.testing.NodePeers;
import dev.mcpgateway.testing.SdkClient;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The tool result cache through the gateway (mcp-servers.json), with the official TypeScript SDK
 * clients against an upstream whose tools count their calls: an answer with the same count again
 * came from the cache; the next count proves how often the upstream was called.
 */
@QuarkusTest
@WithTestResource(ResultCacheTest.Config.class)
class ResultCacheTest {

    static final String ALICE = "alice-key-0123456789abcdef";
    static final String BOB = "bob-key-0123456789abcdefgh";

    public static class Config implements QuarkusTestResourceLifecycleManager {
        CacheUpstream upstream;
        Process everything;
        Path config;

        @Override
        public Map<String, String> start() {
            upstream = CacheUpstream.start();
            int everythingPort = NodePeers.freePort();
            everything = NodePeers.startEverythingHttp(everythingPort);
            ObjectNode root = new ObjectMapper().createObjectNode();
            root.putObject("auth").putObject("apiKeys").putObject("keys").put("alice", ALICE).put("bob", BOB);
            ObjectNode servers = root.putObject("mcpServers");
            ObjectNode mine = servers.putObject("mine").put("url", upstream.url()).putObject("cache");
            mine.put("ttl", "60s");
            mine.putArray("tools").add("read_only_counter");
            servers.putObject("shared").put("url", upstream.url()).putObject("cache").put("ttl", "60s").put("scope",
                    "shared");
            ObjectNode brief = servers.putObject("brief").put("url", upstream.url()).putObject("cache");
            brief.put("ttl", "60s").putObject("toolTtl").put("read_counter", "800ms");
            servers.putObject("nocache").put("url", upstream.url()).putObject("cache").putArray("exclude")
                    .add("read_counter");
            servers.putObject("plain").put("url", upstream.url());
            // An override renames a tool and promises what the upstream did not: the promise counts.
            ObjectNode over = servers.putObject("over").put("url", upstream.url());
            over.putObject("cache");
            over.putObject("toolOverrides").putObject("plain_counter").put("name", "counted").putObject("annotations")
                    .put("readOnlyHint", true).put("idempotentHint", true);
            // The configuration names a tool whose answer depends on what the client is asked.
            servers.putObject("ev").put("url", "http://127.0.0.1:" + everythingPort + "/mcp").putObject("cache")
                    .putArray("tools").add("trigger-elicitation-request");
            config = NodePeers.writeConfig("result-cache-", root);
            return Map.of("mcp-gateway.config-file", config.toString());
        }

        @Override
        public void stop() {
            NodePeers.deleteQuietly(config);
            NodePeers.stop(everything);
            if (upstream != null) {
                upstream.close();
            }
        }
    }

    @TestHTTPResource("/mcp")
    String gateway;

    static ObjectNode as(String key) {
        ObjectNode s = SdkClient.scenario();
        s.putObject("headers").put("X-API-Key", key);
        s.putObject("capabilities");
        return s;
    }

    static ObjectNode call(ObjectNode scenario, String tool, String key) {
        ObjectNode args = step(scenario, "callTool").put("name", tool).putObject("arguments");
        args.put("key", key);
        return args;
    }

    static String text(JsonNode result) {
        return result.path("content").get(0).path("text").asText();
    }

    @Test
    void aReadOnlyIdempotentToolIsCalledOnceAndOtherToolsEveryTime() {
        ObjectNode s = as(ALICE);
        // Argument order and nesting do not matter: the key is canonical.
        ObjectNode first = call(s, "mine__read_counter", "k1");
        first.putObject("opts").put("b", 2).put("a", 1);
        ObjectNode second = step(s, "callTool").put("name", "mine__read_counter").putObject("arguments");
        second.putObject("opts").put("a", 1).put("b", 2);
        second.put("key", "k1");
        call(s, "mine__read_counter", "k2");
        call(s, "mine__plain_counter", "k1");
        call(s, "mine__plain_counter", "k1");
        call(s, "mine__failing_read", "k1");
        call(s, "mine__failing_read", "k1");
        // Not idempotent, but the configuration names it.
        call(s, "mine__read_only_counter", "k1");
        call(s, "mine__read_only_counter", "k1");
        // The same tool of a backend whose policy excludes it, and of one without a policy.
        call(s, "nocache__read_counter", "k1");
        call(s, "nocache__read_counter", "k1");
        call(s, "plain__read_counter", "k1");
        call(s, "plain__read_counter", "k1");
        JsonNode report = SdkClient.run(gateway, s);

        String a = text(result(report, 0));
        assertThat(text(result(report, 1))).as("served from the cache").isEqualTo(a);
        int n = CacheUpstream.count(a);
        assertThat(CacheUpstream.count(text(result(report, 2)))).as("the upstream was called once for both").isEqualTo(n + 1);
        assertThat(CacheUpstream.count(text(result(report, 4)))).as("a tool without annotations")
                .isEqualTo(CacheUpstream.count(text(result(report, 3))) + 1);
        assertThat(result(report, 5).path("isError").asBoolean()).isTrue();
        assertThat(CacheUpstream.count(text(result(report, 6)))).as("an isError result")
                .isEqualTo(CacheUpstream.count(text(result(report, 5))) + 1);
        assertThat(text(result(report, 8))).as("a tool the configuration names").isEqualTo(text(result(report, 7)));
        assertThat(CacheUpstream.count(text(result(report, 10)))).as("an excluded tool")
                .isEqualTo(CacheUpstream.count(text(result(report, 9))) + 1);
        assertThat(CacheUpstream.count(text(result(report, 12)))).as("a backend without a cache policy")
                .isEqualTo(CacheUpstream.count(text(result(report, 11))) + 1);
    }

    @Test
    void scopePrincipalKeepsCallersApartAndScopeSharedDoesNot() {
        ObjectNode alice = as(ALICE);
        call(alice, "mine__read_counter", "who");
        call(alice, "shared__read_counter", "who");
        String aliceMine = text(result(SdkClient.run(gateway, alice), 0));
        JsonNode aliceReport = SdkClient.run(gateway, alice);

        ObjectNode bob = as(BOB);
        call(bob, "mine__read_counter", "who");
        call(bob, "shared__read_counter", "who");
        JsonNode bobReport = SdkClient.run(gateway, bob);

        assertThat(text(result(aliceReport, 0))).as("alice again, in a new session").isEqualTo(aliceMine);
        assertThat(text(result(bobReport, 0))).as("bob's own entry").isNotEqualTo(aliceMine);
        assertThat(text(result(bobReport, 1))).as("a shared entry").isEqualTo(text(result(aliceReport, 1)));
    }

    @Test
    void anEntryLapsesAfterItsTtl() {
        ObjectNode s = as(ALICE);
        call(s, "brief__read_counter", "ttl");
        call(s, "brief__read_counter", "ttl");
        step(s, "sleep").put("ms", 1200);
        call(s, "brief__read_counter", "ttl");
        JsonNode report = SdkClient.run(gateway, s);
        assertThat(text(result(report, 1))).isEqualTo(text(result(report, 0)));
        assertThat(text(result(report, 3))).as("after 800ms the upstream is called again")
                .isNotEqualTo(text(result(report, 0)));
    }

    @Test
    void aNewEraClientLearnsTheEntrysRemainingLife() {
        ObjectNode s = as(ALICE);
        call(s, "shared__read_counter", "modern");
        step(s, "sleep").put("ms", 300);
        call(s, "shared__read_counter", "modern");
        call(s, "mine__read_counter", "modern");
        call(s, "mine__plain_counter", "modern");
        JsonNode report = SdkClient.runV2(gateway, s);
        assertThat(report.path("protocolVersion").asText()).isEqualTo("2026-07-28");
        JsonNode stored = result(report, 0);
        JsonNode hit = result(report, 2);
        assertThat(text(hit)).isEqualTo(text(stored));
        assertThat(stored.path("ttlMs").asLong()).isEqualTo(60_000);
        assertThat(hit.path("ttlMs").asLong()).isBetween(1L, 59_700L);
        assertThat(hit.path("cacheScope").asText()).isEqualTo("public");
        assertThat(result(report, 3).path("cacheScope").asText()).isEqualTo("private");
        assertThat(result(report, 4).has("ttlMs")).as("a result that is not cached").isFalse();
    }

    @Test
    void aResultMadeAfterAskingTheClientIsNotCached() {
        String[] answers = new String[2];
        for (int i = 0; i < 2; i++) {
            ObjectNode s = SdkClient.scenario();
            s.putObject("headers").put("X-API-Key", ALICE);
            s.putObject("elicitationResponse").put("name", i == 0 ? "Ada" : "Grace");
            step(s, "callTool").put("name", "ev__trigger-elicitation-request").putObject("arguments");
            answers[i] = result(SdkClient.run(gateway, s), 0).path("content").toString();
        }
        assertThat(answers[0]).contains("Ada");
        assertThat(answers[1]).as("the second client's own answer, not the first one's").contains("Grace")
                .doesNotContain("Ada");
    }

    @Test
    void aToolOverrideRenamesACachedToolAndItsAnnotationsCount() {
        ObjectNode s = as(ALICE);
        call(s, "over__counted", "renamed");
        call(s, "over__counted", "renamed");
        JsonNode report = SdkClient.run(gateway, s);
        assertThat(text(result(report, 0))).startsWith("plain_counter #");
        assertThat(text(result(report, 1))).isEqualTo(text(result(report, 0)));
    }
}
