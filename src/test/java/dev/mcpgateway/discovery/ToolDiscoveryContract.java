package dev.mcpgateway.discovery;

import static dev.mcpgateway.testing.SdkClient.result;
import static dev.mcpgateway.testing.SdkClient.step;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.testing.SdkClient;
import io.quarkus.test.common.http.TestHTTPResource;

/**
 * What a route with {@code toolDiscovery: search} does for the official TypeScript SDK clients, in
 * either config format (the subclasses): three gateway tools listed, search and describe over the
 * caller's catalogue, and calls that reach the real tool (server-everything) with the route's rules.
 */
abstract class ToolDiscoveryContract {

    static final ObjectMapper MAPPER = new ObjectMapper();

    @TestHTTPResource("/mcp")
    String gateway;

    /** Headers every client of the route sends (credentials), none by default. */
    Map<String, String> callerHeaders() {
        return Map.of();
    }

    /** A scenario of the route's caller. */
    ObjectNode scenario() {
        ObjectNode s = SdkClient.scenario();
        if (!callerHeaders().isEmpty()) {
            callerHeaders().forEach(s.putObject("headers")::put);
        }
        return s;
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    static ObjectNode search(ObjectNode scenario, String query, int limit) {
        ObjectNode s = step(scenario, "callTool").put("name", "search_tools");
        s.putObject("arguments").put("query", query).put("limit", limit);
        return s;
    }

    static ObjectNode callTool(ObjectNode scenario, String name, ObjectNode arguments) {
        ObjectNode s = step(scenario, "callTool").put("name", "call_tool");
        ObjectNode args = s.putObject("arguments").put("name", name);
        args.set("arguments", arguments);
        return s;
    }

    static List<String> found(JsonNode searchResult) {
        List<String> names = new ArrayList<>();
        searchResult.path("structuredContent").path("tools").forEach(t -> names.add(t.path("name").asText()));
        return names;
    }

    static String text(JsonNode callResult) {
        return callResult.path("content").get(0).path("text").asText();
    }

    @Test
    void listShowsTheThreeGatewayTools() {
        ObjectNode s = scenario();
        step(s, "listTools");
        JsonNode tools = result(SdkClient.run(gateway, s), 0).path("tools");
        List<String> names = new ArrayList<>();
        tools.forEach(t -> names.add(t.path("name").asText()));
        assertThat(names).containsExactly("search_tools", "describe_tool", "call_tool");
        assertThat(tools.get(0).path("annotations").path("readOnlyHint").asBoolean()).isTrue();
        assertThat(tools.get(1).path("annotations").path("readOnlyHint").asBoolean()).isTrue();
        assertThat(tools.get(2).path("annotations").path("readOnlyHint").asBoolean()).isFalse();
        assertThat(tools.get(0).path("inputSchema").path("required")).hasSize(1);
    }

    @Test
    void searchDescribeAndCallReachTheRealTool() {
        ObjectNode s = scenario();
        // server-everything registers some tools just after initialization; let it finish.
        step(s, "sleep").put("ms", 800);
        search(s, "add two numbers and return the sum", 5);
        step(s, "callTool").put("name", "describe_tool").putObject("arguments").put("name", "everything__get-sum");
        callTool(s, "everything__get-sum", object().put("a", 2).put("b", 3));
        // A direct call of a real tool keeps working on a search route.
        step(s, "callTool").put("name", "everything__echo").putObject("arguments").put("message", "direct");
        // Progress of the real tool reaches the caller of call_tool.
        callTool(s, "everything__trigger-long-running-operation",
                object().put("duration", 1).put("steps", 2)).put("progress", true);
        step(s, "callTool").put("name", "describe_tool").putObject("arguments").put("name", "nope__nothing");
        callTool(s, "nope__nothing", object());
        JsonNode report = SdkClient.run(gateway, s);

        JsonNode searched = result(report, 1);
        assertThat(found(searched)).first().isEqualTo("everything__get-sum");
        assertThat(searched.path("structuredContent").path("tools").get(0).path("inputSchema").path("properties").has("a"))
                .isTrue();
        // The same object as JSON text, for clients that read text only.
        assertThat(text(searched)).contains("\"everything__get-sum\"");
        JsonNode described = result(report, 2).path("structuredContent").path("tool");
        assertThat(described.path("name").asText()).isEqualTo("everything__get-sum");
        assertThat(described.path("inputSchema").path("required")).isNotEmpty();
        assertThat(text(result(report, 3))).isEqualTo("The sum of 2 and 3 is 5.");
        assertThat(text(result(report, 4))).isEqualTo("Echo: direct");
        assertThat(text(result(report, 5))).contains("Long running operation completed");
        List<JsonNode> progress = new ArrayList<>();
        report.path("notifications").forEach(n -> {
            if ("notifications/progress".equals(n.path("method").asText())) {
                progress.add(n);
            }
        });
        assertThat(progress).hasSizeGreaterThanOrEqualTo(2);
        assertThat(result(report, 6).path("isError").asBoolean()).isTrue();
        // An unknown tool through call_tool fails as a direct call of it does.
        JsonNode unknown = report.path("steps").get(7);
        assertThat(unknown.path("ok").asBoolean()).isFalse();
        assertThat(unknown.path("error").path("code").asInt()).isEqualTo(-32602);
    }

    @Test
    void aToolTheCallerMayNotUseIsNeitherFoundNorCallable() {
        ObjectNode s = scenario();
        step(s, "sleep").put("ms", 800);
        search(s, "get environment variables of the server process", 50);
        search(s, "everything__get-env", 50);
        step(s, "callTool").put("name", "describe_tool").putObject("arguments").put("name", "everything__get-env");
        callTool(s, "everything__get-env", object());
        step(s, "callTool").put("name", "everything__get-env").putObject("arguments");
        JsonNode report = SdkClient.run(gateway, s);

        assertThat(found(result(report, 1))).isNotEmpty().doesNotContain("everything__get-env");
        assertThat(found(result(report, 2))).doesNotContain("everything__get-env");
        assertThat(result(report, 3).path("isError").asBoolean()).isTrue();
        for (int i : new int[]{4, 5}) {
            JsonNode refused = report.path("steps").get(i);
            assertThat(refused.path("ok").asBoolean()).as("step " + i).isFalse();
            assertThat(refused.path("error").path("code").asInt()).as("step " + i).isEqualTo(-32003);
        }
    }

    @Test
    void clientsOfEveryRevisionSearchAndCall() {
        for (String revision : new String[]{"2026-07-28", "2025-03-26", "2025-06-18"}) {
            ObjectNode s = scenario().put("protocolVersion", revision);
            step(s, "listTools");
            search(s, "echo a message back", 3);
            callTool(s, "everything__echo", object().put("message", "via " + revision));
            JsonNode report = SdkClient.runV2(gateway, s);
            assertThat(report.path("protocolVersion").asText()).as(revision).isEqualTo(revision);
            assertThat(result(report, 0).path("tools")).as(revision).hasSize(3);
            assertThat(found(result(report, 1))).as(revision).contains("everything__echo");
            assertThat(text(result(report, 2))).as(revision).isEqualTo("Echo: via " + revision);
        }
    }
}
