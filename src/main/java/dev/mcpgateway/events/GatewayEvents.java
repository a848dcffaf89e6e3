package dev.mcpgateway.events;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import com.fasterxml.jackson.databind.JsonNode;

import dev.mcpgateway.config.GatewayConfig;
import dev.mcpgateway.jsonrpc.JsonRpcCodec;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.jsonrpc.McpMethods;
import dev.mcpgateway.security.Caller;
import dev.mcpgateway.security.InsufficientScopeException;
import dev.mcpgateway.security.Principal;
import dev.mcpgateway.security.RequestFacts;
import dev.mcpgateway.session.GatewaySession;
import io.vertx.core.AsyncResult;

/**
 * The gateway's event stream (docs/events.md): one event per MCP request, per session opened or
 * closed, per configuration applied or refused, as versioned JSON on the Reactive Messaging channel
 * {@value EventQueue#CHANNEL}. With {@code mcp-gateway.events.sink=none} every method returns at
 * once; otherwise the event is built on the caller's thread and queued, never waited for.
 */
@ApplicationScoped
public class GatewayEvents {

    private final boolean enabled;
    private final String replica;
    private final EventQueue queue;
    private final AtomicLong seq = new AtomicLong();

    @Inject
    public GatewayEvents(GatewayConfig config, EventQueue queue) {
        this.enabled = config.events().sink() != GatewayConfig.EventSink.NONE;
        this.replica = config.replicaName().orElseGet(() -> System.getenv().getOrDefault("HOSTNAME", "gateway"));
        this.queue = queue;
    }

    /** False with {@code sink=none}: nothing is built or sent. */
    public boolean enabled() {
        return enabled;
    }

    /**
     * One answered MCP request.
     *
     * @param name the tool or prompt name or the resource URI the client sent, or null
     * @param backend the backend it went to ("*" for every backend, "-" for the gateway itself)
     * @param outcome {@code ok}, {@code error}, {@code refused} or {@code cancelled}
     * @param traceparent the request's W3C trace context, or null
     */
    public void request(String route, GatewaySession session, Caller caller, String method, String name, String backend,
            String outcome, AsyncResult<JsonRpcResponse> answer, long nanos, String traceparent) {
        if (!enabled) {
            return;
        }
        Principal principal = caller.principal();
        RequestFacts facts = caller.facts();
        JsonRpcResponse response = answer.succeeded() ? answer.result() : null;
        String json = start("mcp.request").field("route", route).field("session", session.id())
                .field("principal", principal.anonymous() ? null : principal.name()).field("client_id", clientId(principal))
                .field("protocol_version", session.protocolVersion()).field("method", method).field("kind", kind(method))
                .field("name", name).field("backend", backend).field("outcome", outcome)
                .field("error_code", errorCode(answer))
                .pair("authorization", "rule", facts.authorizationRule(), "decision", facts.authorizationDecision())
                .pair("rate_limit", "rule", facts.rateLimitRule(), "decision", facts.rateLimitDecision())
                .millis("duration_ms", nanos).count("bytes_in", contentLength(caller))
                .count("bytes_out", response == null ? -1 : bytes(response)).field("trace_id", traceId(traceparent, caller))
                .end();
        queue.offer(session.id(), json);
    }

    /** A session opened by {@code initialize} (or pooled for 2026-07-28 clients). */
    public void sessionOpened(GatewaySession session, Principal principal) {
        if (!enabled) {
            return;
        }
        JsonNode info = session.clientInfo();
        String json = start("session.opened").field("route", session.route()).field("session", session.id())
                .field("principal", principal.anonymous() ? null : principal.name()).field("client_id", clientId(principal))
                .field("protocol_version", session.protocolVersion())
                .pair("client_info", "name", text(info, "name"), "version", text(info, "version"))
                .strings("backends", session.upstreams().keySet()).end();
        queue.offer(session.id(), json);
    }

    /** A session ended: {@code reason} is {@code deleted} (by its client) or {@code expired}. */
    public void sessionClosed(GatewaySession session, String reason) {
        if (!enabled) {
            return;
        }
        String json = start("session.closed").field("route", session.route()).field("session", session.id())
                .field("principal", session.principal().isEmpty() ? null : session.principal())
                .field("protocol_version", session.protocolVersion()).field("reason", reason)
                .millis("duration_ms", (System.currentTimeMillis() - session.createdAtMillis()) * 1_000_000L).end();
        queue.offer(session.id(), json);
    }

    /** A configuration put in force; {@code routes} names its routes. */
    public void configApplied(String source, List<String> routes) {
        if (!enabled) {
            return;
        }
        queue.offer(replica, start("config.applied").field("source", source).strings("routes", routes).end());
    }

    /** A configuration change that did not validate; the one in force stays. */
    public void configRefused(String source, String error) {
        if (!enabled) {
            return;
        }
        queue.offer(replica, start("config.refused").field("source", source).field("error", error).end());
    }

    private EventJson start(String type) {
        return EventJson.event(type, Instant.now(), replica, seq.incrementAndGet());
    }

    private static String kind(String method) {
        return switch (method) {
            case McpMethods.TOOLS_CALL -> "tool";
            case McpMethods.PROMPTS_GET -> "prompt";
            case McpMethods.RESOURCES_READ, McpMethods.RESOURCES_SUBSCRIBE, McpMethods.RESOURCES_UNSUBSCRIBE -> "resource";
            default -> null;
        };
    }

    private static String errorCode(AsyncResult<JsonRpcResponse> answer) {
        if (answer.failed()) {
            Throwable t = answer.cause();
            if (t instanceof InsufficientScopeException e) {
                return Integer.toString(e.error().error().code());
            }
            return t instanceof JsonRpcException e ? Integer.toString(e.error().code()) : null;
        }
        JsonRpcResponse r = answer.result();
        return r.isError() ? r.error().path("code").asText() : null;
    }

    private static long contentLength(Caller caller) {
        String v = caller.headers().get("content-length");
        if (v == null) {
            return -1;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static long bytes(JsonRpcResponse response) {
        return response.wire() != null ? response.wire().length : JsonRpcCodec.encode(response).length;
    }

    /** The token's client: OAuth {@code client_id}, else the authorized party {@code azp}. */
    private static String clientId(Principal principal) {
        JsonNode claims = principal.claims();
        if (claims == null) {
            return null;
        }
        String id = text(claims, "client_id");
        return id != null ? id : text(claims, "azp");
    }

    private static String text(JsonNode node, String field) {
        if (node == null) {
            return null;
        }
        JsonNode v = node.get(field);
        return v != null && v.isTextual() ? v.asText() : null;
    }

    /** The trace id of the gateway's span, else of the caller's {@code traceparent}. */
    private static String traceId(String traceparent, Caller caller) {
        String tp = traceparent != null ? traceparent : caller.headers().get("traceparent");
        // version "-" trace-id (32 hex) "-" parent-id "-" flags
        return tp != null && tp.length() >= 55 && tp.charAt(2) == '-' && tp.charAt(35) == '-' ? tp.substring(3, 35) : null;
    }
}
