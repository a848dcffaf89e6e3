package dev.mcpgateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.mcpgateway.jsonrpc.ErrorCodes;
import dev.mcpgateway.testing.GatewayCluster;
import dev.mcpgateway.testing.McpHttp;
import dev.mcpgateway.testing.NodePeers;

/**
 * A limit of N calls per minute per principal on one tool holds across two replicas behind HAProxy
 * (round robin per request) on a two-node Infinispan cluster: of 3N calls exactly N succeed, the
 * rest carry the error and its retry hint, another principal and another tool are not affected.
 */
class RateLimitClusterIT {

    static final int N = 10;
    static final String ALICE = "alice-key-0123456789abcdef";
    static final String BOB = "bob-key-0123456789abcdefgh";
    static final ObjectMapper JSON = new ObjectMapper();

    static Process everything;
    static GatewayCluster cluster;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(GatewayCluster.haproxyInstalled(), "HAProxy is not installed");
        int port = NodePeers.freePort();
        everything = NodePeers.startEverythingHttp(port);
        String config = """
                {"auth": {"apiKeys": {"keys": {"alice": "%s", "bob": "%s"}}},
                 "rateLimits": [{"name": "echo-per-user", "match": {"tools": ["echo"]},
                                 "limit": {"requests": %d, "period": "1m"}, "key": "principal"}],
                 "mcpServers": {"ev": {"url": "http://127.0.0.1:%d/mcp"}}}""".formatted(ALICE, BOB, N, port);
        cluster = GatewayCluster.start("ratelimit", 2, config, Map.of());
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
        NodePeers.stop(everything);
    }

    record Answer(String replica, JsonNode body) {
    }

    static Answer call(String key, String session, String tool, String arguments) throws Exception {
        HttpResponse<String> r = HTTP.send(McpHttp.request(URI.create(cluster.lb()), "2025-06-18")
                .header("Content-Type", "application/json").header("X-API-Key", key).header("Mcp-Session-Id", session)
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"%s","arguments":%s}}"""
                        .formatted(tool, arguments)))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        String body = r.body();
        if (!body.startsWith("{")) {
            body = body.lines().filter(l -> l.startsWith("data:")).reduce((a, b) -> b).orElseThrow().substring(5).trim();
        }
        return new Answer(r.headers().firstValue("Mcp-Gateway-Replica").orElse("?"), JSON.readTree(body));
    }

    static String initialize(String key) throws Exception {
        HttpResponse<String> init = HTTP.send(McpHttp.request(URI.create(cluster.lb()), "2025-06-18")
                .header("Content-Type", "application/json").header("X-API-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18",
                         "capabilities":{},"clientInfo":{"name":"rate-limit-it","version":"1"}}}"""))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(init.statusCode()).isEqualTo(200);
        String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
        HTTP.send(McpHttp.request(URI.create(cluster.lb()), "2025-06-18").header("Content-Type", "application/json")
                .header("X-API-Key", key).header("Mcp-Session-Id", session)
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"))
                .build(), HttpResponse.BodyHandlers.discarding());
        return session;
    }

    static double allowed(int replica) throws Exception {
        String metrics = HTTP.send(HttpRequest.newBuilder(URI.create(cluster.replica(replica) + "/q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("mcp_gateway_rate_limit_requests_total\\{counted=\"store\",decision=\"allowed\","
                + "route=\"default\",rule=\"echo-per-user\"} ([0-9.E]+)").matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    @Test
    void threeTimesTheLimitRoundRobinExactlyTheLimitSucceedsClusterWide() throws Exception {
        // All 3N calls in one window: start early in a minute.
        long intoMinute = System.currentTimeMillis() % 60_000;
        if (intoMinute > 20_000) {
            Thread.sleep(60_000 - intoMinute + 200);
        }
        String alice = initialize(ALICE);
        int ok = 0;
        Map<String, Integer> okBy = new HashMap<>();
        Map<String, Integer> limitedBy = new HashMap<>();
        long start = System.nanoTime();
        for (int i = 0; i < 3 * N; i++) {
            Answer a = call(ALICE, alice, "ev__echo", "{\"message\":\"m" + i + "\"}");
            if (a.body().has("result")) {
                assertThat(a.body().path("result").path("content").toString()).contains("m" + i);
                ok++;
                okBy.merge(a.replica(), 1, Integer::sum);
            } else {
                JsonNode error = a.body().path("error");
                assertThat(error.path("code").asInt()).as(a.body().toString()).isEqualTo(ErrorCodes.RATE_LIMITED);
                assertThat(error.path("data").path("retryAfterSeconds").asLong()).isBetween(1L, 60L);
                limitedBy.merge(a.replica(), 1, Integer::sum);
            }
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("rate-limit cluster: %d calls in %d ms; allowed by replica %s, limited by replica %s%n", 3 * N,
                millis, okBy, limitedBy);
        assertThat(ok).as("exactly N (the documented tolerance is 0 here: every replica keeps receiving calls)")
                .isEqualTo(N);
        assertThat(okBy.keySet()).as("both replicas admitted calls: one shared counter").containsExactlyInAnyOrder("r0",
                "r1");
        assertThat(limitedBy.keySet()).as("and both refused calls").containsExactlyInAnyOrder("r0", "r1");
        assertThat(allowed(0) + allowed(1)).isEqualTo(N);

        // Another tool of the same principal, and the same tool for another principal, are not limited.
        assertThat(call(ALICE, alice, "ev__get-sum", "{\"a\":2,\"b\":3}").body().path("result").toString()).contains("5");
        String bob = initialize(BOB);
        for (int i = 0; i < 4; i++) {
            assertThat(call(BOB, bob, "ev__echo", "{\"message\":\"b\"}").body().has("result")).isTrue();
        }
    }
}
