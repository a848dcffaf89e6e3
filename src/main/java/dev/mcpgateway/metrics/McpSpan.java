package dev.mcpgateway.metrics;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.jsonrpc.JsonRpcException;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.vertx.core.AsyncResult;
import io.vertx.core.MultiMap;

/**
 * One traced MCP request: the gateway's server span for a client's request, or a client span for
 * the request it sends a backend. Answers the trace context to send on, and ends with the
 * request's outcome. {@link #NONE} stands for every span while tracing is off: it records nothing,
 * and only passes on the trace context the caller sent.
 */
public final class McpSpan {

    /** Tracing is off: no span; the caller's own trace context is all that is passed on. */
    public static final McpSpan NONE = new McpSpan(null, null, null);

    private final Span span;
    private final Context context;
    private final TextMapPropagator propagator;
    private final Runnable onEnd;

    McpSpan(Span span, TextMapPropagator propagator, Runnable onEnd) {
        this.span = span;
        this.context = span == null ? null : Context.root().with(span);
        this.propagator = propagator;
        this.onEnd = onEnd;
    }

    /** False for {@link #NONE}. */
    public boolean recording() {
        return span != null && span.isRecording();
    }

    /** The W3C {@code traceparent} naming this span, or null while tracing is off. */
    public String traceparent() {
        return span == null || !span.getSpanContext().isValid() ? null : contextOf(McpTracing.W3C).get(McpTracing.TRACEPARENT);
    }

    /**
     * {@code headers} plus this span's trace context ({@code traceparent}, {@code tracestate}, and
     * whatever else the configured propagators carry), replacing any the caller sent: the backend's
     * spans then hang under this one. The same map, untouched, while tracing is off.
     */
    public Map<String, String> withTraceHeaders(Map<String, String> headers) {
        if (span == null || !span.getSpanContext().isValid()) {
            return headers;
        }
        Map<String, String> out = new LinkedHashMap<>(headers);
        out.keySet().removeIf(k -> k.equalsIgnoreCase(McpTracing.TRACEPARENT) || k.equalsIgnoreCase(McpTracing.TRACESTATE));
        out.putAll(contextOf(propagator));
        return out;
    }

    /**
     * {@code request} with the trace context in {@code params._meta} ({@code traceparent}, and
     * {@code tracestate} when there is one), for backends that read it there (a stdio backend has
     * no other way to get it): this span's, or, while tracing is off, the one the caller sent in
     * {@code callerHeaders} unless the request's {@code _meta} already names one. The request's own
     * params are not changed: a copy carries the new {@code _meta}. The same request when there is
     * no trace context to add.
     *
     * @param callerHeaders the client's HTTP request headers, or null
     */
    public JsonRpcRequest withTraceMeta(JsonRpcRequest request, MultiMap callerHeaders) {
        Map<String, String> trace;
        if (span != null && span.getSpanContext().isValid()) {
            trace = contextOf(McpTracing.W3C);
        } else if (callerHeaders != null && callerHeaders.get(McpTracing.TRACEPARENT) != null
                && !(request.params() != null && request.params().path("_meta").has(McpTracing.TRACEPARENT))) {
            trace = new LinkedHashMap<>(2);
            trace.put(McpTracing.TRACEPARENT, callerHeaders.get(McpTracing.TRACEPARENT));
            if (callerHeaders.get(McpTracing.TRACESTATE) != null) {
                trace.put(McpTracing.TRACESTATE, callerHeaders.get(McpTracing.TRACESTATE));
            }
        } else {
            return request;
        }
        ObjectNode params = JsonNodeFactory.instance.objectNode();
        if (request.params() != null) {
            params.setAll(request.params());
        }
        JsonNode oldMeta = params.get("_meta");
        ObjectNode meta = oldMeta instanceof ObjectNode m ? m.deepCopy() : JsonNodeFactory.instance.objectNode();
        meta.remove(McpTracing.TRACESTATE);
        trace.forEach(meta::put);
        params.set("_meta", meta);
        return request.withParams(params);
    }

    /** Names the backend that answers (known only after routing, for a client's request). */
    public McpSpan backend(String backend) {
        if (span != null && backend != null) {
            span.setAttribute(McpTracing.BACKEND, backend);
        }
        return this;
    }

    /** Names the gateway session (known only once initialize has made one). */
    public McpSpan session(String sessionId) {
        if (span != null && sessionId != null) {
            span.setAttribute(McpTracing.SESSION_ID, sessionId);
        }
        return this;
    }

    /**
     * Makes this span the current one (for code that reads the current span, such as
     * {@link McpTracing#traceparent()}) until the scope closes, on this thread.
     */
    public Scope makeCurrent() {
        return context == null ? Scope.noop() : context.makeCurrent();
    }

    /**
     * Ends the span. {@code outcome} is the word the metrics use (ok, error, timeout, refused,
     * cancelled); a failure, or a response carrying a JSON-RPC error, marks the span as failed
     * with its error code.
     */
    public void end(String outcome, AsyncResult<JsonRpcResponse> result) {
        if (span == null) {
            return;
        }
        span.setAttribute(McpTracing.OUTCOME, outcome);
        if (result != null && result.failed()) {
            Throwable t = result.cause();
            if (t instanceof JsonRpcException e) {
                failed(e.error().code(), e.getMessage());
            } else {
                span.recordException(t);
                span.setAttribute(McpTracing.ERROR_TYPE, t.getClass().getName());
                span.setStatus(StatusCode.ERROR, t.getMessage() == null ? "" : t.getMessage());
            }
        } else if (result != null && result.result() != null && result.result().isError()) {
            JsonNode error = result.result().error();
            failed(error.path("code").asInt(), error.path("message").asText(""));
        } else if (!"ok".equals(outcome)) {
            span.setStatus(StatusCode.ERROR, outcome);
        }
        span.end();
        if (onEnd != null) {
            onEnd.run();
        }
    }

    private void failed(int code, String message) {
        span.setAttribute(McpTracing.ERROR_CODE, code);
        span.setAttribute(McpTracing.ERROR_TYPE, Integer.toString(code));
        span.setStatus(StatusCode.ERROR, message);
    }

    Context context() {
        return context;
    }

    private Map<String, String> contextOf(TextMapPropagator p) {
        Map<String, String> out = new LinkedHashMap<>(4);
        p.inject(context, out, (carrier, key, value) -> carrier.put(key, value));
        return out;
    }
}
