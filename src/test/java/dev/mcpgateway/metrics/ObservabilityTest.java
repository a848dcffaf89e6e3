package dev.mcpgateway.metrics;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.matchesPattern;

import org.junit.jupiter.api.Test;

import dev.mcpgateway.testing.EverythingUpstreams;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/** Requests are counted by method, backend and outcome; backends' reachability shows in readiness. */
@QuarkusTest
@WithTestResource(EverythingUpstreams.class)
class ObservabilityTest {

    @Test
    void requestsAndBackendsAreMeasured() {
        String session = given().basePath("/mcp").header("Accept", "application/json, text/event-stream")
                .contentType(ContentType.JSON)
                .body("""
                        {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},
                         "clientInfo":{"name":"metrics-test","version":"1"}}}""")
                .post().then().statusCode(200).extract().header("Mcp-Session-Id");
        given().basePath("/mcp").header("Accept", "application/json, text/event-stream").header("Mcp-Session-Id", session)
                .contentType(ContentType.JSON)
                .body("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"beta__echo\",\"arguments\":{\"message\":\"m\"}}}")
                .post().then().statusCode(200);
        given().basePath("/mcp").header("Accept", "application/json, text/event-stream").header("Mcp-Session-Id", session)
                .contentType(ContentType.JSON)
                .body("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"nobody__echo\",\"arguments\":{}}}")
                .post().then().statusCode(200);

        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        org.assertj.core.api.Assertions.assertThat(metrics)
                .containsPattern(
                        "mcp_gateway_requests_seconds_count\\{backend=\"beta\",method=\"tools/call\",outcome=\"ok\"[^}]*} [1-9]")
                .containsPattern(
                        "mcp_gateway_requests_seconds_count\\{backend=\"-\",method=\"tools/call\",outcome=\"error\"[^}]*} [1-9]")
                .containsPattern("mcp_gateway_upstream_requests_seconds_count\\{backend=\"beta\",outcome=\"ok\"[^}]*} [1-9]")
                .containsPattern("mcp_gateway_upstream_up\\{backend=\"beta\"[^}]*} 1\\.0")
                .containsPattern("mcp_gateway_sessions_active(\\{[^}]*})? [1-9]")
                .contains("mcp_gateway_streams_open");
        // Ids never become tags.
        org.assertj.core.api.Assertions.assertThat(metrics).doesNotContain(session);

        given().get("/q/health/ready").then().statusCode(200)
                .body(containsString("Upstream servers")).body(matchesPattern("(?s).*\"beta\"\\s*:\\s*\"reachable\".*"));
    }
}
