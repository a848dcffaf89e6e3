package dev.mcpgateway.eras;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.testing.SdkClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * 2026-07-28 toward stdio upstreams: the gateway probes a stdio server with {@code server/discover},
 * speaks the stateless revision to one that answers (a TypeScript SDK v2 {@code serveStdio} server
 * that refuses {@code initialize}), and still initializes one that does not (server-everything).
 * Clients of both eras (TypeScript SDK v1, 2025-11-25; v2, 2026-07-28) call tools, answer an
 * {@code input_required} elicitation and hear a list change that the server sends on a
 * {@code subscriptions/listen}.
 */
@QuarkusTest
@WithTestResource(StdioEraUpstreams.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StdioErasTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static long firstPid;

    @TestHTTPResource("/mcp")
    String url;

    private static ObjectNode scenario() {
        ObjectNode s = SdkClient.scenario();
        s.putObject("elicitationResponse").put("action", "accept").putObject("content").put("name", "Ada");
        return s;
    }

    private static ObjectNode call(ObjectNode scenario, String tool) {
        return SdkClient.step(scenario, "callTool").put("name", tool);
    }

    private static String text(JsonNode result) {
        return result.path("content").path(0).path("text").asText();
    }

    private static JsonNode whoami(JsonNode result) throws Exception {
        return MAPPER.readTree(text(result));
    }

    private static java.util.List<String> toolNames(JsonNode result) {
        return result.path("tools").findValuesAsText("name");
    }

    @Test
    @Order(1)
    void newClientReachesAStatelessStdioServerAndAnOldOne() throws Exception {
        ObjectNode s = scenario();
        SdkClient.step(s, "listTools");
        call(s, "modern__echo").putObject("arguments").put("message", "hi");
        call(s, "modern__ask_name");
        call(s, "modern__whoami");
        call(s, "everything__echo").putObject("arguments").put("message", "still 2025");
        JsonNode report = SdkClient.runV2(url, s);

        assertThat(report.path("protocolVersion").asText()).isEqualTo("2026-07-28");
        assertThat(toolNames(SdkClient.result(report, 0))).contains("modern__echo", "modern__ask_name",
                "everything__echo");
        assertThat(text(SdkClient.result(report, 1))).isEqualTo("Echo: hi");
        // The server's input_required passed through; the client answered and retried.
        assertThat(text(SdkClient.result(report, 2))).isEqualTo("Hello, Ada!");
        assertThat(report.path("inputRequests").findValuesAsText("method")).contains("elicitation/create");
        JsonNode who = whoami(SdkClient.result(report, 3));
        // The stdio server was never initialized; the client's own _meta reached it.
        assertThat(who.path("received").toString()).doesNotContain("initialize");
        assertThat(who.path("clientInfo").path("name").asText()).isEqualTo("mcp-gateway-sdk2-test-client");
        assertThat(who.path("clientCapabilities").has("elicitation")).isTrue();
        firstPid = who.path("pid").asLong();
        assertThat(text(SdkClient.result(report, 4))).contains("still 2025");
    }

    @Test
    @Order(2)
    void oldClientReachesAStatelessStdioServerThroughTheBridge() throws Exception {
        ObjectNode s = scenario();
        SdkClient.step(s, "listTools");
        call(s, "modern__echo").putObject("arguments").put("message", "hello");
        call(s, "modern__ask_name");
        call(s, "modern__whoami");
        call(s, "everything__get-sum").putObject("arguments").put("a", 2).put("b", 3);
        call(s, "pooled__ask_name");
        JsonNode report = SdkClient.run(url, s);

        assertThat(report.path("protocolVersion").asText()).isEqualTo("2025-11-25");
        assertThat(toolNames(SdkClient.result(report, 0))).contains("modern__echo", "everything__get-sum");
        assertThat(text(SdkClient.result(report, 1))).isEqualTo("Echo: hello");
        // The server's input request reached the old client as an elicitation/create server request.
        assertThat(text(SdkClient.result(report, 2))).isEqualTo("Hello, Ada!");
        assertThat(report.path("serverRequests").findValuesAsText("method")).contains("elicitation/create");
        JsonNode who = whoami(SdkClient.result(report, 3));
        // This session's own process: the backend's era was known, so it was neither probed nor initialized.
        assertThat(who.path("pid").asLong()).isNotEqualTo(firstPid);
        assertThat(who.path("received").toString()).doesNotContain("initialize").doesNotContain("server/discover");
        // The per-request _meta comes from the old client's session.
        assertThat(who.path("clientInfo").path("name").asText()).isEqualTo("mcp-gateway-sdk-test-client");
        assertThat(who.path("clientCapabilities").has("elicitation")).isTrue();
        assertThat(text(SdkClient.result(report, 4))).isEqualTo("The sum of 2 and 3 is 5.");
        // A process shared by sessions may ask for input too: the answer goes with the request that asked.
        assertThat(text(SdkClient.result(report, 5))).isEqualTo("Hello, Ada!");
    }

    @Test
    @Order(3)
    void aListChangeOnAStdioListenReachesClientsOfBothEras() {
        // Old client: its GET stream is fed by a subscriptions/listen on its session's process. The
        // shared server-everything sent its own list changes long before this session existed.
        ObjectNode old = scenario();
        SdkClient.step(old, "sleep").put("ms", 2000);
        call(old, "modern__trigger_list_changed");
        SdkClient.step(old, "waitForNotification").put("method", "notifications/tools/list_changed").put("timeoutMs",
                10_000);
        SdkClient.step(old, "listTools");
        JsonNode oldReport = SdkClient.run(url, old);
        SdkClient.result(oldReport, 2);
        assertThat(toolNames(SdkClient.result(oldReport, 3))).contains("modern__dynamic_tool");

        // New client: its listen stream is fed by a subscriptions/listen on its pool's process.
        ObjectNode s = scenario();
        SdkClient.step(s, "listen").put("toolsListChanged", true);
        call(s, "modern__trigger_list_changed");
        SdkClient.step(s, "waitNotification").put("method", "notifications/tools/list_changed").put("timeoutMs", 10_000);
        JsonNode report = SdkClient.runV2(url, s);
        assertThat(SdkClient.result(report, 0).path("honoredFilter").path("toolsListChanged").asBoolean()).isTrue();
        SdkClient.result(report, 2);
        for (JsonNode n : report.path("notifications")) {
            if (n.path("method").asText().equals("notifications/tools/list_changed")) {
                assertThat(n.path("subscriptionId").asText()).isEqualTo(
                        SdkClient.result(report, 0).path("subscriptionId").asText());
            }
        }
    }
}
