package dev.mcpgateway.federation;

import static dev.mcpgateway.testing.SdkClient.result;
import static dev.mcpgateway.testing.SdkClient.step;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.testing.ResilientRoutes;
import dev.mcpgateway.testing.SdkClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/**
 * failClosed and failOpen session opening, configured in MCPRoute YAML, through the official
 * TypeScript SDK clients (v1 and v2) and a real server-everything; a reload drops the breakers of
 * removed backends.
 */
@QuarkusTest
@WithTestResource(ResilientRoutes.class)
class FailureModeTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/strict/mcp")
    String strict;

    @TestHTTPResource("/loose/mcp")
    String loose;

    static JsonNode circuits() throws Exception {
        JsonNode health = JSON.readTree(given().get("/q/health/ready").then().statusCode(200).extract().asString());
        for (JsonNode check : health.path("checks")) {
            if (check.path("name").asText().equals("Backend circuits")) {
                return check.path("data");
            }
        }
        throw new AssertionError("no Backend circuits check in " + health);
    }

    @Test
    void failClosedInitializeFailsNamingTheBackend() {
        JsonNode report = SdkClient.run(strict, SdkClient.scenario());
        assertThat(report.path("error").path("phase").asText()).as(report.toString()).isEqualTo("connect");
        assertThat(report.path("error").path("code").asInt()).isEqualTo(-32010);
        assertThat(report.path("error").path("message").asText()).startsWith(
                "Session refused: backend 'required' is required (failureMode failClosed) and could not be opened: Backend"
                        + " 'required' is unavailable: Connection refused");

        JsonNode raw = given().basePath("/strict/mcp").header("Accept", "application/json, text/event-stream")
                .contentType(ContentType.JSON).body("""
                        {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",
                         "capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""")
                .post().then().statusCode(200).header("Mcp-Session-Id", (String) null).extract().as(JsonNode.class);
        assertThat(raw.path("error").path("data").path("backend").asText()).isEqualTo("required");
        assertThat(raw.path("error").path("data").path("failureMode").asText()).isEqualTo("failClosed");

        // A 2026-07-28 client has no initialize; its first request fails the same way.
        ObjectNode s = SdkClient.scenario();
        step(s, "listTools");
        JsonNode modern = SdkClient.runV2(strict, s);
        assertThat(modern.toString()).contains("backend 'required' is required (failureMode failClosed)");
    }

    @Test
    void failOpenSessionWorksWithoutTheDeadBackend() throws Exception {
        ObjectNode s = SdkClient.scenario();
        step(s, "listTools");
        step(s, "callTool").put("name", "ok__echo").putObject("arguments").put("message", "still here");
        JsonNode report = SdkClient.run(loose, s);
        assertThat(result(report, 0).path("tools").findValuesAsText("name")).contains("ok__echo")
                .noneMatch(n -> n.startsWith("optional__"));
        assertThat(result(report, 1).path("content").get(0).path("text").asText()).contains("still here");
        JsonNode circuits = circuits();
        assertThat(circuits.path("loose/optional").asText()).isEqualTo("open");
        assertThat(circuits.path("loose/ok").asText()).isEqualTo("closed");
        assertThat(circuits.path("strict/ok").asText()).isEqualTo("closed");
        assertThat(circuits.has("strict/required")).isFalse();
    }

    @Test
    void reloadDropsTheBreakersOfRemovedBackends() throws Exception {
        // Open the optional backend's circuit first (the first session that tries it).
        SdkClient.run(loose, SdkClient.scenario());
        assertThat(circuits().path("loose/optional").asText()).isEqualTo("open");
        try {
            ResilientRoutes.write(ResilientRoutes.routes(""));
            await().atMost(Duration.ofSeconds(10)).until(() -> !circuits().has("loose/optional"));
            String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
            assertThat(metrics).doesNotContain("backend=\"optional\"").contains("backend=\"ok\",route=\"loose\"");
            assertThat(circuits().path("strict/ok").asText()).isEqualTo("closed");
        } finally {
            ResilientRoutes.write(ResilientRoutes.routes(ResilientRoutes.OPTIONAL));
        }
        // Back again, it starts closed: a new breaker, not the old one's state.
        await().atMost(Duration.ofSeconds(10)).until(() -> circuits().has("loose/optional"));
        assertThat(circuits().path("loose/optional").asText()).isEqualTo("closed");
    }
}
