package dev.mcpgateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.McpMethods;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.MultiMap;

/**
 * With the OpenTelemetry SDK switched on by configuration, the application's {@link McpTracing}
 * traces through Quarkus's SDK to the exporters it finds as beans (here one in memory).
 */
@QuarkusTest
@TestProfile(McpTracingEnabledTest.TracingOn.class)
class McpTracingEnabledTest {

    public static class TracingOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.otel.sdk.disabled", "false",
                    // Spans go to the SpanExporter beans (the default "cdi" exporter), not over OTLP,
                    // in batches sent every 50 ms.
                    "quarkus.otel.exporter.otlp.enabled", "false",
                    "quarkus.otel.bsp.schedule.delay", "50ms");
        }
    }

    /** The exporter the SDK finds as a bean. */
    @Singleton
    static class Spans {
        @Produces
        @Singleton
        InMemorySpanExporter exporter() {
            return InMemorySpanExporter.create();
        }
    }

    @Inject
    McpTracing tracing;

    @Inject
    InMemorySpanExporter exporter;

    @Test
    void spansReachTheConfiguredExporterInTheCallersTrace() {
        String trace = "0af7651916cd43dd8448eb211c80319c";
        JsonRpcRequest call = new JsonRpcRequest(IntNode.valueOf(5), McpMethods.TOOLS_CALL,
                JsonNodeFactory.instance.objectNode().put("name", "alpha__echo"));
        MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("traceparent", "00-" + trace + "-b7ad6b7169203331-01");

        McpSpan request = tracing.request(call, "sess", headers);
        McpSpan upstream = tracing.upstream("sess", call, "alpha");
        String sent = upstream.withTraceHeaders(Map.of()).get("traceparent");
        upstream.end("ok", null);
        request.end("ok", null);

        assertThat(tracing.enabled()).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> inTrace(trace).size() == 2);
        List<SpanData> spans = inTrace(trace);
        assertThat(spans).extracting(SpanData::getName).containsExactly("mcp tools/call", "mcp tools/call");
        assertThat(spans.get(0).getParentSpanId()).isEqualTo(spans.get(1).getSpanId());
        assertThat(spans.get(1).getParentSpanId()).isEqualTo("b7ad6b7169203331");
        assertThat(sent).isEqualTo("00-" + trace + "-" + spans.get(0).getSpanId() + "-01");
        assertThat(spans.get(1).getResource().getAttribute(AttributeKey.stringKey("service.name"))).isEqualTo("mcp-gateway");
    }

    private List<SpanData> inTrace(String trace) {
        return exporter.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(trace)).toList();
    }
}
