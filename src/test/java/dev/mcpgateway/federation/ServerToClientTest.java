package dev.mcpgateway.federation;

import static dev.mcpgateway.testing.SdkClient.result;
import static dev.mcpgateway.testing.SdkClient.step;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.testing.EverythingUpstreams;
import dev.mcpgateway.testing.SdkClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Both directions through the gateway with the official TypeScript SDK client: sampling,
 * elicitation and roots requests from HTTP and stdio upstreams reach the client and its answers go
 * back; progress, log messages, resource updates and list changes come back rewritten.
 */
@QuarkusTest
@WithTestResource(EverythingUpstreams.class)
class ServerToClientTest {

    @TestHTTPResource("/mcp")
    String gateway;

    private static String text(JsonNode callResult) {
        StringBuilder sb = new StringBuilder();
        callResult.path("content").forEach(c -> sb.append(c.path("text").asText()));
        return sb.toString();
    }

    private static List<JsonNode> notifications(JsonNode report, String method) {
        List<JsonNode> out = new ArrayList<>();
        report.path("notifications").forEach(n -> {
            if (method.equals(n.path("method").asText())) {
                out.add(n);
            }
        });
        return out;
    }

    @Test
    void samplingAndElicitationRoundTripsFromHttpAndStdio() {
        ObjectNode s = SdkClient.scenario();
        s.putObject("elicitationResponse").put("name", "Ada Lovelace");
        step(s, "sleep").put("ms", 800);
        step(s, "callTool").put("name", "alpha__trigger-sampling-request").putObject("arguments").put("prompt", "via http");
        step(s, "callTool").put("name", "gamma__trigger-sampling-request").putObject("arguments").put("prompt", "via stdio");
        step(s, "callTool").put("name", "beta__trigger-elicitation-request").putObject("arguments");
        step(s, "callTool").put("name", "gamma__trigger-elicitation-request").putObject("arguments");
        JsonNode report = SdkClient.run(gateway, s);

        assertThat(text(result(report, 1))).contains("sampled: ").contains("via http");
        assertThat(text(result(report, 2))).contains("sampled: ").contains("via stdio");
        assertThat(text(result(report, 3))).contains("Ada Lovelace");
        assertThat(text(result(report, 4))).contains("Ada Lovelace");
        List<String> asked = new ArrayList<>();
        report.path("serverRequests").forEach(r -> asked.add(r.path("method").asText()));
        assertThat(asked).contains("sampling/createMessage", "elicitation/create");
    }

    @Test
    void rootsReachTheUpstreamThroughTheStandaloneStream() {
        ObjectNode s = SdkClient.scenario();
        s.putArray("roots").addObject().put("uri", "file:///srv/project").put("name", "project");
        step(s, "sleep").put("ms", 800);
        step(s, "sendRootsListChanged");
        step(s, "sleep").put("ms", 1000);
        step(s, "callTool").put("name", "alpha__get-roots-list").putObject("arguments");
        JsonNode report = SdkClient.run(gateway, s);
        assertThat(text(result(report, 3))).contains("file:///srv/project");
    }

    @Test
    void progressComesBackToTheRequestThatAskedIt() {
        ObjectNode s = SdkClient.scenario();
        ObjectNode http = step(s, "callTool").put("name", "beta__trigger-long-running-operation").put("progress", true);
        http.putObject("arguments").put("duration", 1).put("steps", 4);
        ObjectNode stdio = step(s, "callTool").put("name", "gamma__trigger-long-running-operation").put("progress", true);
        stdio.putObject("arguments").put("duration", 1).put("steps", 3);
        JsonNode report = SdkClient.run(gateway, s);
        assertThat(text(result(report, 0))).contains("Steps: 4");
        assertThat(text(result(report, 1))).contains("Steps: 3");
        List<JsonNode> progress = notifications(report, "notifications/progress");
        assertThat(progress).hasSize(7);
        assertThat(progress).allSatisfy(p -> assertThat(p.path("params").path("progressToken").isMissingNode()).isFalse());
    }

    @Test
    void logMessagesNameTheirBackendAndResourceUpdatesAreRewritten() {
        ObjectNode s = SdkClient.scenario();
        String uri = "mcpgw://alpha/demo://resource/static/document/features.md";
        step(s, "setLoggingLevel").put("level", "debug");
        step(s, "subscribeResource").put("uri", uri);
        step(s, "callTool").put("name", "alpha__toggle-subscriber-updates").putObject("arguments");
        ObjectNode wait = step(s, "waitForNotification").put("method", "notifications/resources/updated");
        wait.put("timeoutMs", 10000);
        step(s, "callTool").put("name", "alpha__toggle-subscriber-updates").putObject("arguments");
        step(s, "unsubscribeResource").put("uri", uri);
        step(s, "callTool").put("name", "alpha__gzip-file-as-resource").putObject("arguments")
                .put("name", "hello.txt").put("data", "data:text/plain;base64,aGVsbG8=").put("outputType", "resourceLink");
        ObjectNode changed = step(s, "waitForNotification").put("method", "notifications/resources/list_changed");
        changed.put("timeoutMs", 10000);
        JsonNode report = SdkClient.run(gateway, s);

        for (int i = 0; i < 8; i++) {
            assertThat(report.path("steps").get(i).path("ok").asBoolean()).as(report.path("steps").get(i).toString()).isTrue();
        }
        assertThat(notifications(report, "notifications/resources/updated"))
                .anySatisfy(n -> assertThat(n.path("params").path("uri").asText()).isEqualTo(uri));
        assertThat(notifications(report, "notifications/message"))
                .anySatisfy(n -> assertThat(n.path("params").path("logger").asText()).startsWith("alpha"));
        assertThat(notifications(report, "notifications/resources/list_changed")).isNotEmpty();
    }
}
