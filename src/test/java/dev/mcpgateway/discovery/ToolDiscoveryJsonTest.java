package dev.mcpgateway.discovery;

import static dev.mcpgateway.testing.SdkClient.result;
import static dev.mcpgateway.testing.SdkClient.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.testing.DiscoveryUpstreams;
import dev.mcpgateway.testing.SdkClient;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Tool discovery configured in mcp-servers.json ({@code "toolDiscovery": "search"}), with two API-key
 * callers who may see different tools; and a catalogue that changes upstream or by a reload.
 */
@QuarkusTest
@WithTestResource(value = DiscoveryUpstreams.class, initArgs = @ResourceArg(name = "format", value = "json"))
class ToolDiscoveryJsonTest extends ToolDiscoveryContract {

    @Override
    Map<String, String> callerHeaders() {
        return Map.of("X-API-Key", DiscoveryUpstreams.CI_KEY);
    }

    private ObjectNode as(String key) {
        ObjectNode s = SdkClient.scenario();
        s.putObject("headers").put("X-API-Key", key);
        return s;
    }

    @Test
    void eachCallerSearchesExactlyWhatItMaySee() {
        String query = "terminate a database connection by process id";
        ObjectNode ops = as(DiscoveryUpstreams.OPS_KEY);
        search(ops, query, 5);
        callTool(ops, "db__kill_connection", object().put("pid", 4242));
        ObjectNode ci = as(DiscoveryUpstreams.CI_KEY);
        search(ci, query, 50);
        step(ci, "callTool").put("name", "describe_tool").putObject("arguments").put("name", "db__kill_connection");
        callTool(ci, "db__kill_connection", object().put("pid", 4242));

        JsonNode opsReport = SdkClient.run(gateway, ops);
        assertThat(found(result(opsReport, 0))).first().isEqualTo("db__kill_connection");
        assertThat(text(result(opsReport, 1))).isEqualTo("db.kill_connection called with {\"pid\":4242}");

        JsonNode ciReport = SdkClient.run(gateway, ci);
        assertThat(found(result(ciReport, 0))).isNotEmpty().doesNotContain("db__kill_connection", "db__execute_statement");
        assertThat(result(ciReport, 1).path("isError").asBoolean()).isTrue();
        JsonNode refused = ciReport.path("steps").get(2);
        assertThat(refused.path("ok").asBoolean()).isFalse();
        assertThat(refused.path("error").path("code").asInt()).isEqualTo(-32003);
    }

    @Test
    void inputRoundsOfTheRealToolWorkThroughCallTool() {
        for (boolean modernClient : new boolean[]{true, false}) {
            ObjectNode s = scenario();
            s.putObject("elicitationResponse").put("action", "accept").putObject("content").put("name", "Ada");
            search(s, "ask the user for their name", 3);
            callTool(s, "modern__ask_name", object());
            JsonNode report = modernClient ? SdkClient.runV2(gateway, s) : SdkClient.run(gateway, s);
            String who = modernClient ? "2026-07-28 client" : "2025-11-25 client";
            assertThat(found(result(report, 0))).as(who).contains("modern__ask_name");
            // The 2026-07-28 upstream asks for input: a 2026-07-28 client answers and retries call_tool
            // with inputResponses and requestState; an older one gets an elicitation request.
            assertThat(text(result(report, 1))).as(who).isEqualTo("Hello, Ada!");
            if (modernClient) {
                assertThat(report.path("inputRequired")).as(who).isNotEmpty();
            } else {
                assertThat(report.path("serverRequests").findValuesAsText("method")).as(who).contains("elicitation/create");
            }
        }
    }

    @Test
    void toolOverridesAreWhatIsSearchedDescribedAndCalled() {
        ObjectNode s = scenario();
        search(s, "advance an opportunity in the funnel", 5);
        search(s, "update deal stage", 50);
        step(s, "callTool").put("name", "describe_tool").putObject("arguments").put("name", "crm__advance_opportunity");
        callTool(s, "crm__advance_opportunity", object().put("deal_id", "D-7").put("stage", "Closed Won"));
        callTool(s, "crm__update_deal_stage", object().put("deal_id", "D-7").put("stage", "Closed Won"));
        JsonNode report = SdkClient.run(gateway, s);

        assertThat(found(result(report, 0))).first().isEqualTo("crm__advance_opportunity");
        assertThat(found(result(report, 1))).doesNotContain("crm__update_deal_stage");
        JsonNode described = result(report, 2).path("structuredContent").path("tool");
        assertThat(described.path("title").asText()).isEqualTo("Advance an opportunity");
        assertThat(described.path("inputSchema").path("properties").has("deal_id")).isTrue();
        assertThat(text(result(report, 3)))
                .isEqualTo("crm.update_deal_stage called with {\"deal_id\":\"D-7\",\"stage\":\"Closed Won\"}");
        // The upstream's own name is no longer callable, through call_tool as directly.
        assertThat(report.path("steps").get(4).path("ok").asBoolean()).isFalse();
    }

    @Test
    void badArgumentsAreToolErrorsAndLargeLimitsAreLowered() {
        ObjectNode s = scenario();
        step(s, "callTool").put("name", "search_tools").putObject("arguments").put("query", "list files").put("limit", 0);
        step(s, "callTool").put("name", "search_tools").putObject("arguments").put("query", "list files").put("limit", "9");
        step(s, "callTool").put("name", "search_tools").putObject("arguments").put("limit", 3);
        step(s, "callTool").put("name", "call_tool").putObject("arguments").put("name", "files__list_directory")
                .put("arguments", "path=/tmp");
        step(s, "callTool").put("name", "search_tools").putObject("arguments").put("query", "list").put("limit",
                10_000_000_000L);
        search(s, "list", 1);
        JsonNode report = SdkClient.run(gateway, s);

        for (int i = 0; i < 4; i++) {
            assertThat(result(report, i).path("isError").asBoolean()).as("step " + i).isTrue();
        }
        assertThat(text(result(report, 0))).contains("limit");
        assertThat(text(result(report, 2))).contains("query");
        assertThat(text(result(report, 3))).contains("arguments");
        assertThat(found(result(report, 4))).hasSize(50);
        assertThat(found(result(report, 5))).hasSize(1);
        assertThat(result(report, 5).path("structuredContent").path("totalTools").asInt()).isGreaterThan(200);
    }

    @Test
    void aToolAddedUpstreamIsFoundByTheNextSearch() throws Exception {
        String query = "teleport a quantum state between qubits";
        ObjectNode before = scenario();
        search(before, query, 5);
        assertThat(found(result(SdkClient.run(gateway, before), 0))).doesNotContain("github__teleport_quantum_state");

        String catalog = ConfigProvider.getConfig().getValue("test.catalog.url", String.class);
        HttpResponse<Void> added = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(catalog + "/github/add-tool"))
                        .POST(HttpRequest.BodyPublishers.ofString("""
                                ["teleport_quantum_state", "Teleport the quantum state of one qubit to another.",
                                 {"source_qubit!": "Qubit to read", "target_qubit!": "Qubit to write"}]""")).build(),
                HttpResponse.BodyHandlers.discarding());
        assertThat(added.statusCode()).isEqualTo(204);

        ObjectNode after = scenario();
        search(after, query, 5);
        JsonNode report = SdkClient.run(gateway, after);
        assertThat(found(result(report, 0))).first().isEqualTo("github__teleport_quantum_state");
    }

    @Test
    void aReloadedRuleChangesWhatTheNextSearchFinds() throws Exception {
        String query = "book a meeting room";
        ObjectNode before = scenario();
        search(before, query, 5);
        assertThat(found(result(SdkClient.run(gateway, before), 0))).first().isEqualTo("calendar__book_meeting_room");

        Path config = Path.of(ConfigProvider.getConfig().getValue("test.discovery.config", String.class));
        ObjectNode root = (ObjectNode) MAPPER.readTree(config.toFile());
        ArrayNode rules = root.withObject("/auth/authorization").withArray("rules");
        rules.addObject().put("name", "no-rooms").put("action", "deny").putArray("tools").add("calendar__book_meeting_room");
        try {
            Files.writeString(config, MAPPER.writeValueAsString(root));
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                ObjectNode after = scenario();
                search(after, query, 50);
                assertThat(found(result(SdkClient.run(gateway, after), 0))).isNotEmpty()
                        .doesNotContain("calendar__book_meeting_room");
            });
        } finally {
            rules.remove(rules.size() - 1);
            Files.writeString(config, MAPPER.writeValueAsString(root));
        }
    }
}
