package dev.mcpgateway.ratelimit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.jsonrpc.ErrorCodes;
import dev.mcpgateway.testing.NodePeers;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/**
 * A route's {@code rateLimits} end to end on the standalone gateway in front of server-everything,
 * with two API-key principals: the error and its retry hint, HTTP 429 for a 2026-07-28 request,
 * upstream calls that never happen, lists counted only where a rule names them, meters and the
 * access log.
 */
@QuarkusTest
@WithTestResource(RateLimitGatewayTest.Upstream.class)
class RateLimitGatewayTest {

    static final String ALICE = "alice-key-0123456789abcdef";
    static final String BOB = "bob-key-0123456789abcdefgh";
    static final String MODERN = "2026-07-28";

    public static class Upstream implements QuarkusTestResourceLifecycleManager {
        Process everything;
        Path config;

        @Override
        public Map<String, String> start() {
            int port = NodePeers.freePort();
            everything = NodePeers.startEverythingHttp(port);
            ObjectNode root = new ObjectMapper().createObjectNode();
            root.putObject("auth").putObject("apiKeys").putObject("keys").put("alice", ALICE).put("bob", BOB);
            root.putObject("mcpServers").putObject("ev").put("url", "http://127.0.0.1:" + port + "/mcp");
            // A day's window: the test never runs across its end.
            root.set("rateLimits", new ObjectMapper().valueToTree(List.of(
                    Map.of("name", "echo-per-user", "match", Map.of("tools", List.of("echo")),
                            "limit", Map.of("requests", 3, "period", "24h"), "key", "principal"),
                    Map.of("name", "prompt-lists", "match", Map.of("methods", List.of("prompts/list")),
                            "limit", Map.of("requests", 1, "period", "24h"), "key", "route"))));
            config = NodePeers.writeConfig("rate-limits-", root);
            return Map.of("mcp-gateway.config-file", config.toString());
        }

        @Override
        public void stop() {
            NodePeers.stop(everything);
            NodePeers.deleteQuietly(config);
        }
    }

    final List<LogRecord> access = new CopyOnWriteArrayList<>();
    final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            access.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void listen() {
        Logger.getLogger("dev.mcpgateway.access").addHandler(capture);
    }

    @AfterEach
    void stop() {
        Logger.getLogger("dev.mcpgateway.access").removeHandler(capture);
    }

    static String initialize(String key) {
        return given().basePath("/mcp").header("X-API-Key", key).header("Accept", "application/json, text/event-stream")
                .contentType(ContentType.JSON)
                .body("""
                        {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},
                         "clientInfo":{"name":"rate-limits","version":"1"}}}""")
                .post().then().statusCode(200).extract().header("Mcp-Session-Id");
    }

    static JsonNode send(String key, String session, String method, String params) {
        Response r = given().basePath("/mcp").header("X-API-Key", key).header("Mcp-Session-Id", session)
                .header("MCP-Protocol-Version", "2025-06-18").header("Accept", "application/json, text/event-stream")
                .contentType(ContentType.JSON)
                .body("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"" + method + "\",\"params\":" + params + "}").post();
        assertThat(r.statusCode()).isEqualTo(200);
        String body = r.body().asString();
        if (body.startsWith("event:") || body.startsWith("id:") || body.startsWith("data:")) {
            body = body.lines().filter(l -> l.startsWith("data:")).reduce((a, b) -> b).orElseThrow().substring(5).trim();
        }
        try {
            return new ObjectMapper().readTree(body);
        } catch (Exception e) {
            throw new AssertionError(body, e);
        }
    }

    static JsonNode echo(String key, String session) {
        return send(key, session, "tools/call", "{\"name\":\"ev__echo\",\"arguments\":{\"message\":\"hi\"}}");
    }

    static double metric(String pattern) {
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        Matcher m = Pattern.compile(pattern + " ([0-9.E]+)").matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    static double upstreamCalls() {
        return metric("mcp_gateway_upstream_requests_seconds_count\\{backend=\"ev\",outcome=\"ok\"[^}]*}");
    }

    @Test
    void overTheLimitACallGetsTheErrorAndRetryHintAndNeverReachesTheUpstream() throws Exception {
        String alice = initialize(ALICE);
        List<JsonNode> answers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            answers.add(echo(ALICE, alice));
        }
        assertThat(answers).allSatisfy(a -> assertThat(a.path("result").path("content").toString()).contains("hi"));
        double upstreamBefore = upstreamCalls();
        JsonNode refused = echo(ALICE, alice);
        assertThat(refused.path("error").path("code").asInt()).isEqualTo(ErrorCodes.RATE_LIMITED);
        assertThat(refused.path("error").path("message").asText()).contains("echo-per-user").contains("3 requests");
        assertThat(refused.path("error").path("data").path("retryAfterSeconds").asLong()).isBetween(1L, 86_400L);
        assertThat(refused.path("error").path("data").path("rule").asText()).isEqualTo("echo-per-user");
        assertThat(echo(ALICE, alice).path("error").path("code").asInt()).isEqualTo(ErrorCodes.RATE_LIMITED);
        assertThat(upstreamCalls()).as("refused calls are not sent upstream").isEqualTo(upstreamBefore);

        JsonNode sum = send(ALICE, alice, "tools/call", "{\"name\":\"ev__get-sum\",\"arguments\":{\"a\":1,\"b\":2}}");
        assertThat(sum.path("result").path("content").toString()).as("another tool").contains("3");
        String bob = initialize(BOB);
        assertThat(echo(BOB, bob).path("result").path("content").toString()).as("another principal").contains("hi");

        assertThat(access).anySatisfy(r -> assertThat(r.getMessage()).contains("name=ev__echo")
                .contains("principal=apikey:alice").contains("outcome=limited").contains("rate_limit=echo-per-user:limited"));
        assertThat(access).anySatisfy(r -> assertThat(r.getMessage()).contains("principal=apikey:bob")
                .contains("rate_limit=echo-per-user:allowed"));
        assertThat(access).filteredOn(r -> r.getMessage().contains("name=ev__get-sum"))
                .allSatisfy(r -> assertThat(r.getMessage()).doesNotContain("rate_limit="));

        assertThat(metric("mcp_gateway_rate_limit_requests_total\\{counted=\"store\",decision=\"allowed\",route=\"default\","
                + "rule=\"echo-per-user\"}")).isGreaterThanOrEqualTo(4);
        assertThat(metric("mcp_gateway_rate_limit_requests_total\\{counted=\"store\",decision=\"limited\",route=\"default\","
                + "rule=\"echo-per-user\"}")).isGreaterThanOrEqualTo(2);

        // 2026-07-28: one request per HTTP exchange, refused before anything is streamed: HTTP 429.
        Response modern = given().basePath("/mcp").header("X-API-Key", ALICE).header("MCP-Protocol-Version", MODERN)
                .header("Mcp-Method", "tools/call").header("Mcp-Name", "ev__echo")
                .header("Accept", "application/json, text/event-stream").contentType(ContentType.JSON)
                .body("""
                        {"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"ev__echo","arguments":{"message":"hi"},
                         "_meta":{"io.modelcontextprotocol/protocolVersion":"%s","io.modelcontextprotocol/clientCapabilities":{}}}}"""
                        .formatted(MODERN))
                .post();
        assertThat(modern.statusCode()).isEqualTo(429);
        JsonNode body = new ObjectMapper().readTree(modern.body().asString());
        assertThat(body.path("error").path("code").asInt()).isEqualTo(ErrorCodes.RATE_LIMITED);
        assertThat(modern.header("Retry-After")).isEqualTo(body.path("error").path("data").path("retryAfterSeconds").asText());
    }

    @Test
    void listsAreCountedOnlyWhereARuleNamesThem() {
        String session = initialize(BOB);
        for (int i = 0; i < 5; i++) {
            assertThat(send(BOB, session, "tools/list", "{}").path("result").path("tools").size()).isPositive();
        }
        assertThat(send(BOB, session, "prompts/list", "{}").has("result")).isTrue();
        JsonNode second = send(BOB, session, "prompts/list", "{}");
        assertThat(second.path("error").path("code").asInt()).isEqualTo(ErrorCodes.RATE_LIMITED);
        assertThat(second.path("error").path("data").path("rule").asText()).isEqualTo("prompt-lists");
    }
}
