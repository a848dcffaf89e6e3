package dev.mcpgateway.federation;

import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.cluster.UpstreamPump;
import dev.mcpgateway.events.GatewayEvents;
import dev.mcpgateway.jsonrpc.ErrorCodes;
import dev.mcpgateway.jsonrpc.JsonRpcError;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import dev.mcpgateway.jsonrpc.JsonRpcNotification;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.jsonrpc.McpMethods;
import dev.mcpgateway.jsonrpc.ModernMeta;
import dev.mcpgateway.jsonrpc.ProtocolVersions;
import dev.mcpgateway.metrics.AccessLog;
import dev.mcpgateway.metrics.GatewayMetrics;
import dev.mcpgateway.metrics.McpSpan;
import dev.mcpgateway.metrics.McpTracing;
import dev.mcpgateway.ratelimit.RateLimiter;
import dev.mcpgateway.security.Caller;
import dev.mcpgateway.security.InsufficientScopeException;
import dev.mcpgateway.security.Principal;
import dev.mcpgateway.session.GatewaySession;
import dev.mcpgateway.session.SessionStore;
import dev.mcpgateway.upstream.UpstreamSession;
import io.vertx.core.Future;

/**
 * The federation: maps one client session onto one upstream session per backend, the only place
 * that knows both worlds. A facade: the dispatch picks the handler of each feature (opening
 * sessions, merged lists, named requests, answers to server requests, subscriptions) and records
 * every request once (span, meters, access log).
 */
@ApplicationScoped
public class McpRouter {

    private static final Logger LOG = Logger.getLogger(McpRouter.class);
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    public static final String GATEWAY_VERSION = "0.1.0";
    /** Method names used as meter tags; everything else is "other", so tag values stay bounded. */
    private static final Set<String> KNOWN_METHODS = Set.of(McpMethods.PING, McpMethods.TOOLS_LIST, McpMethods.TOOLS_CALL,
            McpMethods.PROMPTS_LIST, McpMethods.PROMPTS_GET, McpMethods.RESOURCES_LIST, McpMethods.RESOURCES_TEMPLATES_LIST,
            McpMethods.RESOURCES_READ, McpMethods.RESOURCES_SUBSCRIBE, McpMethods.RESOURCES_UNSUBSCRIBE,
            McpMethods.COMPLETION_COMPLETE, McpMethods.LOGGING_SET_LEVEL, McpMethods.TASKS_GET, McpMethods.TASKS_RESULT,
            McpMethods.TASKS_LIST, McpMethods.TASKS_CANCEL);

    private final SessionStore store;
    private final RouteTable routes;
    private final RequestIds requestIds;
    private final GatewayMetrics metrics;
    private final McpTracing tracing;
    private final AccessLog accessLog;
    private final SessionOpener opener;
    private final Catalog catalog;
    private final NamedRequests named;
    private final Forwarder forwarder;
    private final ServerRequests serverRequests;
    private final Subscriptions subscriptions;
    /** Routes with {@code toolDiscovery: search}: the gateway's search, describe and call tools. */
    @Inject
    ToolDiscoveryTools discovery;
    @Inject
    TaskBridge tasks;
    /** The event stream (docs/events.md). */
    @Inject
    GatewayEvents events;
    @Inject
    RateLimiter limits;

    @Inject
    public McpRouter(SessionStore store, RouteTable routes, RequestIds requestIds, GatewayMetrics metrics, McpTracing tracing,
            AccessLog accessLog, SessionOpener opener, Catalog catalog, NamedRequests named, Forwarder forwarder,
            ServerRequests serverRequests, Subscriptions subscriptions) {
        this.store = store;
        this.routes = routes;
        this.requestIds = requestIds;
        this.metrics = metrics;
        this.tracing = tracing;
        this.accessLog = accessLog;
        this.opener = opener;
        this.catalog = catalog;
        this.named = named;
        this.forwarder = forwarder;
        this.serverRequests = serverRequests;
        this.subscriptions = subscriptions;
        store.onExpiry(s -> ended(s, "expired"));
    }

    /** A new session and the response to its {@code initialize}. */
    public record Initialized(GatewaySession session, JsonRpcResponse response) {
    }

    /** Every backend's standalone stream of one session, merged. */
    public interface Pump extends UpstreamPump {
    }

    /** What a 2026-07-28 client's {@code subscriptions/listen} asked for, in the names it sees. */
    public record ListenFilter(boolean tools, boolean prompts, boolean resources, Set<String> uris) {

        /** Whether a notification (rewritten for the client) is one the client opted into. */
        public boolean wants(JsonRpcNotification n) {
            return switch (n.method()) {
                case McpMethods.NOTIFICATIONS_TOOLS_LIST_CHANGED -> tools;
                case McpMethods.NOTIFICATIONS_PROMPTS_LIST_CHANGED -> prompts;
                case McpMethods.NOTIFICATIONS_RESOURCES_LIST_CHANGED -> resources;
                case McpMethods.NOTIFICATIONS_RESOURCES_UPDATED -> n.params() != null
                        && uris.contains(n.params().path("uri").asText());
                default -> false;
            };
        }
    }

    // ---- sessions ---------------------------------------------------------------------------

    public Future<Initialized> initialize(Route route, JsonRpcRequest request, Principal principal) {
        return opener.initialize(route, request, principal).onSuccess(i -> {
            if (i.session() != null) {
                events.sessionOpened(i.session(), principal);
            }
        });
    }

    /**
     * The session 2026-07-28 clients of one principal with these capabilities share on a route
     * (see {@link SessionOpener#pooledSession}).
     */
    public Future<GatewaySession> pooledSession(Route route, Principal principal, JsonNode clientCapabilities) {
        return opener.pooledSession(route, principal, clientCapabilities);
    }

    /** A stable, keyed digest of {@code value}: the same on every replica that shares the signing key. */
    public String derive(String value) {
        return requestIds.derive(value);
    }

    /** {@code server/discover}: every revision the gateway speaks and what its backends offer together. */
    public JsonRpcResponse discover(GatewaySession session, JsonRpcRequest request) {
        ObjectNode result = JSON.objectNode();
        result.put(ModernMeta.RESULT_TYPE, ModernMeta.COMPLETE);
        ArrayNode versions = result.putArray("supportedVersions");
        ProtocolVersions.ALL_NEWEST_FIRST.forEach(versions::add);
        ObjectNode caps = Capabilities.merge(session.upstreams().values());
        TaskShapes.announce(caps, session.upstreams().values(), true);
        result.set("capabilities", caps);
        return JsonRpcResponse.result(request.id(), result);
    }

    static ObjectNode mergeCapabilities(Iterable<UpstreamSession> upstreams) {
        return Capabilities.merge(upstreams);
    }

    /** Ends a session and its upstream sessions; answers false when it did not exist. */
    public Future<Boolean> end(String sessionId) {
        return store.remove(sessionId).map(s -> {
            if (s == null) {
                return false;
            }
            ended(s, "deleted");
            return true;
        });
    }

    private void ended(GatewaySession session, String reason) {
        events.sessionClosed(session, reason);
        opener.release(session.principal(), session.id());
        Route route = routes.routes().stream().filter(r -> r.name().equals(session.route())).findFirst().orElse(null);
        if (route != null) {
            opener.closeUpstreams(route, session);
        }
    }

    // ---- requests ---------------------------------------------------------------------------

    /** Answers one request of an initialized session. Never fails: errors become error responses. */
    public Future<JsonRpcResponse> request(Route route, GatewaySession session, Caller caller, JsonRpcRequest request,
            ClientSink sink) {
        return request(route, session, caller.forRequest(), request, sink, System.nanoTime());
    }

    private Future<JsonRpcResponse> request(Route route, GatewaySession session, Caller caller, JsonRpcRequest request,
            ClientSink sink, long start) {
        // Taken before dispatch: routing rewrites the name in place.
        String name = request.paramText("name") != null ? request.paramText("name") : request.paramText("uri");
        McpSpan span = tracing.request(request, session.id(), caller.headers());
        return answer(route, session, caller, request, sink).onComplete(ar -> {
            String outcome = ar.failed() ? "refused" : outcome(ar.result());
            String backend = backendOf(route, session, name, request.method());
            span.backend(backend).end(outcome, ar);
            long nanos = System.nanoTime() - start;
            String method = KNOWN_METHODS.contains(request.method()) ? request.method() : "other";
            metrics.request(method, backend, outcome, nanos);
            accessLog.request(request.method(), name, backend, session.id(),
                    caller.principal().anonymous() ? null : caller.principal().name(), outcome, nanos / 1e6,
                    caller.facts().rateLimitRule(), caller.facts().rateLimitDecision());
            if (events.enabled()) {
                events.request(route.name(), session, caller, request.method(), name, backend, outcome, ar, nanos,
                        span.traceparent());
            }
        });
    }

    private static String outcome(JsonRpcResponse r) {
        if (!r.isError()) {
            return "ok";
        }
        int code = r.error().path("code").asInt();
        return switch (code) {
            case ErrorCodes.REQUEST_CANCELLED -> "cancelled";
            case ErrorCodes.FORBIDDEN -> "refused";
            case ErrorCodes.RATE_LIMITED -> "limited";
            default -> "error";
        };
    }

    /** The backend a named request went to, "*" for fan-out, "-" for the gateway itself. */
    private static String backendOf(Route route, GatewaySession session, String name, String method) {
        if (name == null) {
            return method.endsWith("/list") || McpMethods.LOGGING_SET_LEVEL.equals(method) ? "*" : "-";
        }
        Names.Qualified q = name.startsWith(Names.URI_SCHEME) ? Names.splitUri(name) : Names.splitName(name);
        if (q != null && route.client(q.backend()) != null) {
            return q.backend();
        }
        return session.upstreams().size() == 1 ? session.upstreams().keySet().iterator().next() : "-";
    }

    private Future<JsonRpcResponse> answer(Route route, GatewaySession session, Caller caller, JsonRpcRequest request,
            ClientSink sink) {
        Future<JsonRpcResponse> answer;
        try {
            // Lists are counted only where a rule names them.
            answer = route.config().rateLimits().isEmpty() || !request.method().endsWith("/list")
                    ? dispatch(route, session, caller, request, sink)
                    : limits.admit(route.config(), caller, request.method(), null, null, null,
                            () -> dispatch(route, session, caller, request, sink));
        } catch (JsonRpcException | InsufficientScopeException e) {
            answer = Future.failedFuture(e);
        }
        return answer.recover(t -> {
            if (t instanceof InsufficientScopeException e) {
                // The transport turns it into HTTP 403 with a step-up challenge.
                return Future.failedFuture(e);
            }
            if (t instanceof JsonRpcException e) {
                return Future.succeededFuture(JsonRpcResponse.error(request.id(), e.error()));
            }
            LOG.errorf(t, "Request %s (%s) of session %s failed", request.id(), request.method(), session.id());
            return Future.succeededFuture(JsonRpcResponse.error(request.id(),
                    new JsonRpcError(ErrorCodes.INTERNAL_ERROR, "Internal error")));
        });
    }

    private Future<JsonRpcResponse> dispatch(Route route, GatewaySession session, Caller caller, JsonRpcRequest request,
            ClientSink sink) {
        return switch (request.method()) {
            case McpMethods.PING -> Future.succeededFuture(JsonRpcResponse.result(request.id(), JSON.objectNode()));
            case McpMethods.TOOLS_LIST -> discovery.searches(route) ? discovery.list(session, request)
                    : catalog.list(route, session, caller, request, Catalog.Kind.TOOLS);
            case McpMethods.PROMPTS_LIST -> catalog.list(route, session, caller, request, Catalog.Kind.PROMPTS);
            case McpMethods.RESOURCES_LIST -> catalog.list(route, session, caller, request, Catalog.Kind.RESOURCES);
            case McpMethods.RESOURCES_TEMPLATES_LIST -> catalog.list(route, session, caller, request, Catalog.Kind.TEMPLATES);
            case McpMethods.TASKS_LIST -> catalog.list(route, session, caller, request, Catalog.Kind.TASKS);
            case McpMethods.TOOLS_CALL ->
                discovery.handles(route, request) ? discovery.call(route, session, caller, request, sink)
                        : named.callTool(route, session, caller, request, sink);
            case McpMethods.PROMPTS_GET -> named.getPrompt(route, session, caller, request, sink);
            case McpMethods.RESOURCES_READ, McpMethods.RESOURCES_SUBSCRIBE, McpMethods.RESOURCES_UNSUBSCRIBE ->
                named.byUri(route, session, caller, request, sink);
            case McpMethods.COMPLETION_COMPLETE -> named.complete(route, session, caller, request, sink);
            case McpMethods.LOGGING_SET_LEVEL -> named.setLevel(route, session, caller, request);
            case McpMethods.TASKS_GET, McpMethods.TASKS_RESULT, McpMethods.TASKS_CANCEL, McpMethods.TASKS_UPDATE ->
                named.byTask(route, session, caller, request, sink);
            case McpMethods.INITIALIZE -> Future.failedFuture(new JsonRpcException(ErrorCodes.INVALID_REQUEST,
                    "Invalid Request: the session is already initialized"));
            default -> Future.failedFuture(new JsonRpcException(ErrorCodes.METHOD_NOT_FOUND,
                    "Method not found: " + request.method()));
        };
    }

    /**
     * The client's answer to a server request: back to the upstream session that asked. Fails with
     * -32600 for an id this gateway did not issue to this session.
     */
    public Future<Void> clientResponse(Route route, GatewaySession session, Caller caller, JsonRpcResponse response) {
        return serverRequests.clientResponse(route, session, caller, response);
    }

    /** A notification from the client. */
    public void notification(Route route, GatewaySession session, Caller caller, JsonRpcNotification notification) {
        switch (notification.method()) {
            case McpMethods.NOTIFICATIONS_INITIALIZED -> {
                // The gateway sent its own to each upstream when it opened them.
            }
            case McpMethods.NOTIFICATIONS_ROOTS_LIST_CHANGED -> forwarder.notify(route, session, caller, notification, null);
            case McpMethods.NOTIFICATIONS_CANCELLED -> forwarder.cancel(route, session, caller, notification);
            default -> LOG.debugf("Notification %s from session %s not routed", notification.method(), session.id());
        }
    }

    // ---- streams ----------------------------------------------------------------------------

    /**
     * Opens every backend's standalone stream for this session, resuming after {@code resume}
     * (backend to upstream event id) where given; what they send goes to the sink, rewritten.
     */
    public Future<Pump> listen(Route route, GatewaySession session, Map<String, String> resume, ClientSink sink) {
        return subscriptions.listen(route, session, resume, sink);
    }

    /** The change notifications of every backend for one {@code subscriptions/listen} of a 2026-07-28 client. */
    public Future<Pump> subscribe(Route route, GatewaySession pooled, Caller caller, ListenFilter filter, ClientSink sink) {
        return subscriptions.subscribe(route, pooled, caller, filter, sink);
    }

    /** {@code notifications/tasks} for the tasks (ids as the client knows them) a {@code subscriptions/listen} named. */
    public Pump watchTasks(Route route, GatewaySession pooled, Caller caller, java.util.List<String> taskIds, ClientSink sink) {
        return tasks.watch(route, pooled, caller, taskIds, sink)::close;
    }
}
