package dev.mcpgateway.federation;

import static dev.mcpgateway.testing.SdkClient.result;
import static dev.mcpgateway.testing.SdkClient.step;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.testing.ResilientUpstreams;
import dev.mcpgateway.testing.SdkClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Circuit breakers, the concurrency bound and fail-open sessions through the gateway, with real
 * server-everything upstreams (one stopped and started again) and the official TypeScript SDK client.
 */
@QuarkusTest
@WithTestResource(ResilientUpstreams.class)
class CircuitBreakerTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @TestHTTPResource("/mcp")
    String gateway;

    /** A raw MCP session over the JDK client (lean enough to time calls). */
    final class Session {
        final String id;

        Session() {
            HttpResponse<String> r = post(null, """
                    {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",
                     "capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""");
            id = r.headers().firstValue("Mcp-Session-Id").orElseThrow(() -> new AssertionError(r.body()));
        }

        JsonNode call(String tool, String arguments) {
            return message(post(id, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool
                    + "\",\"arguments\":" + arguments + "}}").body());
        }

        CompletableFuture<JsonNode> callAsync(String tool, String arguments) {
            return HTTP.sendAsync(request(id, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/call\",\"params\":{\"name\":\""
                    + tool + "\",\"arguments\":" + arguments + "}}"), HttpResponse.BodyHandlers.ofString())
                    .thenApply(r -> message(r.body()));
        }

        List<String> tools() {
            List<String> out = new ArrayList<>();
            message(post(id, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}").body()).path("result").path("tools")
                    .forEach(t -> out.add(t.path("name").asText()));
            return out;
        }
    }

    HttpRequest request(String session, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gateway)).header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream").POST(HttpRequest.BodyPublishers.ofString(body));
        if (session != null) {
            b.header("Mcp-Session-Id", session).header("MCP-Protocol-Version", "2025-06-18");
        }
        return b.build();
    }

    HttpResponse<String> post(String session, String body) {
        try {
            return HTTP.send(request(session, body), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** The JSON-RPC response of a JSON or event-stream body. */
    static JsonNode message(String body) {
        String json = body.trim();
        if (!json.startsWith("{")) {
            String last = null;
            for (String line : body.split("\n")) {
                if (line.startsWith("data:") && line.length() > 5) {
                    last = line.substring(5).trim();
                }
            }
            json = last;
        }
        try {
            return JSON.readTree(json);
        } catch (Exception e) {
            throw new AssertionError("not JSON-RPC: " + body, e);
        }
    }

    static String metrics() {
        return given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    static JsonNode circuits() throws Exception {
        JsonNode health = JSON.readTree(given().get("/q/health/ready").then().statusCode(200).extract().asString());
        assertThat(health.path("status").asText()).isEqualTo("UP");
        for (JsonNode check : health.path("checks")) {
            if (check.path("name").asText().equals("Backend circuits")) {
                assertThat(check.path("status").asText()).isEqualTo("UP");
                return check.path("data");
            }
        }
        throw new AssertionError("no Backend circuits check in " + health);
    }

    static int flakyCalls() throws Exception {
        String url = ConfigProvider.getConfig().getValue("test.flaky.count", String.class);
        return Integer.parseInt(HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    @Test
    void circuitOpensAfterFailuresHidesToolsAndAProbeClosesIt() throws Exception {
        int before = flakyCalls();
        ObjectNode s = SdkClient.scenario();
        step(s, "listTools");
        for (int i = 0; i < 3; i++) {
            step(s, "callTool").put("name", "flaky__work").putObject("arguments").put("fail", true);
        }
        step(s, "callTool").put("name", "flaky__work");
        step(s, "listTools");
        step(s, "sleep").put("ms", ResilientUpstreams.OPEN_FOR_MILLIS + 100);
        step(s, "listTools");
        step(s, "callTool").put("name", "flaky__work");
        JsonNode report = SdkClient.run(gateway, s);

        assertThat(result(report, 0).path("tools").findValuesAsText("name")).contains("flaky__work", "bounded__echo");
        for (int i = 1; i <= 3; i++) {
            JsonNode step = report.path("steps").get(i);
            assertThat(step.path("ok").asBoolean()).as(step.toString()).isFalse();
            assertThat(step.path("error").path("code").asInt()).isEqualTo(-32010);
            assertThat(step.path("error").path("message").asText()).contains("'flaky'").contains("HTTP 503");
        }
        JsonNode refused = report.path("steps").get(4);
        assertThat(refused.path("ok").asBoolean()).isFalse();
        assertThat(refused.path("error").path("code").asInt()).isEqualTo(-32010);
        assertThat(refused.path("error").path("message").asText())
                .startsWith("Backend 'flaky' is unavailable: its circuit is open after 3 consecutive failures");
        // While open, the backend's tools leave the listing (hideToolsWhenOpen) ...
        assertThat(result(report, 5).path("tools").findValuesAsText("name")).doesNotContain("flaky__work")
                .contains("bounded__echo");
        // ... and after openFor, the listing is the probe: it succeeds, the circuit closes.
        assertThat(result(report, 7).path("tools").findValuesAsText("name")).contains("flaky__work");
        assertThat(result(report, 8).path("content").get(0).path("text").asText()).isEqualTo("done");
        // The refused call never reached the upstream: three failures and the last call did.
        assertThat(flakyCalls() - before).isEqualTo(4);
        assertThat(circuits().path("default/flaky").asText()).isEqualTo("closed");
        assertThat(metrics()).containsPattern(
                "mcp_gateway_upstream_refused_total\\{backend=\"flaky\",reason=\"circuit\",route=\"default\"[^}]*} [1-9]");
    }

    @Test
    void stoppedUpstreamOpensTheCircuitAndTheUpstreamBackClosesIt() throws Exception {
        Session session = new Session();
        assertThat(session.tools()).contains("everything__echo");
        assertThat(session.call("everything__echo", "{\"message\":\"hi\"}").path("result").path("content").get(0)
                .path("text").asText()).contains("hi");
        ResilientUpstreams.stopEverything();
        try {
            List<Long> failing = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                long t0 = System.nanoTime();
                JsonNode failed = session.call("everything__echo", "{\"message\":\"hi\"}");
                failing.add(System.nanoTime() - t0);
                assertThat(failed.path("error").path("code").asInt()).as(failed.toString()).isEqualTo(-32010);
                assertThat(failed.path("error").path("message").asText()).doesNotContain("circuit");
            }
            long opened = System.nanoTime();
            JsonNode refused = session.call("everything__echo", "{\"message\":\"hi\"}");
            long reaction = System.nanoTime() - opened;
            assertThat(refused.path("error").path("message").asText()).contains("'everything'")
                    .contains("its circuit is open after 2 consecutive failures");
            assertThat(refused.path("error").path("data").path("circuit").asText()).isEqualTo("open");
            assertThat(refused.path("error").path("data").path("backend").asText()).isEqualTo("everything");
            assertThat(circuits().path("default/everything").asText()).isEqualTo("open");
            assertThat(metrics())
                    .containsPattern("mcp_gateway_circuit_state\\{backend=\"everything\",route=\"default\"[^}]*} 1\\.0");
            // Tools stay listed (hideToolsWhenOpen false): the last listing this caller got.
            assertThat(session.tools()).contains("everything__echo", "bounded__echo");

            List<Long> refusals = new ArrayList<>();
            List<Long> normal = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                long t0 = System.nanoTime();
                session.call("everything__echo", "{\"message\":\"hi\"}");
                refusals.add(System.nanoTime() - t0);
                t0 = System.nanoTime();
                session.call("bounded__echo", "{\"message\":\"hi\"}");
                normal.add(System.nanoTime() - t0);
            }
            System.out.printf("resilience figures: failing calls (connection refused) %s ms; first refusal %.2f ms;"
                    + " refused call median %.2f ms p99 %.2f ms; normal call (server-everything echo) median %.2f ms"
                    + " p99 %.2f ms%n", failing.stream().map(n -> String.format("%.2f", n / 1e6)).toList(), reaction / 1e6,
                    pct(refusals, 50), pct(refusals, 99), pct(normal, 50), pct(normal, 99));
        } finally {
            ResilientUpstreams.startEverything();
        }
        // openFor passes; the next session's initialize is the probe and closes the circuit.
        Thread.sleep(ResilientUpstreams.OPEN_FOR_MILLIS + 100);
        ObjectNode s = SdkClient.scenario();
        step(s, "callTool").put("name", "everything__echo").putObject("arguments").put("message", "back");
        JsonNode report = SdkClient.run(gateway, s);
        assertThat(result(report, 0).path("content").get(0).path("text").asText()).contains("back");
        assertThat(circuits().path("default/everything").asText()).isEqualTo("closed");
    }

    @Test
    void boundRefusesACallBeyondMaxConcurrentAtOnce() throws Exception {
        Session session = new Session();
        CompletableFuture<JsonNode> slow = session.callAsync("bounded__trigger-long-running-operation",
                "{\"duration\":3,\"steps\":1}");
        await().atMost(Duration.ofSeconds(10)).until(() -> metrics()
                .matches("(?s).*mcp_gateway_upstream_in_flight\\{backend=\"bounded\",route=\"default\"[^}]*} 1\\.0.*"));
        JsonNode refused = session.call("bounded__echo", "{\"message\":\"hi\"}");
        assertThat(refused.path("error").path("code").asInt()).as(refused.toString()).isEqualTo(-32010);
        assertThat(refused.path("error").path("message").asText()).isEqualTo(
                "Backend 'bounded' is unavailable: 1 requests to it are already in flight from this gateway replica"
                        + " (its maxConcurrent)");
        assertThat(refused.path("error").path("data").path("maxConcurrent").asInt()).isEqualTo(1);
        assertThat(slow.get().path("result").path("content").get(0).path("text").asText()).contains("completed");
        assertThat(session.call("bounded__echo", "{\"message\":\"hi\"}").path("result").path("content").get(0).path("text")
                .asText()).contains("hi");
        assertThat(metrics()).containsPattern(
                "mcp_gateway_upstream_refused_total\\{backend=\"bounded\",reason=\"bulkhead\",route=\"default\"[^}]*} 1\\.0");
    }

    @Test
    void failOpenSessionsStartWithoutADeadBackend() throws Exception {
        ObjectNode s = SdkClient.scenario();
        step(s, "listTools");
        JsonNode report = SdkClient.run(gateway, s);
        List<String> names = result(report, 0).path("tools").findValuesAsText("name");
        assertThat(names).contains("bounded__echo").noneMatch(n -> n.startsWith("dead__"));
        // The first session found it dead; its circuit (1 failure, open 1 h) keeps later sessions from waiting on it.
        assertThat(circuits().path("default/dead").asText()).isEqualTo("open");
        assertThat(metrics()).containsPattern("mcp_gateway_circuit_state\\{backend=\"dead\",route=\"default\"[^}]*} 1\\.0");
        assertThat(circuits().has("default/bounded")).isTrue();
    }

    static double pct(List<Long> nanos, int p) {
        List<Long> sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        return sorted.get(Math.min(sorted.size() - 1, sorted.size() * p / 100)) / 1e6;
    }
}
