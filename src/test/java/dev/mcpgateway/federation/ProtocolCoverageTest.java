package dev.mcpgateway.federation;

import static dev.mcpgateway.testing.SdkClient.result;
import static dev.mcpgateway.testing.SdkClient.step;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.testing.EverythingUpstreams;
import dev.mcpgateway.testing.SdkClient;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The rest of the protocol through the gateway: capabilities offered upstream follow the client,
 * tasks route by their rewritten ids, a client's cancellation ends the call at once, and the Java
 * SDK client as a second witness of sampling and elicitation round trips.
 */
@QuarkusTest
@WithTestResource(EverythingUpstreams.class)
class ProtocolCoverageTest {

    @TestHTTPResource("/mcp")
    URI endpoint;

    private static List<String> toolNames(JsonNode listResult) {
        List<String> names = new ArrayList<>();
        JsonNode items = listResult.has("tools") ? listResult.get("tools") : listResult;
        items.forEach(t -> names.add(t.path("name").asText()));
        return names;
    }

    @Test
    void upstreamsAreOfferedOnlyWhatTheClientCanDo() {
        ObjectNode bare = SdkClient.scenario();
        bare.putObject("capabilities");
        step(bare, "sleep").put("ms", 800);
        step(bare, "listTools");
        ObjectNode able = SdkClient.scenario();
        step(able, "sleep").put("ms", 800);
        step(able, "listTools");

        List<String> withNothing = toolNames(result(SdkClient.run(endpoint.toString(), bare), 1));
        List<String> withSampling = toolNames(result(SdkClient.run(endpoint.toString(), able), 1));
        // server-everything offers these only to clients that declared sampling and roots.
        assertThat(withNothing).contains("alpha__echo").doesNotContain("alpha__trigger-sampling-request",
                "alpha__get-roots-list");
        assertThat(withSampling).contains("alpha__trigger-sampling-request", "alpha__get-roots-list");
    }

    @Test
    void tasksRouteByTheirRewrittenIds() {
        ObjectNode s = SdkClient.scenario();
        s.putObject("capabilities").putObject("tasks");
        step(s, "sleep").put("ms", 800);
        step(s, "listTools");
        ObjectNode call = step(s, "callToolStream").put("name", "beta__simulate-research-query");
        call.putObject("arguments").put("topic", "gateways");
        call.putObject("task").put("ttl", 60000);
        step(s, "request").put("method", "tasks/list").putObject("params");
        JsonNode report = SdkClient.run(endpoint.toString(), s);

        List<String> taskIds = new ArrayList<>();
        JsonNode result = null;
        for (JsonNode m : result(report, 2).path("messages")) {
            String id = m.path("task").path("taskId").asText(null);
            if (id != null) {
                taskIds.add(id);
            }
            if ("result".equals(m.path("type").asText())) {
                result = m.path("result");
            }
        }
        assertThat(taskIds).isNotEmpty().allSatisfy(id -> assertThat(id).startsWith("beta__"));
        assertThat(result).as("the task's result came back through tasks/result").isNotNull();
        assertThat(result.path("content").toString()).containsIgnoringCase("gateways");
        List<String> listed = new ArrayList<>();
        result(report, 3).path("tasks").forEach(t -> listed.add(t.path("taskId").asText()));
        assertThat(listed).contains(taskIds.get(0));
    }

    @Test
    void clientCancellationEndsTheCallAtOnce() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest.Builder base = HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(30))
                .header("Accept", "application/json, text/event-stream").header("Content-Type", "application/json");
        HttpResponse<String> init = http.send(base.copy().POST(HttpRequest.BodyPublishers.ofString("""
                {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},
                 "clientInfo":{"name":"cancel-test","version":"1"}}}""")).build(), HttpResponse.BodyHandlers.ofString());
        String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
        HttpRequest.Builder inSession = base.copy().header("Mcp-Session-Id", session).header("MCP-Protocol-Version",
                "2025-06-18");

        long start = System.nanoTime();
        CompletableFuture<HttpResponse<InputStream>> longCall = http.sendAsync(inSession.copy()
                .POST(HttpRequest.BodyPublishers.ofString(
                        """
                                {"jsonrpc":"2.0","id":"slow-1","method":"tools/call","params":{"name":"beta__trigger-long-running-operation",
                                 "arguments":{"duration":20,"steps":20},"_meta":{"progressToken":"c"}}}"""))
                .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        InputStream body = longCall.get(10, TimeUnit.SECONDS).body();
        BufferedReader reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
        String line;
        while ((line = reader.readLine()) != null && !line.contains("notifications/progress")) {
            // Wait until the upstream is demonstrably working on it.
        }
        HttpResponse<String> cancelled = http.send(inSession.copy().POST(HttpRequest.BodyPublishers.ofString(
                """
                        {"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"slow-1","reason":"user gave up"}}"""))
                .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(cancelled.statusCode()).isEqualTo(202);
        StringBuilder rest = new StringBuilder();
        while ((line = reader.readLine()) != null) {
            rest.append(line).append('\n');
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        assertThat(seconds).as("the stream ended long before the 20 s operation would have").isLessThan(10);
        assertThat(rest.toString()).contains("-32800");
        // The session goes on.
        HttpResponse<String> ping = http.send(inSession.copy().POST(HttpRequest.BodyPublishers.ofString(
                "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ping.statusCode()).isEqualTo(200);
    }

    @Test
    void javaSdkClientAnswersSamplingAndElicitation() {
        var transport = HttpClientStreamableHttpTransport.builder(endpoint.resolve("/").toString().replaceAll("/$", ""))
                .endpoint("/mcp").build();
        McpSyncClient client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(30))
                .capabilities(McpSchema.ClientCapabilities.builder().sampling().elicitation().build())
                .sampling(req -> McpSchema.CreateMessageResult.builder().role(McpSchema.Role.ASSISTANT)
                        .content(new McpSchema.TextContent("java sampled")).model("java-test").build())
                .elicitation(
                        req -> new McpSchema.ElicitResult(McpSchema.ElicitResult.Action.ACCEPT, Map.of("name", "Grace Hopper")))
                .build();
        try {
            client.initialize();
            McpSchema.CallToolResult sampled = client.callTool(new McpSchema.CallToolRequest("alpha__trigger-sampling-request",
                    Map.of("prompt", "java")));
            assertThat(sampled.content().toString()).contains("java sampled");
            McpSchema.CallToolResult elicited = client
                    .callTool(new McpSchema.CallToolRequest("gamma__trigger-elicitation-request",
                            Map.of()));
            assertThat(elicited.content().toString()).contains("Grace Hopper");
        } finally {
            client.closeGracefully();
        }
    }
}
