package dev.mcpgateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import dev.mcpgateway.jsonrpc.ErrorCodes;
import dev.mcpgateway.jsonrpc.JsonRpcError;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.jsonrpc.McpMethods;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;

/** The spans and trace context of MCP requests, exported to memory by a real OpenTelemetry SDK. */
class McpTracingTest {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final String CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CALLER_SPAN = "00f067aa0ba902b7";
    private static final String CALLER_TRACEPARENT = "00-" + CALLER_TRACE + "-" + CALLER_SPAN + "-01";

    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private final SdkTracerProvider provider = SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
    private final McpTracing tracing = new McpTracing(OpenTelemetrySdk.builder().setTracerProvider(provider)
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build());

    @AfterEach
    void close() {
        provider.close();
    }

    @Test
    void aRequestSpanJoinsTheCallersTraceFromItsHeaders() {
        JsonRpcRequest call = toolCall(IntNode.valueOf(7), "beta__echo", null);

        McpSpan span = tracing.request(call, "session-1", headers(CALLER_TRACEPARENT));
        span.backend("beta").end("ok", Future.succeededFuture(JsonRpcResponse.result(call.id(), JSON.objectNode())));

        SpanData data = only();
        assertThat(data.getName()).isEqualTo("mcp tools/call");
        assertThat(data.getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(data.getTraceId()).isEqualTo(CALLER_TRACE);
        assertThat(data.getParentSpanId()).isEqualTo(CALLER_SPAN);
        assertThat(data.getParentSpanContext().isRemote()).isTrue();
        assertThat(data.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
        assertThat(data.getAttributes().asMap()).containsAllEntriesOf(Map.of(
                McpTracing.METHOD, "tools/call",
                McpTracing.TOOL, "beta__echo",
                McpTracing.BACKEND, "beta",
                McpTracing.SESSION_ID, "session-1",
                McpTracing.REQUEST_ID, "7",
                McpTracing.OUTCOME, "ok"));
    }

    @Test
    void aRequestWithoutHeadersJoinsTheTraceNamedInItsMeta() {
        ObjectNode meta = JSON.objectNode().put("traceparent", CALLER_TRACEPARENT).put("progressToken", 1);
        JsonRpcRequest read = new JsonRpcRequest(TextNode.valueOf("r"), McpMethods.RESOURCES_READ,
                JSON.objectNode().put("uri", "file:///a").set("_meta", meta));

        tracing.request(read, "s", MultiMap.caseInsensitiveMultiMap()).end("ok", null);

        SpanData data = only();
        assertThat(data.getTraceId()).isEqualTo(CALLER_TRACE);
        assertThat(data.getParentSpanId()).isEqualTo(CALLER_SPAN);
        assertThat(data.getAttributes().get(McpTracing.RESOURCE)).isEqualTo("file:///a");
        assertThat(data.getAttributes().get(McpTracing.REQUEST_ID)).isEqualTo("r");
    }

    @Test
    void aRequestWithNoTraceContextStartsATrace() {
        McpSpan span = tracing.request(new JsonRpcRequest(IntNode.valueOf(1), McpMethods.TOOLS_LIST, null), null, null);
        String traceparent = span.traceparent();
        span.session("made-by-initialize").end("ok", null);

        SpanData data = only();
        assertThat(data.getParentSpanContext().isValid()).isFalse();
        assertThat(traceparent).isEqualTo("00-" + data.getTraceId() + "-" + data.getSpanId() + "-01");
        assertThat(data.getAttributes().get(McpTracing.SESSION_ID)).isEqualTo("made-by-initialize");
    }

    @Test
    void anUpstreamSpanIsAChildAndItsContextGoesToTheBackend() {
        JsonRpcRequest call = toolCall(TextNode.valueOf("c1"), "beta__echo", JSON.objectNode().put("progressToken", "p"));
        McpSpan request = tracing.request(call, "session-2", headers(CALLER_TRACEPARENT));
        // What the router sends: the backend's own tool name, the same id.
        JsonRpcRequest forwarded = toolCall(TextNode.valueOf("c1"), "echo", JSON.objectNode().put("progressToken", "p"));

        McpSpan upstream = tracing.upstream("session-2", forwarded, "beta");
        Map<String, String> headers = upstream.withTraceHeaders(Map.of("Authorization", "Bearer t",
                "traceparent", CALLER_TRACEPARENT, "tracestate", "caller=1"));
        JsonRpcRequest sent = upstream.withTraceMeta(forwarded, headers(CALLER_TRACEPARENT));
        upstream.end("ok", null);
        request.end("ok", null);

        List<SpanData> spans = exporter.getFinishedSpanItems();
        assertThat(spans).hasSize(2);
        SpanData client = spans.get(0);
        SpanData server = spans.get(1);
        assertThat(client.getKind()).isEqualTo(SpanKind.CLIENT);
        assertThat(client.getName()).isEqualTo("mcp tools/call");
        assertThat(client.getTraceId()).isEqualTo(CALLER_TRACE);
        assertThat(client.getParentSpanId()).isEqualTo(server.getSpanId());
        assertThat(client.getAttributes().get(McpTracing.BACKEND)).isEqualTo("beta");
        assertThat(client.getAttributes().get(McpTracing.TOOL)).isEqualTo("echo");
        assertThat(client.getAttributes().get(McpTracing.SESSION_ID)).isEqualTo("session-2");

        String expected = "00-" + CALLER_TRACE + "-" + client.getSpanId() + "-01";
        assertThat(headers).containsEntry("traceparent", expected).containsEntry("Authorization", "Bearer t")
                .doesNotContainKey("tracestate");
        assertThat(sent.params().path("_meta").path("traceparent").asText()).isEqualTo(expected);
        assertThat(sent.params().path("_meta").path("progressToken").asText()).isEqualTo("p");
        assertThat(sent.params().path("name").asText()).isEqualTo("echo");
        // The router's request is left as it was.
        assertThat(forwarded.params().path("_meta").has("traceparent")).isFalse();
    }

    @Test
    void anUpstreamSpanUnderAnExplicitParentAndTheCurrentSpansTraceparent() {
        McpSpan initialize = tracing.request(new JsonRpcRequest(IntNode.valueOf(0), McpMethods.INITIALIZE, null), null,
                headers(CALLER_TRACEPARENT));
        McpSpan open = tracing.upstream(initialize, new JsonRpcRequest(IntNode.valueOf(0), McpMethods.INITIALIZE, null),
                "alpha");
        String current;
        try (Scope ignored = open.makeCurrent()) {
            current = tracing.traceparent();
        }
        open.end("ok", null);
        initialize.end("ok", null);

        assertThat(current).isEqualTo(open.traceparent());
        assertThat(exporter.getFinishedSpanItems().get(0).getParentSpanId())
                .isEqualTo(exporter.getFinishedSpanItems().get(1).getSpanId());
        assertThat(tracing.traceparent()).isNull();
    }

    @Test
    void failuresMarkTheSpanWithTheirJsonRpcCode() {
        McpSpan timedOut = tracing.request(toolCall(IntNode.valueOf(1), "slow", null), "s", null);
        timedOut.end("timeout",
                Future.failedFuture(new JsonRpcException(ErrorCodes.UPSTREAM_TIMEOUT, "Backend 'b' did not answer")));
        McpSpan refused = tracing.request(toolCall(IntNode.valueOf(2), "hidden", null), "s", null);
        refused.end("refused", Future.succeededFuture(
                JsonRpcResponse.error(IntNode.valueOf(2), new JsonRpcError(ErrorCodes.FORBIDDEN, "not allowed"))));
        McpSpan broken = tracing.request(toolCall(IntNode.valueOf(3), "bug", null), "s", null);
        broken.end("error", Future.failedFuture(new IllegalStateException("boom")));

        List<SpanData> spans = exporter.getFinishedSpanItems();
        assertThat(spans).extracting(s -> s.getStatus().getStatusCode()).containsOnly(StatusCode.ERROR);
        assertThat(spans.get(0).getAttributes().get(McpTracing.ERROR_CODE)).isEqualTo((long) ErrorCodes.UPSTREAM_TIMEOUT);
        assertThat(spans.get(0).getAttributes().get(McpTracing.OUTCOME)).isEqualTo("timeout");
        assertThat(spans.get(1).getAttributes().get(McpTracing.ERROR_CODE)).isEqualTo((long) ErrorCodes.FORBIDDEN);
        assertThat(spans.get(1).getStatus().getDescription()).isEqualTo("not allowed");
        assertThat(spans.get(2).getAttributes().get(McpTracing.ERROR_TYPE)).isEqualTo("java.lang.IllegalStateException");
        assertThat(spans.get(2).getEvents()).extracting(e -> e.getName()).contains("exception");
    }

    @Test
    void offItMakesNoSpansAndPassesOnlyTheCallersContext() {
        McpTracing off = new McpTracing(null);
        JsonRpcRequest call = toolCall(IntNode.valueOf(1), "beta__echo", JSON.objectNode().put("progressToken", 3));
        Map<String, String> headers = Map.of("traceparent", CALLER_TRACEPARENT);
        MultiMap callerHeaders = headers(CALLER_TRACEPARENT).add("tracestate", "caller=1");

        McpSpan span = off.request(call, "s", callerHeaders);
        McpSpan upstream = off.upstream("s", call, "beta");
        JsonRpcRequest sent = upstream.withTraceMeta(call, callerHeaders);

        assertThat(off.enabled()).isFalse();
        assertThat(span).isSameAs(McpSpan.NONE);
        assertThat(upstream.traceparent()).isNull();
        // The router already copies the caller's headers; they stay as they are.
        assertThat(upstream.withTraceHeaders(headers)).isSameAs(headers);
        // _meta gets the caller's context, for backends that read it there.
        assertThat(sent.params().path("_meta").path("traceparent").asText()).isEqualTo(CALLER_TRACEPARENT);
        assertThat(sent.params().path("_meta").path("tracestate").asText()).isEqualTo("caller=1");
        assertThat(sent.params().path("_meta").path("progressToken").asInt()).isEqualTo(3);
        assertThat(call.params().path("_meta").has("traceparent")).isFalse();
        // Nothing to add: the same request.
        assertThat(upstream.withTraceMeta(call, MultiMap.caseInsensitiveMultiMap())).isSameAs(call);
        assertThat(upstream.withTraceMeta(sent, callerHeaders)).isSameAs(sent);
        upstream.end("ok", null);
        span.end("ok", null);
        assertThat(exporter.getFinishedSpanItems()).isEmpty();
    }

    private SpanData only() {
        assertThat(exporter.getFinishedSpanItems()).hasSize(1);
        return exporter.getFinishedSpanItems().get(0);
    }

    private static MultiMap headers(String traceparent) {
        return MultiMap.caseInsensitiveMultiMap().add("Traceparent", traceparent).add("Accept", "application/json");
    }

    private static JsonRpcRequest toolCall(com.fasterxml.jackson.databind.JsonNode id, String name, ObjectNode meta) {
        ObjectNode params = JSON.objectNode().put("name", name);
        params.putObject("arguments").put("message", "m");
        if (meta != null) {
            params.set("_meta", meta);
        }
        return new JsonRpcRequest(id, McpMethods.TOOLS_CALL, params);
    }
}
