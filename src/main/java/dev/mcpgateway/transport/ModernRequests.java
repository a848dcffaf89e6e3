package dev.mcpgateway.transport;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.config.GatewayConfig;
import dev.mcpgateway.federation.InputRequiredBridge;
import dev.mcpgateway.federation.McpRouter;
import dev.mcpgateway.federation.Route;
import dev.mcpgateway.federation.RouteTable;
import dev.mcpgateway.jsonrpc.ErrorCodes;
import dev.mcpgateway.jsonrpc.JsonRpcCodec;
import dev.mcpgateway.jsonrpc.JsonRpcError;
import dev.mcpgateway.jsonrpc.JsonRpcMessage;
import dev.mcpgateway.jsonrpc.JsonRpcNotification;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.jsonrpc.McpHeaders;
import dev.mcpgateway.jsonrpc.McpMethods;
import dev.mcpgateway.jsonrpc.ModernMeta;
import dev.mcpgateway.jsonrpc.ProtocolVersions;
import dev.mcpgateway.security.Caller;
import dev.mcpgateway.security.InsufficientScopeException;
import dev.mcpgateway.security.RequestAuthenticator;
import dev.mcpgateway.session.GatewaySession;
import dev.mcpgateway.session.StoreUnavailableException;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;

/**
 * Requests of 2026-07-28 clients: no session, everything the server needs in each request's
 * {@code _meta}, headers that mirror the body. Validates them, answers {@code server/discover},
 * keeps {@code subscriptions/listen} streams, and sends everything else through the router on the
 * session the client's principal shares with its other 2026-07-28 clients on this route.
 */
@ApplicationScoped
public class ModernRequests {

    private static final Logger LOG = Logger.getLogger(ModernRequests.class);
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    /** Methods of earlier revisions that 2026-07-28 removed. */
    private static final Set<String> REMOVED = Set.of(McpMethods.INITIALIZE, McpMethods.PING, McpMethods.LOGGING_SET_LEVEL,
            McpMethods.RESOURCES_SUBSCRIBE, McpMethods.RESOURCES_UNSUBSCRIBE, McpMethods.TASKS_RESULT,
            McpMethods.TASKS_LIST);
    private static final Set<String> CACHEABLE = Set.of(McpMethods.TOOLS_LIST, McpMethods.PROMPTS_LIST,
            McpMethods.RESOURCES_LIST, McpMethods.RESOURCES_TEMPLATES_LIST, McpMethods.RESOURCES_READ,
            McpMethods.SERVER_DISCOVER);
    private static final String TASKS_EXTENSION = "io.modelcontextprotocol/tasks";
    private static final Set<String> TASK_METHODS = Set.of(McpMethods.TASKS_GET, McpMethods.TASKS_UPDATE,
            McpMethods.TASKS_CANCEL);
    private static final List<String> LEVELS = List.of("debug", "info", "notice", "warning", "error", "critical", "alert",
            "emergency");

    private final McpRouter router;
    private final InputRequiredBridge bridge;
    private final GatewayConfig config;
    private final RequestAuthenticator authenticator;
    private final Vertx vertx;
    private final SseWriters writers;
    /** Open listen streams on this replica, told when a reload changes their route. */
    private final Set<Listener> listeners = ConcurrentHashMap.newKeySet();

    @Inject
    public ModernRequests(McpRouter router, InputRequiredBridge bridge, GatewayConfig config, RouteTable routes,
            RequestAuthenticator authenticator, Vertx vertx, SseWriters writers) {
        this.router = router;
        this.writers = writers;
        this.bridge = bridge;
        this.config = config;
        this.authenticator = authenticator;
        this.vertx = vertx;
        routes.onChange(change -> {
            for (Listener l : listeners) {
                if (change.changedRoutes().contains(l.route.name())) {
                    l.configurationChanged();
                }
            }
        });
    }

    /** Whether a POST is of revision 2026-07-28 or later: by its header or by its {@code _meta}. */
    static boolean isModern(String headerVersion, JsonRpcMessage message) {
        if (ProtocolVersions.isModern(headerVersion)) {
            return true;
        }
        return message instanceof JsonRpcRequest r && ModernMeta.version(r) != null;
    }

    void handle(RoutingContext ctx, Route route, Caller caller, JsonRpcMessage message, String headerVersion) {
        switch (message) {
            case JsonRpcNotification n -> ctx.response().setStatusCode(202).end();
            case JsonRpcResponse r -> McpHttpHandler.httpError(ctx, 400, ErrorCodes.INVALID_REQUEST,
                    "Invalid Request: in revision " + ProtocolVersions.V2026_07_28 + " clients send no responses");
            case JsonRpcRequest r -> request(ctx, route, caller, r, headerVersion);
        }
    }

    private void request(RoutingContext ctx, Route route, Caller caller, JsonRpcRequest request, String headerVersion) {
        String version = ModernMeta.version(request);
        if (version == null) {
            reply(ctx, 400, error(request, ErrorCodes.INVALID_PARAMS,
                    "Invalid params: _meta." + ModernMeta.PROTOCOL_VERSION + " is required", null));
            return;
        }
        if (headerVersion == null || !headerVersion.equals(version)) {
            reply(ctx, 400, error(request, ErrorCodes.HEADER_MISMATCH, headerVersion == null
                    ? "Header mismatch: the MCP-Protocol-Version header is required"
                    : "Header mismatch: MCP-Protocol-Version header value '" + headerVersion + "' does not match body value '"
                            + version + "'",
                    null));
            return;
        }
        if (!ProtocolVersions.isModern(version) || !ProtocolVersions.MODERN.contains(version)) {
            ObjectNode data = JSON.objectNode();
            ArrayNode supported = data.putArray("supported");
            ProtocolVersions.MODERN.forEach(supported::add);
            data.put("requested", version);
            reply(ctx, 400, error(request, ErrorCodes.UNSUPPORTED_PROTOCOL_VERSION,
                    "Unsupported protocol version: " + version, data));
            return;
        }
        JsonNode caps = ModernMeta.of(request).get(ModernMeta.CLIENT_CAPABILITIES);
        if (caps == null || !caps.isObject()) {
            reply(ctx, 400, error(request, ErrorCodes.INVALID_PARAMS,
                    "Invalid params: _meta." + ModernMeta.CLIENT_CAPABILITIES + " is required", null));
            return;
        }
        String mismatch = McpHeaders.mismatch(request, ctx.request()::getHeader);
        if (mismatch != null) {
            reply(ctx, 400, error(request, ErrorCodes.HEADER_MISMATCH, "Header mismatch: " + mismatch, null));
            return;
        }
        if (REMOVED.contains(request.method())) {
            reply(ctx, 404, error(request, ErrorCodes.METHOD_NOT_FOUND, "Method not found: " + request.method()
                    + " does not exist in revision " + version, null));
            return;
        }
        if (TASK_METHODS.contains(request.method()) && !caps.path("extensions").has(TASKS_EXTENSION)) {
            // Tasks extension: servers "MUST return this error for non-declaring clients issuing tasks/get,
            // tasks/update, and tasks/cancel requests".
            reply(ctx, 400, missingTasksExtension(request));
            return;
        }
        router.pooledSession(route, caller.principal(), caps).onComplete(ar -> {
            if (ar.failed()) {
                if (ar.cause() instanceof StoreUnavailableException) {
                    McpHttpHandler.storeUnavailable(ctx);
                } else {
                    LOG.warnf("No backend session for a %s request: %s", version, ar.cause().getMessage());
                    reply(ctx, 200, error(request, ErrorCodes.UPSTREAM_UNAVAILABLE, ar.cause().getMessage(), null));
                }
                return;
            }
            GatewaySession session = ar.result();
            switch (request.method()) {
                case McpMethods.SERVER_DISCOVER -> reply(ctx, 200, decorate(route, request, router.discover(session, request)));
                case McpMethods.SUBSCRIPTIONS_LISTEN -> listen(ctx, route, session, caller, request);
                default -> call(ctx, route, session, caller, request, caps);
            }
        });
    }

    private void call(RoutingContext ctx, Route route, GatewaySession session, Caller caller, JsonRpcRequest request,
            JsonNode caps) {
        String level = ModernMeta.of(request).path(ModernMeta.LOG_LEVEL).asText(null);
        CallStream stream = new CallStream(ctx);
        bridge.call(route, session, caller, request, caps, n -> {
            if (wanted(n, level)) {
                stream.send(n);
            }
        }).onComplete(ar -> {
            if (ar.failed() && ar.cause() instanceof InsufficientScopeException e) {
                ctx.response().putHeader("WWW-Authenticate",
                        authenticator.insufficientScope(route.config(), ctx.request(), e.scopes()));
                reply(ctx, 403, JsonRpcResponse.error(request.id(), e.error().error()));
                return;
            }
            JsonRpcResponse response = ar.succeeded() ? ar.result()
                    : JsonRpcResponse.error(request.id(), new JsonRpcError(ErrorCodes.INTERNAL_ERROR, "Internal error"));
            response = decorate(route, request, response);
            int status = status(response);
            if (status == 429 && !ctx.response().headWritten()) {
                // Refused before anything went upstream: HTTP says when to come back, as error.data does.
                ctx.response().putHeader("Retry-After", response.error().path("data").path("retryAfterSeconds").asText("1"));
            }
            stream.finish(status, response);
        });
    }

    /**
     * The HTTP status 2026-07-28 gives an error: 400 for header, capability and version errors, 404 for an unknown
     * method, 429 for a rate limit.
     */
    private static int status(JsonRpcResponse response) {
        if (!response.isError()) {
            return 200;
        }
        return switch (response.error().path("code").asInt()) {
            case ErrorCodes.HEADER_MISMATCH, ErrorCodes.MISSING_CLIENT_CAPABILITY, ErrorCodes.UNSUPPORTED_PROTOCOL_VERSION ->
                400;
            case ErrorCodes.METHOD_NOT_FOUND -> 404;
            case ErrorCodes.RATE_LIMITED -> 429;
            default -> 200;
        };
    }

    /** Progress always; log messages only at or above the level the request asked for. */
    private static boolean wanted(JsonRpcNotification n, String level) {
        if (McpMethods.NOTIFICATIONS_PROGRESS.equals(n.method())) {
            return true;
        }
        if (!McpMethods.NOTIFICATIONS_MESSAGE.equals(n.method()) || level == null) {
            return false;
        }
        String got = n.params() == null ? null : n.params().path("level").asText(null);
        return got != null && LEVELS.indexOf(got) >= LEVELS.indexOf(level);
    }

    /**
     * What every 2026-07-28 result carries: {@code resultType}, who answered, and on cacheable
     * results the caching hints. The error code for a missing resource is the new one.
     */
    private JsonRpcResponse decorate(Route route, JsonRpcRequest request, JsonRpcResponse response) {
        if (response.isError()) {
            if (response.error().path("code").asInt() == ErrorCodes.RESOURCE_NOT_FOUND) {
                ObjectNode error = response.error().deepCopy();
                error.put("code", ErrorCodes.INVALID_PARAMS);
                return new JsonRpcResponse(response.id(), null, error);
            }
            return response;
        }
        if (!(response.result() instanceof ObjectNode result)) {
            return response;
        }
        boolean inputRequired = ModernMeta.inputRequired(result);
        if (!result.has(ModernMeta.RESULT_TYPE)) {
            result.put(ModernMeta.RESULT_TYPE, ModernMeta.COMPLETE);
        }
        if (!inputRequired && CACHEABLE.contains(request.method())) {
            if (!result.has("ttlMs")) {
                result.put("ttlMs", config.cacheTtl().toMillis());
            }
            if (!result.has("cacheScope")) {
                result.put("cacheScope", route.config().open() ? "public" : "private");
            }
        }
        ObjectNode meta = result.get("_meta") instanceof ObjectNode m ? m : result.putObject("_meta");
        meta.putObject(ModernMeta.SERVER_INFO).put("name", config.serverName()).put("version", McpRouter.GATEWAY_VERSION);
        return response.changed();
    }

    private static JsonRpcResponse missingTasksExtension(JsonRpcRequest request) {
        ObjectNode data = JSON.objectNode();
        data.putObject("requiredCapabilities").putObject("extensions").putObject(TASKS_EXTENSION);
        return error(request, ErrorCodes.MISSING_CLIENT_CAPABILITY, "Missing required client capability", data);
    }

    private static JsonRpcResponse error(JsonRpcRequest request, int code, String message, JsonNode data) {
        return JsonRpcResponse.error(request.id(), new JsonRpcError(code, message, data));
    }

    private static void reply(RoutingContext ctx, int status, JsonRpcResponse response) {
        McpHttpHandler.writeJson(ctx, status, JsonRpcCodec.encode(response));
    }

    // ---- one call: JSON, or an event stream once something comes before the answer -----------

    /** The answer to one request: plain JSON unless notifications come first. Nothing is logged: 2026-07-28 streams do not resume. */
    private final class CallStream {
        private final RoutingContext ctx;
        private final io.vertx.core.Context context;
        private final SseWriter writer;
        private boolean streaming;
        private boolean finished;

        CallStream(RoutingContext ctx) {
            this.ctx = ctx;
            this.context = vertx.getOrCreateContext();
            this.writer = writers.open(ctx);
        }

        void send(JsonRpcMessage message) {
            context.runOnContext(v -> {
                if (finished) {
                    return;
                }
                if (!streaming) {
                    streaming = true;
                    writer.begin();
                }
                writer.write(Sse.event(JsonRpcCodec.writeString(JsonRpcCodec.toJson(message))));
            });
        }

        void finish(int status, JsonRpcResponse response) {
            context.runOnContext(v -> {
                if (finished) {
                    return;
                }
                finished = true;
                if (!streaming) {
                    McpHttpHandler.writeJson(ctx, status, JsonRpcCodec.encode(response));
                    return;
                }
                writer.write(Sse.event(JsonRpcCodec.writeString(JsonRpcCodec.toJson(response))));
                writer.end();
            });
        }
    }

    // ---- subscriptions/listen -------------------------------------------------------------------

    private void listen(RoutingContext ctx, Route route, GatewaySession session, Caller caller, JsonRpcRequest request) {
        JsonNode asked = request.params().path("notifications");
        Set<String> uris = new LinkedHashSet<>();
        for (JsonNode u : asked.path("resourceSubscriptions")) {
            if (u.isTextual()) {
                uris.add(u.asText());
            }
        }
        boolean resourcesOffered = session.upstreamList().stream().anyMatch(u -> u.has("resources"));
        boolean toolsOffered = session.upstreamList().stream().anyMatch(u -> u.has("tools"));
        boolean promptsOffered = session.upstreamList().stream().anyMatch(u -> u.has("prompts"));
        McpRouter.ListenFilter filter = new McpRouter.ListenFilter(
                toolsOffered && asked.path("toolsListChanged").asBoolean(false),
                promptsOffered && asked.path("promptsListChanged").asBoolean(false),
                resourcesOffered && asked.path("resourcesListChanged").asBoolean(false),
                resourcesOffered ? uris : Set.of());
        List<String> taskIds = new java.util.ArrayList<>();
        asked.path("taskIds").forEach(t -> {
            if (t.isTextual()) {
                taskIds.add(t.asText());
            }
        });
        JsonNode caps = ModernMeta.of(request).get(ModernMeta.CLIENT_CAPABILITIES);
        if (!taskIds.isEmpty() && !caps.path("extensions").has(TASKS_EXTENSION)) {
            // "If a client requests task status notifications but does not declare the ... extension
            // capability, the server MUST return a JSON-RPC error specifying the missing capabilities".
            reply(ctx, 400, missingTasksExtension(request));
            return;
        }
        Listener listener = new Listener(ctx, route, request.id(), filter);
        listener.open(asked, taskIds);
        router.subscribe(route, session, caller, filter, listener::notify).onComplete(ar -> {
            if (ar.failed()) {
                LOG.warnf("A listen stream got no backend notifications: %s", ar.cause().getMessage());
                return;
            }
            McpRouter.Pump watch = taskIds.isEmpty() ? () -> {
            } : router.watchTasks(route, session, caller, taskIds, listener::notify);
            McpRouter.Pump both = () -> {
                ar.result().close();
                watch.close();
            };
            if (!listener.attach(both)) {
                both.close();
            }
        });
    }

    /** One open {@code subscriptions/listen} stream on this replica. */
    private final class Listener {
        final RoutingContext ctx;
        final Route route;
        final JsonNode subscriptionId;
        final McpRouter.ListenFilter filter;
        final io.vertx.core.Context context;
        final SseWriter writer;
        McpRouter.Pump pump;
        boolean closed;

        Listener(RoutingContext ctx, Route route, JsonNode subscriptionId, McpRouter.ListenFilter filter) {
            this.ctx = ctx;
            this.route = route;
            this.subscriptionId = subscriptionId;
            this.filter = filter;
            this.context = vertx.getOrCreateContext();
            this.writer = writers.open(ctx);
        }

        void open(JsonNode asked, List<String> taskIds) {
            if (!writer.begin()) {
                close();
                return;
            }
            ObjectNode params = JSON.objectNode();
            params.putObject("_meta").set(ModernMeta.SUBSCRIPTION_ID, subscriptionId);
            ObjectNode agreed = params.putObject("notifications");
            if (filter.tools()) {
                agreed.put("toolsListChanged", true);
            }
            if (filter.prompts()) {
                agreed.put("promptsListChanged", true);
            }
            if (filter.resources()) {
                agreed.put("resourcesListChanged", true);
            }
            if (!filter.uris().isEmpty()) {
                ArrayNode list = agreed.putArray("resourceSubscriptions");
                filter.uris().forEach(list::add);
            }
            if (!taskIds.isEmpty()) {
                ArrayNode list = agreed.putArray("taskIds");
                taskIds.forEach(list::add);
            }
            write(new JsonRpcNotification(McpMethods.NOTIFICATIONS_SUBSCRIPTIONS_ACKNOWLEDGED, params));
            listeners.add(this);
            writer.onClose(this::close);
        }

        boolean attach(McpRouter.Pump p) {
            synchronized (this) {
                if (closed) {
                    return false;
                }
                pump = p;
                return true;
            }
        }

        void notify(JsonRpcMessage message) {
            if (message instanceof JsonRpcNotification n) {
                ObjectNode params = n.params() == null ? JSON.objectNode() : n.params().deepCopy();
                ObjectNode meta = params.get("_meta") instanceof ObjectNode m ? m : params.putObject("_meta");
                meta.set(ModernMeta.SUBSCRIPTION_ID, subscriptionId);
                context.runOnContext(v -> write(new JsonRpcNotification(n.method(), params)));
            }
        }

        /** A reload changed the route: every list may have changed. */
        void configurationChanged() {
            for (String method : List.of(McpMethods.NOTIFICATIONS_TOOLS_LIST_CHANGED,
                    McpMethods.NOTIFICATIONS_PROMPTS_LIST_CHANGED, McpMethods.NOTIFICATIONS_RESOURCES_LIST_CHANGED)) {
                JsonRpcNotification n = new JsonRpcNotification(method, null);
                if (filter.wants(n)) {
                    notify(n);
                }
            }
        }

        private void write(JsonRpcMessage message) {
            writer.write(Sse.event(JsonRpcCodec.writeString(JsonRpcCodec.toJson(message))));
        }

        void close() {
            McpRouter.Pump p;
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
                p = pump;
            }
            listeners.remove(this);
            if (p != null) {
                p.close();
            }
        }
    }
}
