package dev.mcpgateway.federation;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.testing.HeaderRecordingUpstream;
import dev.mcpgateway.testing.McpResponses;
import dev.mcpgateway.testing.NodePeers;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/**
 * Routing state that must not depend on which replica or which earlier client did what: names
 * without prefixes resolve without a prior listing, anonymous 2026-07-28 clients share upstream
 * sessions only with clients of the same capabilities, and a protocol version that is not a
 * revision gets the unsupported-version answer.
 */
@QuarkusTest
@WithTestResource(SharedGatewayTest.Upstreams.class)
class SharedGatewayTest {

    static final ObjectMapper MAPPER = new ObjectMapper();

    /** server-everything and a small recording server on one route, names unprefixed. */
    public static class Upstreams implements QuarkusTestResourceLifecycleManager {
        Process everything;
        HeaderRecordingUpstream recorder;
        java.nio.file.Path config;

        @Override
        public Map<String, String> start() {
            int port = NodePeers.freePort();
            everything = NodePeers.startEverythingHttp(port);
            recorder = new HeaderRecordingUpstream();
            ObjectNode root = MAPPER.createObjectNode().put("prefixMode", "never");
            ObjectNode servers = root.putObject("mcpServers");
            servers.putObject("everything").put("url", "http://127.0.0.1:" + port + "/mcp");
            servers.putObject("recorder").put("url", recorder.url());
            config = NodePeers.writeConfig("shared-gateway-", root);
            return Map.of("mcp-gateway.config-file", config.toString());
        }

        @Override
        public void stop() {
            NodePeers.stop(everything);
            recorder.close();
            NodePeers.deleteQuietly(config);
        }
    }

    static String initialize() {
        return given().basePath("/mcp").header("Accept", "application/json, text/event-stream").contentType(ContentType.JSON)
                .body("""
                        {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},
                         "clientInfo":{"name":"shared-gateway","version":"1"}}}""")
                .post().then().statusCode(200).extract().header("Mcp-Session-Id");
    }

    @Test
    void anUnprefixedNameResolvesWithoutAListingFirst() {
        // A replica that never listed (the client listed through another one) must still find the owner.
        String session = initialize();
        Response call = given().basePath("/mcp").header("Accept", "application/json, text/event-stream")
                .header("Mcp-Session-Id", session).header("MCP-Protocol-Version", "2025-06-18").contentType(ContentType.JSON)
                .body("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"ping_me\",\"arguments\":{}}}")
                .post();
        assertThat(McpResponses.response(call).path("result").path("content").get(0).path("text").asText()).isEqualTo("pong");
        Response echo = given().basePath("/mcp").header("Accept", "application/json, text/event-stream")
                .header("Mcp-Session-Id", initialize()).header("MCP-Protocol-Version", "2025-06-18")
                .contentType(ContentType.JSON)
                .body("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"message\":\"hi\"}}}")
                .post();
        assertThat(McpResponses.response(echo).path("result").path("content").get(0).path("text").asText())
                .isEqualTo("Echo: hi");
    }

    @Test
    void aVersionThatIsNoRevisionGetsTheUnsupportedVersionAnswer() {
        for (String garbage : List.of("garbage", "zzzz", "2026-13-99x", "9")) {
            given().basePath("/mcp").header("Accept", "application/json, text/event-stream")
                    .header("MCP-Protocol-Version", garbage).contentType(ContentType.JSON)
                    .body("""
                            {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},
                             "clientInfo":{"name":"x","version":"1"}}}""")
                    .post().then().statusCode(400).body(containsString("unsupported MCP-Protocol-Version"));
        }
    }

    static List<String> modernTools(ObjectNode capabilities) throws Exception {
        ObjectNode req = MAPPER.createObjectNode().put("jsonrpc", "2.0").put("id", 9).put("method", "tools/list");
        ObjectNode meta = req.putObject("params").putObject("_meta");
        meta.put("io.modelcontextprotocol/protocolVersion", "2026-07-28");
        meta.set("io.modelcontextprotocol/clientCapabilities", capabilities);
        Response r = given().basePath("/mcp").header("Accept", "application/json, text/event-stream")
                .header("MCP-Protocol-Version", "2026-07-28").header("Mcp-Method", "tools/list")
                .contentType(ContentType.JSON).body(req.toString()).post();
        JsonNode answer = McpResponses.response(r);
        List<String> names = new ArrayList<>();
        answer.path("result").path("tools").forEach(t -> names.add(t.path("name").asText()));
        assertThat(names).as(answer.toString()).contains("echo");
        return names;
    }

    @Test
    void anonymousModernClientsShareUpstreamSessionsOnlyWithTheirOwnCapabilities() throws Exception {
        ObjectNode sampling = MAPPER.createObjectNode();
        sampling.putObject("sampling");
        List<String> withSampling = modernTools(sampling);
        List<String> without = modernTools(MAPPER.createObjectNode());
        // server-everything offers its sampling tool only to a client that can sample.
        assertThat(withSampling).anyMatch(n -> n.contains("sampling"));
        assertThat(without).noneMatch(n -> n.contains("sampling"));
    }
}
