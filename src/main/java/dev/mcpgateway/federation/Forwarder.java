package dev.mcpgateway.federation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.config.BackendConfig;
import dev.mcpgateway.config.ForwardHeader;
import dev.mcpgateway.config.GatewayConfig;
import dev.mcpgateway.jsonrpc.ErrorCodes;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import dev.mcpgateway.jsonrpc.JsonRpcNotification;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.jsonrpc.ModernMeta;
import dev.mcpgateway.jsonrpc.ProtocolVersions;
import dev.mcpgateway.metrics.GatewayMetrics;
import dev.mcpgateway.metrics.McpSpan;
import dev.mcpgateway.metrics.McpTracing;
import dev.mcpgateway.security.Caller;
import dev.mcpgateway.security.UpstreamCredentials;
import dev.mcpgateway.session.GatewaySession;
import dev.mcpgateway.upstream.UpstreamClient;
import dev.mcpgateway.upstream.UpstreamErrors;
import dev.mcpgateway.upstream.UpstreamSession;
import dev.mcpgateway.upstream.UpstreamSink;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;

/**
 * Sends one request of a client session to one backend: headers for that backend (credentials,
 * forwarded client headers, trace context), the revision bridge toward 2026-07-28 upstreams, a new
 * upstream session when the old one ended, and the requests in flight a client may cancel.
 */
@Singleton
class Forwarder {

    private static final Logger LOG = Logger.getLogger(Forwarder.class);
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final GatewayConfig config;
    private final UpstreamCredentials credentials;
    private final GatewayMetrics metrics;
    private final McpTracing tracing;
    private final SessionOpener opener;
    private final UpstreamMessages messages;
    private final InputRounds inputRounds;
    private final BackendGuards guards;
    /** Requests in flight on this replica, by session and client id: which backends serve them. */
    private final Map<String, List<Pending>> inFlight = new ConcurrentHashMap<>();

    /** One backend's part of a request in flight; failing its promise ends the gateway's wait. */
    private record Pending(String backend, Promise<JsonRpcResponse> promise) {
    }

    @Inject
    Forwarder(GatewayConfig config, UpstreamCredentials credentials, GatewayMetrics metrics, McpTracing tracing,
            SessionOpener opener, UpstreamMessages messages, InputRounds inputRounds, BackendGuards guards) {
        this.config = config;
        this.credentials = credentials;
        this.metrics = metrics;
        this.tracing = tracing;
        this.opener = opener;
        this.messages = messages;
        this.inputRounds = inputRounds;
        this.guards = guards;
    }

    /**
     * Sends a request to one backend of the session. If the upstream ended its session, opens a
     * new one, records it, and retries once.
     */
    Future<JsonRpcResponse> forward(Route route, GatewaySession session, Caller caller, String backend,
            JsonRpcRequest request, ClientSink sink) {
        UpstreamClient client = route.client(backend);
        UpstreamSession upstream = session.upstream(backend);
        if (client == null || upstream == null) {
            return Future.failedFuture(UpstreamErrors.unavailable(backend, "it is no longer configured"));
        }
        BackendGuard guard = guards.of(route, backend);
        int permit = guard == null ? BackendGuard.PERMITTED : guard.acquire();
        if (permit < BackendGuard.PERMITTED) {
            return guards.refused(route, guard, permit, caller, request);
        }
        String key = inFlightKey(session.id(), request.id());
        Pending pending = new Pending(backend, Promise.promise());
        inFlight.compute(key, (k, v) -> {
            List<Pending> list = v == null ? new ArrayList<>(2) : v;
            list.add(pending);
            return list;
        });
        UpstreamSink interim = messages.toClient(route, session, upstream, sink);
        boolean modernUpstream = ProtocolVersions.isModern(upstream.protocolVersion());
        if (modernUpstream) {
            request = toModern(session, request);
        }
        McpSpan span = tracing.upstream(session.id(), request, backend);
        // The upstream call's span context in _meta, or the caller's when tracing is off.
        JsonRpcRequest outgoing = span.withTraceMeta(request, caller.headers());
        long sent = System.nanoTime();
        BackendConfig backendConfig = route.config().backend(backend);
        // What the caller's credentials add toward this backend (a token obtained for it, claims),
        // and the caller's W3C trace context, so the upstream's spans join the same trace.
        credentials.headers(route.config(), client.config(), caller.principal())
                .map(h -> span.withTraceHeaders(withForwarded(withTrace(h, caller), backendConfig, caller)))
                .map(h -> modernUpstream ? withParamHeaders(h, caller) : h)
                .compose(extra -> client.request(upstream, outgoing, interim, extra).recover(t -> {
                    if (!UpstreamErrors.isSessionExpired(t) || pending.promise().future().isComplete()) {
                        return Future.failedFuture(t);
                    }
                    LOG.infof("Backend %s ended session %s upstream; opening a new one", backend, session.id());
                    return opener.reopen(route, session, client, caller.principal())
                            .compose(fresh -> client.request(fresh, outgoing, interim, extra));
                }).compose(r -> ModernMeta.inputRequired(r.result()) && !ProtocolVersions.isModern(session.protocolVersion())
                        ? inputRounds.rounds(route, session, upstream, client, outgoing, r, sink, extra, 1)
                        : Future.succeededFuture(r)))
                .onComplete(ar -> {
                    String outcome = ar.succeeded() ? "ok"
                            : ar.cause() instanceof JsonRpcException e && e.error().code() == ErrorCodes.UPSTREAM_TIMEOUT
                                    ? "timeout"
                                    : "error";
                    metrics.upstream(backend, outcome, System.nanoTime() - sent);
                    span.end(outcome, ar);
                    AsyncResult<JsonRpcResponse> out = guard == null ? ar : guards.done(guard, permit, caller, outgoing, ar);
                    if (out.succeeded()) {
                        pending.promise().tryComplete(out.result());
                    } else {
                        pending.promise().tryFail(out.cause());
                    }
                });
        return pending.promise().future().onComplete(ignored -> inFlight.computeIfPresent(key, (k, v) -> {
            v.remove(pending);
            return v.isEmpty() ? null : v;
        }));
    }

    /** A client's cancellation: to the backends serving that request here; when it is in flight elsewhere, to all. */
    void cancel(Route route, GatewaySession session, Caller caller, JsonRpcNotification notification) {
        JsonNode requestId = notification.params() == null ? null : notification.params().get("requestId");
        List<Pending> pendings = requestId == null || !(requestId.isTextual() || requestId.isIntegralNumber()) ? null
                : inFlight.get(inFlightKey(session.id(), requestId));
        if (pendings == null) {
            notify(route, session, caller, notification, null);
            return;
        }
        List<Pending> copy = List.copyOf(pendings);
        notify(route, session, caller, notification, copy.stream().map(Pending::backend).toList());
        // The client will ignore any answer now; stop waiting so its stream closes at once.
        copy.forEach(p -> p.promise()
                .tryFail(new JsonRpcException(ErrorCodes.REQUEST_CANCELLED, "Request cancelled by the client")));
    }

    /** Sends a client notification to the session's backends ({@code only} those, when given). */
    void notify(Route route, GatewaySession session, Caller caller, JsonRpcNotification notification, List<String> only) {
        for (UpstreamSession u : session.upstreamList()) {
            if (only != null && !only.contains(u.backend())) {
                continue;
            }
            UpstreamClient c = route.client(u.backend());
            if (c != null) {
                credentials.headers(route.config(), c.config(), caller.principal()).compose(h -> c.send(u, notification, h))
                        .onFailure(t -> LOG.debugf("%s to %s failed: %s", notification.method(), u.backend(), t.getMessage()));
            }
        }
    }

    /**
     * The request as a 2026-07-28 upstream expects it: version and the client's capabilities in
     * {@code _meta}. A 2026-07-28 client's own {@code _meta} passes as it came; for an older client
     * they come from its session.
     */
    private JsonRpcRequest toModern(GatewaySession session, JsonRpcRequest request) {
        ObjectNode params = request.params() == null ? JSON.objectNode() : request.params();
        ObjectNode meta = ModernMeta.ensure(params);
        meta.put(ModernMeta.PROTOCOL_VERSION, ProtocolVersions.V2026_07_28);
        if (!meta.has(ModernMeta.CLIENT_CAPABILITIES)) {
            meta.set(ModernMeta.CLIENT_CAPABILITIES,
                    session.clientCapabilities() == null ? JSON.objectNode() : session.clientCapabilities().deepCopy());
        }
        if (!meta.has(ModernMeta.CLIENT_INFO)) {
            ObjectNode info = meta.putObject(ModernMeta.CLIENT_INFO);
            info.put("name", session.clientInfo() == null ? config.serverName()
                    : session.clientInfo().path("name").asText(config.serverName()));
            info.put("version", session.clientInfo() == null ? McpRouter.GATEWAY_VERSION
                    : session.clientInfo().path("version").asText(McpRouter.GATEWAY_VERSION));
        }
        if (session.logLevel() != null && !meta.has(ModernMeta.LOG_LEVEL)) {
            meta.put(ModernMeta.LOG_LEVEL, session.logLevel());
        }
        return request.withParams(params);
    }

    private static Map<String, String> withTrace(Map<String, String> headers, Caller caller) {
        String traceparent = caller.headers().get("traceparent");
        if (traceparent == null) {
            return headers;
        }
        Map<String, String> out = new LinkedHashMap<>(headers);
        out.put("traceparent", traceparent);
        String tracestate = caller.headers().get("tracestate");
        if (tracestate != null) {
            out.put("tracestate", tracestate);
        }
        return out;
    }

    /**
     * {@code Mcp-Param-*} headers mirror tool arguments the server marked with {@code x-mcp-header};
     * the upstream that defined them checks them, so they pass through unchanged.
     */
    private static Map<String, String> withParamHeaders(Map<String, String> headers, Caller caller) {
        Map<String, String> out = null;
        for (Map.Entry<String, String> h : caller.headers()) {
            if (h.getKey().regionMatches(true, 0, "Mcp-Param-", 0, 10)) {
                if (out == null) {
                    out = new LinkedHashMap<>(headers);
                }
                out.put(h.getKey(), h.getValue());
            }
        }
        return out == null ? headers : out;
    }

    /** The client headers this backend is configured to receive ({@code forwardHeaders}). */
    private static Map<String, String> withForwarded(Map<String, String> headers, BackendConfig backend, Caller caller) {
        if (backend == null || backend.forwardHeaders().isEmpty()) {
            return headers;
        }
        Map<String, String> out = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (ForwardHeader f : backend.forwardHeaders()) {
            String value = caller.headers().get(f.name());
            if (value != null) {
                out.put(f.backendHeader() == null ? f.name() : f.backendHeader(), value);
            }
        }
        // The gateway's own headers toward the backend (credentials) win over forwarded ones.
        out.putAll(headers);
        return out;
    }

    private static String inFlightKey(String sessionId, JsonNode requestId) {
        // Not JsonNode.toString(): that runs a serializer; the id is a string or an integer.
        return sessionId + (requestId.isTextual() ? "\0s" : "\0n") + requestId.asText();
    }
}
