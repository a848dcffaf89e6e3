package dev.mcpgateway.eras;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.startsWith;

import java.nio.file.Files;
import java.nio.file.Path;

import org.eclipse.microprofile.config.ConfigProvider;
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
import io.restassured.response.Response;

/**
 * Every pairing of client era and upstream era through one gateway: the TypeScript SDK v2 client
 * (2026-07-28) and v1 client (2025-11-25) against a 2026-07-28 upstream and server-everything,
 * with sampling and elicitation round trips and list changes crossing eras, plus the 2026-07-28
 * request checks the gateway makes itself.
 */
@QuarkusTest
@WithTestResource(EraUpstreams.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EraBridgingTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TestHTTPResource("/mcp")
    String url;

    private static ObjectNode scenario() {
        ObjectNode s = SdkClient.scenario();
        s.putObject("elicitationResponse").put("action", "accept").putObject("content").put("name", "Ada");
        s.put("samplingResponse", "Paris");
        return s;
    }

    private static ObjectNode call(ObjectNode scenario, String tool) {
        return SdkClient.step(scenario, "callTool").put("name", tool);
    }

    private static String text(JsonNode result) {
        return result.path("content").path(0).path("text").asText();
    }

    @Test
    @Order(1)
    void newClientReachesBothErasWithInputRoundTrips() {
        ObjectNode s = scenario();
        SdkClient.step(s, "discover");
        call(s, "modern__ask_name");
        call(s, "modern__ask_model");
        call(s, "everything__trigger-elicitation-request");
        call(s, "everything__trigger-sampling-request").putObject("arguments").put("prompt", "capital?").put("maxTokens",
                20);
        JsonNode report = SdkClient.runV2(url, s);

        assertThat(report.path("protocolVersion").asText()).isEqualTo("2026-07-28");
        assertThat(report.path("sessionId").isNull()).as("no session for a 2026-07-28 client").isTrue();
        JsonNode discover = SdkClient.result(report, 0);
        assertThat(discover.path("supportedVersions").toString()).contains("2026-07-28", "2025-11-25");
        // 2026-07-28 upstream: its input_required passes through, the client answers and retries.
        assertThat(text(SdkClient.result(report, 1))).isEqualTo("Hello, Ada!");
        assertThat(text(SdkClient.result(report, 2))).isEqualTo("Model said: Paris");
        // 2025-11-25 upstream: its elicitation and sampling requests become input_required results.
        assertThat(SdkClient.result(report, 3).toString()).contains("Ada");
        assertThat(SdkClient.result(report, 4).toString()).contains("Paris");
        assertThat(report.path("inputRequests").findValuesAsText("method")).contains("elicitation/create",
                "sampling/createMessage");
        assertThat(report.path("inputRequests").findValuesAsText("key")).anyMatch(k -> k.startsWith("mcpgw."));
    }

    @Test
    @Order(2)
    void oldClientAnswersServerRequestsForANewUpstream() {
        ObjectNode s = scenario();
        call(s, "modern__ask_name");
        call(s, "modern__ask_model");
        call(s, "everything__echo").putObject("arguments").put("message", "still 2025");
        JsonNode report = SdkClient.run(url, s);

        assertThat(report.path("protocolVersion").asText()).isEqualTo("2025-11-25");
        assertThat(text(SdkClient.result(report, 0))).isEqualTo("Hello, Ada!");
        assertThat(text(SdkClient.result(report, 1))).startsWith("Model said: ");
        assertThat(text(SdkClient.result(report, 2))).contains("still 2025");
        // The upstream's input requests reached the old client as ordinary server requests.
        assertThat(report.path("serverRequests").findValuesAsText("method")).contains("elicitation/create",
                "sampling/createMessage");
    }

    @Test
    @Order(3)
    void listChangesCrossEras() {
        // Old client, new upstream: the upstream's listen stream feeds the client's GET stream.
        ObjectNode old = scenario();
        // A change sent before the gateway's stream to the upstream is open reaches nobody: wait for it
        // (2 s, not less: on a loaded machine 0.5 s was once too short).
        SdkClient.step(old, "sleep").put("ms", 2000);
        call(old, "modern__trigger_list_changed");
        SdkClient.step(old, "waitForNotification").put("method", "notifications/tools/list_changed").put("timeoutMs", 10_000);
        SdkClient.result(SdkClient.run(url, old), 2);

        // New client, both upstreams: a listen stream gets the new upstream's list change and resource update.
        ObjectNode s = scenario();
        SdkClient.step(s, "listen").put("toolsListChanged", true).putArray("resourceSubscriptions")
                .add("mcpgw://modern/test://modern/counter");
        call(s, "modern__trigger_list_changed");
        call(s, "modern__touch_counter");
        SdkClient.step(s, "waitNotification").put("method", "notifications/tools/list_changed").put("timeoutMs", 10_000);
        SdkClient.step(s, "waitNotification").put("method", "notifications/resources/updated").put("timeoutMs", 10_000);
        JsonNode report = SdkClient.runV2(url, s);
        SdkClient.result(report, 3);
        SdkClient.result(report, 4);
        JsonNode ack = SdkClient.result(report, 0);
        assertThat(ack.path("honoredFilter").path("toolsListChanged").asBoolean()).isTrue();
        for (JsonNode n : report.path("notifications")) {
            if (n.path("method").asText().equals("notifications/resources/updated")) {
                assertThat(n.path("params").path("uri").asText()).isEqualTo("mcpgw://modern/test://modern/counter");
            }
        }
    }

    // ---- what the gateway checks itself --------------------------------------------------------

    private static String body(String method, ObjectNode params) {
        ObjectNode req = MAPPER.createObjectNode().put("jsonrpc", "2.0").put("id", 7).put("method", method);
        req.set("params", params);
        return req.toString();
    }

    private static ObjectNode params(String version, boolean capabilities) {
        ObjectNode p = MAPPER.createObjectNode();
        ObjectNode meta = p.putObject("_meta");
        if (version != null) {
            meta.put("io.modelcontextprotocol/protocolVersion", version);
        }
        if (capabilities) {
            meta.putObject("io.modelcontextprotocol/clientCapabilities");
        }
        return p;
    }

    private Response post(String method, String name, String version, ObjectNode params) {
        var spec = given().contentType("application/json").accept("application/json, text/event-stream")
                .header("Mcp-Method", method);
        if (version != null) {
            spec.header("MCP-Protocol-Version", version);
        }
        if (name != null) {
            spec.header("Mcp-Name", name);
        }
        return spec.body(body(method, params)).post(url);
    }

    @Test
    @Order(4)
    void badNewEraRequestsGetTheNewEraErrors() {
        post("tools/list", null, "2026-07-28", params(null, true)).then().statusCode(400)
                .body("error.code", equalTo(-32602)).body("id", equalTo(7));
        post("tools/list", null, "2026-07-28", params("2026-07-28", false)).then().statusCode(400)
                .body("error.code", equalTo(-32602));
        post("tools/list", null, "2025-11-25", params("2026-07-28", true)).then().statusCode(400)
                .body("error.code", equalTo(-32020));
        post("tools/list", null, "1900-01-01", params("1900-01-01", true)).then().statusCode(400)
                .body("error.code", equalTo(-32022)).body("error.data.supported", hasItems("2026-07-28"))
                .body("error.data.requested", equalTo("1900-01-01"));
        post("ping", null, "2026-07-28", params("2026-07-28", true)).then().statusCode(404)
                .body("error.code", equalTo(-32601));
        ObjectNode call = params("2026-07-28", true).put("name", "modern__echo");
        post("tools/call", "modern__other", "2026-07-28", call).then().statusCode(400).body("error.code", equalTo(-32020));
        post("tools/call", null, "2026-07-28", call).then().statusCode(400).body("error.code", equalTo(-32020));
        given().header("MCP-Protocol-Version", "2026-07-28").accept("text/event-stream").get(url).then().statusCode(405);
    }

    @Test
    @Order(5)
    void resultsCarryTheNewEraFields() {
        post("tools/list", null, "2026-07-28", params("2026-07-28", true)).then().statusCode(200)
                .body("result.resultType", equalTo("complete")).body("result.cacheScope", equalTo("public"))
                .body("result._meta.'io.modelcontextprotocol/serverInfo'.name", equalTo("mcp-gateway"));
        ObjectNode read = params("2026-07-28", true).put("uri", "mcpgw://everything/demo://no/such/resource");
        post("resources/read", "mcpgw://everything/demo://no/such/resource", "2026-07-28", read).then().statusCode(200)
                .body("error.code", equalTo(-32602));
    }

    @Test
    @Order(6)
    void inputTheClientCannotGiveAndForgedStateAreRefused() throws Exception {
        // No elicitation capability: the upstream session this client shares was opened without it, so the
        // upstream knows not to ask, and the client is never put an input request it cannot answer.
        ObjectNode call = params("2026-07-28", true).put("name", "everything__trigger-elicitation-request");
        post("tools/call", "everything__trigger-elicitation-request", "2026-07-28", call).then().statusCode(200)
                .body("result.resultType", org.hamcrest.Matchers.not(equalTo("input_required")));

        ObjectNode withCaps = params("2026-07-28", false);
        ((ObjectNode) withCaps.get("_meta")).putObject("io.modelcontextprotocol/clientCapabilities").putObject("elicitation");
        withCaps.put("name", "everything__trigger-elicitation-request");
        Response first = post("tools/call", "everything__trigger-elicitation-request", "2026-07-28", withCaps);
        first.then().statusCode(200).body("result.resultType", equalTo("input_required"))
                .body("result.requestState", startsWith("mcpgw1."));
        String state = first.path("result.requestState");
        ObjectNode retry = withCaps.deepCopy();
        retry.put("requestState", state.substring(0, state.length() - 2) + "xx");
        retry.putObject("inputResponses");
        post("tools/call", "everything__trigger-elicitation-request", "2026-07-28", retry).then().statusCode(200)
                .body("error.code", equalTo(-32602));
    }

    @Test
    @Order(7)
    void aReloadTellsListenStreamsTheListsChanged() throws Exception {
        Path config = Path.of(ConfigProvider.getConfig().getValue(EraUpstreams.CONFIG, String.class));
        String modern = ConfigProvider.getConfig().getValue(EraUpstreams.MODERN_URL, String.class);
        ObjectNode s = scenario();
        SdkClient.step(s, "listen").put("toolsListChanged", true);
        SdkClient.step(s, "sleep").put("ms", 300);
        SdkClient.step(s, "waitNotification").put("method", "notifications/tools/list_changed").put("timeoutMs", 15_000);
        Thread rewriter = new Thread(() -> {
            try {
                Thread.sleep(2_500);
                ObjectNode root = MAPPER.createObjectNode();
                root.putObject("mcpServers").putObject("modern").put("url", modern);
                Files.writeString(config, root.toString());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        rewriter.start();
        JsonNode report = SdkClient.runV2(url, s);
        rewriter.join();
        SdkClient.result(report, 2);
    }
}
