package dev.mcpgateway.discovery;

import static dev.mcpgateway.testing.SdkClient.result;
import static dev.mcpgateway.testing.SdkClient.step;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.testing.DiscoveryUpstreams;
import dev.mcpgateway.testing.McpHttp;
import dev.mcpgateway.testing.SdkClient;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Tool discovery configured on MCPRoutes ({@code spec.toolDiscovery: search}), and what it buys on a
 * catalogue of 200+ tools: the bytes of {@code tools/list} with and without it, and how often the
 * committed queries (src/test/resources/discovery/queries.json) find their tool.
 */
@QuarkusTest
@WithTestResource(value = DiscoveryUpstreams.class, initArgs = @ResourceArg(name = "format", value = "yaml"))
class ToolDiscoveryRouteTest extends ToolDiscoveryContract {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Path QUERIES = Path.of("src/test/resources/discovery/queries.json");
    private static final int LIMIT = 10;

    @TestHTTPResource("/catalog/list")
    URI listed;

    @TestHTTPResource("/catalog/search")
    URI searched;

    /** The bytes of the JSON-RPC response to {@code tools/list} on a route, as a 2025-11-25 client gets it. */
    private static byte[] toolsList(URI endpoint) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String session = McpHttp.initialize(http, endpoint, "2025-11-25", "bytes");
        HttpResponse<byte[]> r = http.send(McpHttp.request(endpoint, "2025-11-25").header("Content-Type", "application/json")
                .header("Mcp-Session-Id", session)
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
        String body = new String(r.body(), StandardCharsets.UTF_8);
        if (r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream")) {
            StringBuilder data = new StringBuilder();
            for (String line : body.split("\n")) {
                if (line.startsWith("data:") && line.length() > 5) {
                    data.append(line.substring(5).strip());
                }
            }
            body = data.toString();
        }
        assertThat(MAPPER.readTree(body).path("result").has("tools")).isTrue();
        return body.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void measuredOnTwoHundredTools() throws Exception {
        byte[] list = toolsList(listed);
        byte[] search = toolsList(searched);
        int tools = MAPPER.readTree(list).path("result").path("tools").size();
        assertThat(tools).isGreaterThanOrEqualTo(200);
        assertThat(MAPPER.readTree(search).path("result").path("tools")).hasSize(3);

        JsonNode queries = MAPPER.readTree(QUERIES.toFile()).path("queries");
        assertThat(queries.size()).isGreaterThanOrEqualTo(30);
        ObjectNode s = SdkClient.scenario();
        queries.forEach(q -> search(s, q.path("query").asText(), LIMIT));
        search(s, queries.get(0).path("query").asText(), 5);
        JsonNode report = SdkClient.run(searched.toString(), s);

        int top1 = 0;
        int top5 = 0;
        double reciprocal = 0;
        List<String> misses = new ArrayList<>();
        for (int i = 0; i < queries.size(); i++) {
            JsonNode q = queries.get(i);
            List<String> expected = new ArrayList<>();
            q.path("expected").forEach(e -> expected.add(e.asText()));
            List<String> ranked = found(result(report, i));
            assertThat(ranked).hasSizeLessThanOrEqualTo(LIMIT);
            int rank = -1;
            for (int r = 0; r < ranked.size(); r++) {
                if (expected.contains(ranked.get(r))) {
                    rank = r;
                    break;
                }
            }
            top1 += rank == 0 ? 1 : 0;
            top5 += rank >= 0 && rank < 5 ? 1 : 0;
            reciprocal += rank >= 0 ? 1.0 / (rank + 1) : 0;
            if (rank != 0) {
                misses.add(
                        "\"" + q.path("query").asText() + "\" -> " + (rank < 0 ? "not in top " + LIMIT : "rank " + (rank + 1))
                                + " (expected " + expected + ", got " + ranked.subList(0, Math.min(3, ranked.size())) + ")");
            }
        }
        int n = queries.size();
        int searchBytes = MAPPER.writeValueAsBytes(result(report, n)).length;
        System.out.printf("""
                TOOL DISCOVERY on %d tools (%d backends):
                  tools/list bytes: list %d, search %d (%.1f%% of list); one search_tools result (limit 5): %d bytes
                  retrieval over %d queries: top-1 %.1f%%, top-5 %.1f%%, MRR@%d %.3f
                  not first: %s
                """, tools, DiscoveryUpstreams.catalogBackends().size(), list.length, search.length,
                100.0 * search.length / list.length, searchBytes, n, 100.0 * top1 / n, 100.0 * top5 / n, LIMIT,
                reciprocal / n, String.join("\n    ", misses));
        assertThat(search.length).isLessThan(list.length / 20);
        assertThat((double) top5 / n).as("top-5 hit rate").isGreaterThanOrEqualTo(0.8);
        assertThat((double) top1 / n).as("top-1 hit rate").isGreaterThanOrEqualTo(0.5);
    }

    @Test
    void theListedRouteStillListsItsCatalogue() {
        ObjectNode s = SdkClient.scenario();
        step(s, "listTools");
        JsonNode tools = result(SdkClient.run(listed.toString(), s), 0).path("tools");
        assertThat(tools.size()).isGreaterThanOrEqualTo(200);
        assertThat(tools.get(0).path("name").asText()).isEqualTo("github__create_repository");
    }
}
