package dev.mcpgateway.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import com.fasterxml.jackson.databind.JsonNode;

import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.McpMethods;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.vertx.core.MultiMap;

/**
 * OpenTelemetry spans for MCP requests. Each client request gets a server span named
 * {@code mcp <method>} with the method, the tool, prompt or resource it names, the backend, the
 * session, the JSON-RPC id and the outcome; it joins the caller's trace when the request carries a
 * W3C {@code traceparent} (as a header, or in {@code params._meta}). Each request the gateway sends
 * a backend on its behalf gets a client span under it, whose trace context goes to the backend in
 * headers and in {@code params._meta}.
 * <p>
 * Off unless the OpenTelemetry SDK is on ({@code quarkus.otel.sdk.disabled=false}): then every
 * span is {@link McpSpan#NONE}, which costs nothing and changes no header or request, so a
 * caller's own {@code traceparent} still reaches the backends as it came.
 */
@ApplicationScoped
public class McpTracing {

    static final String TRACEPARENT = "traceparent";
    static final String TRACESTATE = "tracestate";
    static final TextMapPropagator W3C = W3CTraceContextPropagator.getInstance();

    public static final AttributeKey<String> METHOD = AttributeKey.stringKey("mcp.method.name");
    public static final AttributeKey<String> TOOL = AttributeKey.stringKey("mcp.tool.name");
    public static final AttributeKey<String> PROMPT = AttributeKey.stringKey("mcp.prompt.name");
    public static final AttributeKey<String> RESOURCE = AttributeKey.stringKey("mcp.resource.uri");
    public static final AttributeKey<String> BACKEND = AttributeKey.stringKey("mcp.backend");
    public static final AttributeKey<String> SESSION_ID = AttributeKey.stringKey("mcp.session.id");
    public static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("rpc.jsonrpc.request_id");
    public static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("mcp.outcome");
    public static final AttributeKey<Long> ERROR_CODE = AttributeKey.longKey("rpc.jsonrpc.error_code");
    public static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

    private static final TextMapGetter<MultiMap> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(MultiMap carrier) {
            return carrier.names();
        }

        @Override
        public String get(MultiMap carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    private static final TextMapGetter<JsonNode> META = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(JsonNode carrier) {
            return carrier::fieldNames;
        }

        @Override
        public String get(JsonNode carrier, String key) {
            JsonNode v = carrier == null ? null : carrier.get(key);
            return v != null && v.isTextual() ? v.asText() : null;
        }
    };

    private final boolean enabled;
    private final Tracer tracer;
    private final TextMapPropagator propagator;
    /** Client requests in flight, by session and JSON-RPC id, so upstream spans find their parent. */
    private final Map<String, McpSpan> open = new ConcurrentHashMap<>();

    @Inject
    public McpTracing(OpenTelemetry openTelemetry,
            @ConfigProperty(name = "quarkus.otel.sdk.disabled", defaultValue = "false") boolean sdkDisabled,
            @ConfigProperty(name = "quarkus.otel.traces.enabled", defaultValue = "true") boolean tracesEnabled) {
        this(sdkDisabled || !tracesEnabled ? null : openTelemetry);
    }

    /** Traces with this SDK; null turns tracing off. */
    public McpTracing(OpenTelemetry openTelemetry) {
        this.enabled = openTelemetry != null;
        this.tracer = enabled ? openTelemetry.getTracer("dev.mcpgateway") : null;
        this.propagator = enabled ? openTelemetry.getPropagators().getTextMapPropagator() : null;
    }

    /** Whether spans are made at all. */
    public boolean enabled() {
        return enabled;
    }

    /**
     * Starts the server span of a client's request, before routing rewrites it. Its parent is the
     * current span when there is one (HTTP server instrumentation), else the trace context in the
     * request's headers, else in its {@code params._meta}; else it starts a trace.
     *
     * @param sessionId the gateway session, or null (initialize; see {@link McpSpan#session})
     * @param headers the client's HTTP request headers, or null
     */
    public McpSpan request(JsonRpcRequest request, String sessionId, MultiMap headers) {
        if (!enabled) {
            return McpSpan.NONE;
        }
        SpanBuilder builder = tracer.spanBuilder("mcp " + request.method())
                .setSpanKind(SpanKind.SERVER)
                .setParent(parent(request, headers))
                .setAttribute(METHOD, request.method());
        named(builder, request);
        if (request.id() != null) {
            builder.setAttribute(REQUEST_ID, request.id().asText());
        }
        if (sessionId != null) {
            builder.setAttribute(SESSION_ID, sessionId);
        }
        String key = sessionId == null || request.id() == null ? null : key(sessionId, request.id());
        McpSpan[] self = new McpSpan[1];
        McpSpan span = new McpSpan(builder.startSpan(), propagator, key == null ? null : () -> open.remove(key, self[0]));
        self[0] = span;
        if (key != null) {
            open.put(key, span);
        }
        return span;
    }

    /**
     * Starts the client span of a request sent to {@code backend} on behalf of the client request
     * {@code sessionId}/{@code request.id()} (whose span {@link #request} started). Without such a
     * span in flight, its parent is the current span, if any.
     */
    public McpSpan upstream(String sessionId, JsonRpcRequest request, String backend) {
        if (!enabled) {
            return McpSpan.NONE;
        }
        McpSpan parent = sessionId == null || request.id() == null ? null : open.get(key(sessionId, request.id()));
        return upstream(parent, request, backend, sessionId);
    }

    /** Starts the client span of a request sent to {@code backend} under {@code parent}. */
    public McpSpan upstream(McpSpan parent, JsonRpcRequest request, String backend) {
        if (!enabled) {
            return McpSpan.NONE;
        }
        return upstream(parent, request, backend, null);
    }

    private McpSpan upstream(McpSpan parent, JsonRpcRequest request, String backend, String sessionId) {
        SpanBuilder builder = tracer.spanBuilder("mcp " + request.method())
                .setSpanKind(SpanKind.CLIENT)
                .setParent(parent != null && parent.context() != null ? parent.context() : Context.current())
                .setAttribute(METHOD, request.method())
                .setAttribute(BACKEND, backend);
        named(builder, request);
        if (request.id() != null) {
            builder.setAttribute(REQUEST_ID, request.id().asText());
        }
        if (sessionId != null) {
            builder.setAttribute(SESSION_ID, sessionId);
        }
        return new McpSpan(builder.startSpan(), propagator, null);
    }

    /** The W3C {@code traceparent} of the current span, or null when there is none. */
    public String traceparent() {
        if (!enabled || !Span.current().getSpanContext().isValid()) {
            return null;
        }
        return new McpSpan(Span.current(), propagator, null).traceparent();
    }

    private Context parent(JsonRpcRequest request, MultiMap headers) {
        Context current = Context.current();
        if (Span.fromContext(current).getSpanContext().isValid()) {
            return current;
        }
        if (headers != null && headers.get(TRACEPARENT) != null) {
            return propagator.extract(Context.root(), headers, HEADERS);
        }
        JsonNode meta = request.params() == null ? null : request.params().get("_meta");
        if (meta != null && meta.isObject() && meta.hasNonNull(TRACEPARENT)) {
            return W3C.extract(Context.root(), meta, META);
        }
        return Context.root();
    }

    /** The tool, prompt or resource a request names, as the attribute for its kind. */
    private static void named(SpanBuilder builder, JsonRpcRequest request) {
        switch (request.method()) {
            case McpMethods.TOOLS_CALL -> text(builder, TOOL, request.paramText("name"));
            case McpMethods.PROMPTS_GET -> text(builder, PROMPT, request.paramText("name"));
            case McpMethods.RESOURCES_READ, McpMethods.RESOURCES_SUBSCRIBE, McpMethods.RESOURCES_UNSUBSCRIBE ->
                text(builder, RESOURCE, request.paramText("uri"));
            default -> {
            }
        }
    }

    private static void text(SpanBuilder builder, AttributeKey<String> key, String value) {
        if (value != null) {
            builder.setAttribute(key, value);
        }
    }

    private static String key(String sessionId, JsonNode requestId) {
        return sessionId + (requestId.isTextual() ? "\0s" : "\0n") + requestId.asText();
    }
}
