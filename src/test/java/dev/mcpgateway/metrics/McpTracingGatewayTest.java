package dev.mcpgateway.metrics;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.mcpgateway.testing.EverythingUpstreams;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/** With the router's hooks in place and tracing on, an MCP request through the gateway makes its spans. */
@QuarkusTest
@TestProfile(McpTracingEnabledTest.TracingOn.class)
@WithTestResource(EverythingUpstreams.class)
class McpTracingGatewayTest {

    @Inject
    InMemorySpanExporter exporter;

    @Test
    void aToolCallIsTracedInTheCallersTrace() {
        String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
        String session = given().basePath("/mcp").header("Accept", "application/json, text/event-stream")
                .contentType(ContentType.JSON)
                .body("""
                        {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},
                         "clientInfo":{"name":"trace-test","version":"1"}}}""")
                .post().then().statusCode(200).extract().header("Mcp-Session-Id");
        given().basePath("/mcp").header("Accept", "application/json, text/event-stream").header("Mcp-Session-Id", session)
                .header("traceparent", "00-" + trace + "-00f067aa0ba902b7-01")
                .contentType(ContentType.JSON)
                .body("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"beta__echo\",\"arguments\":{\"message\":\"m\"}}}")
                .post().then().statusCode(200);

        await().atMost(Duration.ofSeconds(10)).until(() -> inTrace(trace).size() >= 2);
        List<SpanData> spans = inTrace(trace);
        SpanData server = spans.stream().filter(s -> s.getKind() == SpanKind.SERVER).findFirst().orElseThrow();
        SpanData client = spans.stream().filter(s -> s.getKind() == SpanKind.CLIENT).findFirst().orElseThrow();
        assertThat(server.getName()).isEqualTo("mcp tools/call");
        assertThat(server.getParentSpanId()).isEqualTo("00f067aa0ba902b7");
        assertThat(server.getAttributes().get(McpTracing.BACKEND)).isEqualTo("beta");
        assertThat(server.getAttributes().get(McpTracing.TOOL)).isEqualTo("beta__echo");
        assertThat(server.getAttributes().get(McpTracing.SESSION_ID)).isEqualTo(session);
        assertThat(client.getParentSpanId()).isEqualTo(server.getSpanId());
        assertThat(client.getAttributes().get(McpTracing.BACKEND)).isEqualTo("beta");
        assertThat(client.getAttributes().get(McpTracing.TOOL)).isEqualTo("echo");
    }

    private List<SpanData> inTrace(String trace) {
        return exporter.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(trace)).toList();
    }
}
