package dev.mcpgateway.federation;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.config.BackendConfig;
import dev.mcpgateway.config.ForwardHeader;
import dev.mcpgateway.config.GatewayConfig;
import dev.mcpgateway.config.TransportKind;
import dev.mcpgateway.jsonrpc.ErrorCodes;
import dev.mcpgateway.jsonrpc.JsonRpcCodec;
import dev.mcpgateway.jsonrpc.JsonRpcError;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import dev.mcpgateway.jsonrpc.JsonRpcMessage;
import dev.mcpgateway.jsonrpc.JsonRpcNotification;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.jsonrpc.McpMethods;
import dev.mcpgateway.jsonrpc.ModernMeta;
import dev.mcpgateway.jsonrpc.ProtocolVersions;
import dev.mcpgateway.metrics.GatewayMetrics;
import dev.mcpgateway.metrics.McpSpan;
import dev.mcpgateway.metrics.McpTracing;
import dev.mcpgateway.security.Caller;
import dev.mcpgateway.security.InsufficientScopeException;
import dev.mcpgateway.security.Principal;
import dev.mcpgateway.security.ToolAuthorizer;
import dev.mcpgateway.security.UpstreamCredentials;
import dev.mcpgateway.session.EventLog;
import dev.mcpgateway.session.GatewaySession;
import dev.mcpgateway.session.SessionStore;
import dev.mcpgateway.session.StoreUnavailableException;
import dev.mcpgateway.session.UpstreamSession;
import dev.mcpgateway.upstream.UpstreamClient;
import dev.mcpgateway.upstream.UpstreamErrors;
import dev.mcpgateway.upstream.UpstreamListener;
import dev.mcpgateway.upstream.UpstreamOwner;
import dev.mcpgateway.upstream.UpstreamSink;
import io.vertx.core.Future;
import io.vertx.core.Promise;

/**
 * The federation: maps one client session onto one upstream session per backend. Merges lists,
 * routes calls by name, rewrites names both ways. The only place that knows both worlds.
 */
@ApplicationScoped
public class McpRouter {

    private static final Logger LOG = Logger.getLogger(McpRouter.class);
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    public static final String GATEWAY_VERSION = "0.1.0";

    private final SessionStore store;
    private final GatewayConfig config;
    private final RouteTable routes;
    private final RequestIds requestIds;
    /** Names this process in server-request ids whose answer only it can deliver. */
    private final String replicaId = java.util.UUID.randomUUID().toString();
    private static final String INBOX = "inbox.";
    private final EventLog log;
    private final ToolAuthorizer authorizer;
    private final UpstreamCredentials credentials;
    private final GatewayMetrics metrics;
    private final McpTracing tracing;
    /** One structured line per MCP request (category {@code dev.mcpgateway.access}). */
    private static final Logger ACCESS = Logger.getLogger("dev.mcpgateway.access");
    private final SecureRandom random = new SecureRandom();
    /** Requests in flight on this replica, by session and client id: which backends serve them. */
    private final Map<String, List<Pending>> inFlight = new ConcurrentHashMap<>();

    /** One backend's part of a request in flight; failing its promise ends the gateway's wait. */
    private record Pending(String backend, Promise<JsonRpcResponse> promise) {
    }

    @Inject
    public McpRouter(SessionStore store, GatewayConfig config, RouteTable routes, ToolAuthorizer authorizer,
            UpstreamCredentials credentials, GatewayMetrics metrics, EventLog log, io.vertx.core.Vertx vertx,
            McpTracing tracing) {
        this.metrics = metrics;
        this.tracing = tracing;
        this.log = log;
        this.authorizer = authorizer;
        this.credentials = credentials;
        this.store = store;
        this.config = config;
        this.routes = routes;
        this.requestIds = new RequestIds(config.signingKey().orElse(null));
        openInbox();
        // Keep the inbox alive in a store that expires idle streams.
        vertx.setPeriodic(Math.max(60_000, config.sessionIdleTimeout().toMillis() / 4), t -> log.open(INBOX + replicaId, "-"));
        store.onExpiry(this::closeUpstreams);
    }

    /** A new session and the response to its {@code initialize}. */
    public record Initialized(GatewaySession session, JsonRpcResponse response) {
    }

    /** The kinds of list the gateway merges. */
    private enum ListKind {
        TOOLS("tools", "tools", "name", null, "tool"),
        PROMPTS("prompts", "prompts", "name", null, "prompt"),
        RESOURCES("resources", "resources", "name", "uri", "resource"),
        TEMPLATES("resources", "resourceTemplates", "name", "uriTemplate", "resource"),
        TASKS("tasks", "tasks", "taskId", null, "task");

        final String capability;
        final String items;
        final String nameField;
        final String uriField;
        final String authKind;

        ListKind(String capability, String items, String nameField, String uriField, String authKind) {
            this.capability = capability;
            this.items = items;
            this.nameField = nameField;
            this.uriField = uriField;
            this.authKind = authKind;
        }
    }

    // ---- initialize -------------------------------------------------------------------------

    public Future<Initialized> initialize(Route route, JsonRpcRequest request, Principal principal) {
        ObjectNode params = request.params() == null ? JSON.objectNode() : request.params();
        String negotiated = ProtocolVersions.negotiate(params.path("protocolVersion").asText(null));
        JsonNode clientCaps = params.get("capabilities");
        JsonNode clientInfo = params.get("clientInfo");

        ObjectNode upstreamParams = JSON.objectNode();
        upstreamParams.put("protocolVersion", negotiated);
        // Offer upstreams exactly what the client can do: no sampling if the client cannot sample.
        upstreamParams.set("capabilities", clientCaps != null && clientCaps.isObject() ? clientCaps : JSON.objectNode());
        ObjectNode info = JSON.objectNode();
        info.put("name", config.serverName());
        info.put("version", GATEWAY_VERSION);
        if (clientInfo != null && clientInfo.hasNonNull("name")) {
            info.put("title", config.serverName() + " for " + clientInfo.get("name").asText());
        }
        upstreamParams.set("clientInfo", info);

        String sessionId = newSessionId();
        return openUpstreams(route, upstreamParams, principal, owner(sessionId, principal)).compose(opened -> {
            Map<String, UpstreamSession> upstreams = opened.upstreams();
            if (upstreams.isEmpty()) {
                String msg = route.clients().isEmpty() ? "No backends are configured for " + route.path()
                        : "No backend could be initialized: " + String.join("; ", opened.failures());
                return Future.succeededFuture(new Initialized(null,
                        JsonRpcResponse.error(request.id(), new JsonRpcError(ErrorCodes.UPSTREAM_UNAVAILABLE, msg))));
            }
            GatewaySession session = new GatewaySession(sessionId, route.name(), principal.name(), negotiated, clientCaps,
                    clientInfo, upstreams, null, System.currentTimeMillis());
            ObjectNode result = JSON.objectNode();
            result.put("protocolVersion", negotiated);
            result.set("capabilities", mergeCapabilities(upstreams.values()));
            ObjectNode serverInfo = result.putObject("serverInfo");
            serverInfo.put("name", config.serverName());
            serverInfo.put("version", GATEWAY_VERSION);
            return store.put(session)
                    .recover(t -> Future.failedFuture(new StoreUnavailableException(t)))
                    .map(v -> new Initialized(session, JsonRpcResponse.result(request.id(), result)));
        });
    }

    /** What the gateway offers upstreams on behalf of 2026-07-28 clients, who declare theirs per request. */
    private static ObjectNode everyClientCapability() {
        ObjectNode caps = JSON.objectNode();
        caps.putObject("sampling");
        caps.putObject("elicitation").putObject("form");
        ((ObjectNode) caps.get("elicitation")).putObject("url");
        caps.putObject("roots").put("listChanged", true);
        return caps;
    }

    /**
     * The session 2026-07-28 clients of one principal share on a route: it holds the upstream
     * sessions of the backends that still need them, in the store, so any replica uses the same
     * ones. Its id is derived from route and principal, so no client ever names it.
     */
    public Future<GatewaySession> pooledSession(Route route, Principal principal) {
        String id = "pool." + requestIds.derive(route.name() + "\0" + principal.name());
        return store.get(id).compose(found -> {
            if (found != null) {
                return Future.succeededFuture(found);
            }
            return openUpstreams(route, initializeParams(ProtocolVersions.LATEST, everyClientCapability()), principal,
                    owner(id, principal))
                    .compose(opened -> {
                        Map<String, UpstreamSession> upstreams = opened.upstreams();
                        if (upstreams.isEmpty()) {
                            return Future.failedFuture(new JsonRpcException(ErrorCodes.UPSTREAM_UNAVAILABLE,
                                    route.clients().isEmpty() ? "No backends are configured for " + route.path()
                                            : "No backend could be reached"));
                        }
                        GatewaySession session = new GatewaySession(id, route.name(), principal.name(),
                                ProtocolVersions.V2026_07_28,
                                everyClientCapability(), null, upstreams, null, System.currentTimeMillis());
                        return store.put(session).recover(t -> Future.failedFuture(new StoreUnavailableException(t)))
                                .map(v -> session);
                    });
        });
    }

    /** The backends a new session could open, and why the others could not. */
    private record Opened(Map<String, UpstreamSession> upstreams, List<String> failures) {
    }

    /** Opens every backend of the route; the ones that fail are left out (and logged). */
    private Future<Opened> openUpstreams(Route route, ObjectNode initializeParams, Principal principal, UpstreamOwner owner) {
        List<UpstreamClient> clients = new ArrayList<>(route.clients());
        List<Future<UpstreamSession>> opening = new ArrayList<>(clients.size());
        for (UpstreamClient c : clients) {
            opening.add(openBackend(route, c, initializeParams, principal, owner));
        }
        return Future.join(opening).transform(ignored -> {
            Map<String, UpstreamSession> upstreams = new LinkedHashMap<>();
            List<String> failures = new ArrayList<>();
            for (int i = 0; i < clients.size(); i++) {
                if (opening.get(i).succeeded()) {
                    upstreams.put(clients.get(i).name(), opening.get(i).result());
                } else {
                    String why = opening.get(i).cause().getMessage();
                    failures.add(why);
                    LOG.warnf("Backend %s skipped for a new session: %s", clients.get(i).name(), why);
                }
            }
            return Future.succeededFuture(new Opened(upstreams, failures));
        });
    }

    /**
     * Opens one backend for one owner. Every upstream session the gateway opens goes through here
     * (a new session, a backend added by a reload, a reopened session, a listen stream's own), so
     * each gets the caller's credentials toward that backend and routes by its owner.
     */
    private Future<UpstreamSession> openBackend(Route route, UpstreamClient client, ObjectNode initializeParams,
            Principal principal, UpstreamOwner owner) {
        ObjectNode params = initializeParams.deepCopy();
        return credentials.headers(route.config(), client.config(), principal).compose(h -> client.open(params, h, owner));
    }

    /** The keys a session's upstreams are kept apart by; the principal's is a keyed digest, never its name. */
    private UpstreamOwner owner(String sessionId, Principal principal) {
        return new UpstreamOwner(requestIds.derive("session\0" + sessionId),
                principal.anonymous() ? null : requestIds.derive("principal\0" + principal.name()));
    }

    /** What the gateway sends upstream in {@code initialize}, as itself. */
    private ObjectNode initializeParams(String version, JsonNode capabilities) {
        ObjectNode params = JSON.objectNode();
        params.put("protocolVersion", version);
        params.set("capabilities", capabilities == null ? JSON.objectNode() : capabilities);
        params.putObject("clientInfo").put("name", config.serverName()).put("version", GATEWAY_VERSION);
        return params;
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
        result.set("capabilities", mergeCapabilities(session.upstreams().values()));
        return JsonRpcResponse.result(request.id(), result);
    }

    private String newSessionId() {
        byte[] bytes = new byte[24];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static ObjectNode mergeCapabilities(Iterable<UpstreamSession> upstreams) {
        ObjectNode caps = JSON.objectNode();
        for (UpstreamSession u : upstreams) {
            JsonNode c = u.capabilities();
            if (c == null) {
                continue;
            }
            for (String simple : List.of("tools", "prompts")) {
                if (c.hasNonNull(simple)) {
                    ObjectNode mine = caps.has(simple) ? (ObjectNode) caps.get(simple) : caps.putObject(simple);
                    orFlag(mine, c.get(simple), "listChanged");
                }
            }
            if (c.hasNonNull("resources")) {
                ObjectNode mine = caps.has("resources") ? (ObjectNode) caps.get("resources") : caps.putObject("resources");
                orFlag(mine, c.get("resources"), "listChanged");
                orFlag(mine, c.get("resources"), "subscribe");
            }
            for (String deep : List.of("tasks", "experimental", "extensions")) {
                if (c.get(deep) instanceof ObjectNode theirs) {
                    ObjectNode mine = caps.has(deep) ? (ObjectNode) caps.get(deep) : caps.putObject(deep);
                    mine.setAll(theirs.deepCopy());
                }
            }
            for (String simple : List.of("logging", "completions")) {
                if (c.hasNonNull(simple) && !caps.has(simple)) {
                    caps.putObject(simple);
                }
            }
        }
        return caps;
    }

    private static void orFlag(ObjectNode mine, JsonNode theirs, String flag) {
        if (theirs.path(flag).asBoolean(false)) {
            mine.put(flag, true);
        }
    }

    // ---- requests ---------------------------------------------------------------------------

    /** Answers one request of an initialized session. Never fails: errors become error responses. */
    public Future<JsonRpcResponse> request(Route route, GatewaySession session, Caller caller, JsonRpcRequest request,
            ClientSink sink) {
        long start = System.nanoTime();
        // Taken before dispatch: routing rewrites the name in place.
        String name = request.paramText("name") != null ? request.paramText("name") : request.paramText("uri");
        McpSpan span = tracing.request(request, session.id(), caller.headers());
        return answer(route, session, caller, request, sink).onComplete(ar -> {
            String outcome = ar.failed() ? "refused" : outcome(ar.result());
            String backend = backendOf(route, session, name, request.method());
            span.backend(backend).end(outcome, ar);
            long nanos = System.nanoTime() - start;
            metrics.request(knownMethod(request.method()), backend, outcome, nanos);
            if (ACCESS.isInfoEnabled()) {
                ACCESS.infof("method=%s name=%s backend=%s session=%s principal=%s outcome=%s duration_ms=%.3f",
                        request.method(),
                        name == null ? "-" : name, backend, session.id(),
                        caller.principal().anonymous() ? "-" : caller.principal().name(), outcome, nanos / 1e6);
            }
        });
    }

    private static String outcome(JsonRpcResponse r) {
        if (!r.isError()) {
            return "ok";
        }
        int code = r.error().path("code").asInt();
        return code == ErrorCodes.REQUEST_CANCELLED ? "cancelled" : code == ErrorCodes.FORBIDDEN ? "refused" : "error";
    }

    /** Method names as tags: the known ones, everything else as "other" (tag values stay bounded). */
    private static String knownMethod(String method) {
        return switch (method) {
            case McpMethods.PING, McpMethods.TOOLS_LIST, McpMethods.TOOLS_CALL, McpMethods.PROMPTS_LIST, McpMethods.PROMPTS_GET,
                    McpMethods.RESOURCES_LIST, McpMethods.RESOURCES_TEMPLATES_LIST, McpMethods.RESOURCES_READ,
                    McpMethods.RESOURCES_SUBSCRIBE, McpMethods.RESOURCES_UNSUBSCRIBE, McpMethods.COMPLETION_COMPLETE,
                    McpMethods.LOGGING_SET_LEVEL, McpMethods.TASKS_GET, McpMethods.TASKS_RESULT, McpMethods.TASKS_LIST,
                    McpMethods.TASKS_CANCEL ->
                method;
            default -> "other";
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
            answer = dispatch(route, session, caller, request, sink);
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
            case McpMethods.TOOLS_LIST -> list(route, session, caller, request, ListKind.TOOLS);
            case McpMethods.PROMPTS_LIST -> list(route, session, caller, request, ListKind.PROMPTS);
            case McpMethods.RESOURCES_LIST -> list(route, session, caller, request, ListKind.RESOURCES);
            case McpMethods.RESOURCES_TEMPLATES_LIST -> list(route, session, caller, request, ListKind.TEMPLATES);
            case McpMethods.TOOLS_CALL -> callTool(route, session, caller, request, sink);
            case McpMethods.PROMPTS_GET ->
                byName(route, session, caller, request, sink, "prompts", route.promptOwners, "Unknown prompt");
            case McpMethods.RESOURCES_READ, McpMethods.RESOURCES_SUBSCRIBE, McpMethods.RESOURCES_UNSUBSCRIBE ->
                byUri(route, session, caller, request, sink);
            case McpMethods.COMPLETION_COMPLETE -> complete(route, session, caller, request, sink);
            case McpMethods.LOGGING_SET_LEVEL -> setLevel(route, session, caller, request);
            case McpMethods.TASKS_LIST -> list(route, session, caller, request, ListKind.TASKS);
            case McpMethods.TASKS_GET, McpMethods.TASKS_RESULT, McpMethods.TASKS_CANCEL ->
                byTask(route, session, caller, request, sink);
            case McpMethods.INITIALIZE -> Future.failedFuture(new JsonRpcException(ErrorCodes.INVALID_REQUEST,
                    "Invalid Request: the session is already initialized"));
            default -> Future.failedFuture(new JsonRpcException(ErrorCodes.METHOD_NOT_FOUND,
                    "Method not found: " + request.method()));
        };
    }

    private Future<JsonRpcResponse> callTool(Route route, GatewaySession session, Caller caller, JsonRpcRequest request,
            ClientSink sink) {
        String name = requireText(request, "name");
        Target t = resolveName(route, session, name, route.toolOwners);
        BackendConfig backend = t == null ? null : route.config().backend(t.backend());
        if (t == null || backend == null || !backend.tools().allows(t.name())) {
            // A filtered tool is refused exactly like one that does not exist: nothing leaks.
            throw new JsonRpcException(ErrorCodes.INVALID_PARAMS, "Unknown tool: " + name);
        }
        authorize(route, caller, request, t.backend(), "tool", t.name(), request.params().get("arguments"), name);
        request.params().put("name", t.name());
        String owner = t.backend();
        return forward(route, session, caller, owner, request, sink).map(r -> prefixTaskId(owner, r));
    }

    /** Refuses a call an authorization rule denies: 403 step-up when a scope would allow it. */
    private void authorize(Route route, Caller caller, JsonRpcRequest request, String backend, String kind, String name,
            JsonNode arguments, String shownName) {
        ToolAuthorizer.Decision d = authorizer.decide(route.config(), caller.principal(), request.method(), backend, kind, name,
                arguments, caller.headers());
        if (d.allowed()) {
            return;
        }
        JsonRpcException refused = new JsonRpcException(ErrorCodes.FORBIDDEN, "Forbidden: not allowed to use " + shownName);
        if (!d.scopes().isEmpty()) {
            throw new InsufficientScopeException(d.scopes(), refused);
        }
        throw refused;
    }

    /** Task ids always carry their backend: they are opaque, so nothing is lost. */
    private static JsonRpcResponse prefixTaskId(String backend, JsonRpcResponse r) {
        if (r.result() instanceof ObjectNode res) {
            if (res.get("task") instanceof ObjectNode task && task.hasNonNull("taskId")) {
                task.put("taskId", Names.prefixName(backend, task.get("taskId").asText()));
                return r.changed();
            }
            if (res.hasNonNull("taskId")) {
                res.put("taskId", Names.prefixName(backend, res.get("taskId").asText()));
                return r.changed();
            }
        }
        return r;
    }

    private Future<JsonRpcResponse> byTask(Route route, GatewaySession session, Caller caller, JsonRpcRequest request,
            ClientSink sink) {
        String taskId = requireText(request, "taskId");
        Names.Qualified q = Names.splitName(taskId);
        if (q == null || session.upstream(q.backend()) == null) {
            throw new JsonRpcException(ErrorCodes.INVALID_PARAMS, "Invalid params: unknown task " + taskId);
        }
        request.params().put("taskId", q.name());
        return forward(route, session, caller, q.backend(), request, sink)
                .map(r -> McpMethods.TASKS_RESULT.equals(request.method()) ? r
                        : prefixTaskId(q.backend(), r));
    }

    private Future<JsonRpcResponse> byName(Route route, GatewaySession session, Caller caller, JsonRpcRequest request,
            ClientSink sink, String capability, Map<String, String> owners, String unknown) {
        String name = requireText(request, "name");
        Target t = resolveName(route, session, name, owners);
        if (t == null || !session.upstream(t.backend()).has(capability)) {
            throw new JsonRpcException(ErrorCodes.INVALID_PARAMS, unknown + ": " + name);
        }
        authorize(route, caller, request, t.backend(), "prompt", t.name(), request.params().get("arguments"), name);
        request.params().put("name", t.name());
        return forward(route, session, caller, t.backend(), request, sink);
    }

    private Future<JsonRpcResponse> byUri(Route route, GatewaySession session, Caller caller, JsonRpcRequest request,
            ClientSink sink) {
        String uri = requireText(request, "uri");
        Target t = resolveUri(route, session, uri);
        if (t == null || !session.upstream(t.backend()).has("resources")) {
            throw new JsonRpcException(ErrorCodes.RESOURCE_NOT_FOUND, "Resource not found: " + uri);
        }
        authorize(route, caller, request, t.backend(), "resource", t.name(), null, uri);
        request.params().put("uri", t.name());
        String backend = t.backend();
        return forward(route, session, caller, backend, request, sink)
                .map(r -> McpMethods.RESOURCES_READ.equals(request.method()) ? rewriteContents(route, backend, r) : r);
    }

    private JsonRpcResponse rewriteContents(Route route, String backend, JsonRpcResponse response) {
        if (!route.config().prefixed() || response.result() == null) {
            return response;
        }
        for (JsonNode c : response.result().path("contents")) {
            if (c instanceof ObjectNode o && o.hasNonNull("uri")) {
                o.put("uri", Names.prefixUri(backend, o.get("uri").asText()));
            }
        }
        return response.changed();
    }

    private Future<JsonRpcResponse> complete(Route route, GatewaySession session, Caller caller, JsonRpcRequest request,
            ClientSink sink) {
        JsonNode ref = request.params() == null ? null : request.params().get("ref");
        if (!(ref instanceof ObjectNode refObj)) {
            throw new JsonRpcException(ErrorCodes.INVALID_PARAMS, "Invalid params: \"ref\" is required");
        }
        String type = refObj.path("type").asText("");
        Target t;
        ObjectNode newRef = refObj.deepCopy();
        if ("ref/prompt".equals(type)) {
            String name = refObj.path("name").asText(null);
            t = name == null ? null : resolveName(route, session, name, route.promptOwners);
            if (t != null) {
                newRef.put("name", t.name());
            }
        } else if ("ref/resource".equals(type)) {
            String uri = refObj.path("uri").asText(null);
            t = uri == null ? null : resolveUri(route, session, uri);
            if (t != null) {
                newRef.put("uri", t.name());
            }
        } else {
            throw new JsonRpcException(ErrorCodes.INVALID_PARAMS, "Invalid params: unknown ref type \"" + type + "\"");
        }
        if (t == null) {
            throw new JsonRpcException(ErrorCodes.INVALID_PARAMS, "Invalid params: unknown reference " + refObj);
        }
        if (!session.upstream(t.backend()).has("completions")) {
            return Future.succeededFuture(JsonRpcResponse.result(request.id(), emptyCompletion()));
        }
        request.params().set("ref", newRef);
        return forward(route, session, caller, t.backend(), request, sink);
    }

    private static ObjectNode emptyCompletion() {
        ObjectNode result = JSON.objectNode();
        ObjectNode completion = result.putObject("completion");
        completion.putArray("values");
        completion.put("hasMore", false);
        return result;
    }

    private Future<JsonRpcResponse> setLevel(Route route, GatewaySession session, Caller caller, JsonRpcRequest request) {
        String level = requireText(request, "level");
        List<Future<JsonRpcResponse>> sent = new ArrayList<>();
        for (UpstreamSession u : session.upstreamList()) {
            if (u.has("logging")) {
                sent.add(forward(route, session, caller, u.backend(), request, ClientSink.DISCARD));
            }
        }
        return Future.join(sent)
                .transform(ignored -> store.put(session.withLogLevel(level)))
                .map(v -> JsonRpcResponse.result(request.id(), JSON.objectNode()));
    }

    // ---- lists ------------------------------------------------------------------------------

    private record Page(String backend, JsonRpcResponse response) {
    }

    private Future<JsonRpcResponse> list(Route route, GatewaySession original, Caller caller, JsonRpcRequest request,
            ListKind kind) {
        return withCurrentBackends(route, original, caller.principal())
                .compose(session -> listNow(route, session, caller, request, kind));
    }

    /**
     * The session with an upstream session for every backend the route has now: a backend added
     * by a configuration reload is opened on first listing (and remembered); one that fails to
     * open stays out until the next listing.
     */
    private Future<GatewaySession> withCurrentBackends(Route route, GatewaySession session, Principal principal) {
        List<UpstreamClient> missing = new ArrayList<>();
        for (UpstreamClient c : route.clients()) {
            if (session.upstream(c.name()) == null) {
                missing.add(c);
            }
        }
        if (missing.isEmpty()) {
            return Future.succeededFuture(session);
        }
        List<Future<UpstreamSession>> opening = new ArrayList<>();
        for (UpstreamClient c : missing) {
            opening.add(
                    openBackend(route, c, initializeParams(upstreamVersion(session), session.clientCapabilities()), principal,
                            owner(session.id(), principal)));
        }
        return Future.join(opening).transform(ignored -> {
            Map<String, UpstreamSession> upstreams = new LinkedHashMap<>(session.upstreams());
            boolean added = false;
            for (int i = 0; i < missing.size(); i++) {
                if (opening.get(i).succeeded()) {
                    upstreams.put(missing.get(i).name(), opening.get(i).result());
                    added = true;
                } else {
                    LOG.debugf("Backend %s not opened for session %s: %s", missing.get(i).name(), session.id(),
                            opening.get(i).cause().getMessage());
                }
            }
            if (!added) {
                return Future.succeededFuture(session);
            }
            GatewaySession grown = session.withUpstreams(upstreams);
            return store.put(grown).map(v -> grown).otherwise(grown);
        });
    }

    private Future<JsonRpcResponse> listNow(Route route, GatewaySession session, Caller caller, JsonRpcRequest request,
            ListKind kind) {
        String cursor = request.paramText("cursor");
        Map<String, String> targets = new LinkedHashMap<>();
        if (cursor == null) {
            for (UpstreamSession u : session.upstreamList()) {
                // A backend removed by a reload is no longer listed.
                if (u.has(kind.capability) && route.client(u.backend()) != null) {
                    targets.put(u.backend(), null);
                }
            }
        } else {
            for (Map.Entry<String, String> e : CompositeCursor.decode(cursor).entrySet()) {
                UpstreamSession u = session.upstream(e.getKey());
                if (u == null || !u.has(kind.capability)) {
                    throw new JsonRpcException(ErrorCodes.INVALID_PARAMS, "Invalid params: unknown or malformed cursor");
                }
                targets.put(e.getKey(), e.getValue());
            }
        }
        if (targets.isEmpty()) {
            ObjectNode empty = JSON.objectNode();
            empty.putArray(kind.items);
            return Future.succeededFuture(JsonRpcResponse.result(request.id(), empty));
        }
        List<Future<Page>> pages = new ArrayList<>(targets.size());
        for (Map.Entry<String, String> e : targets.entrySet()) {
            ObjectNode params = request.params() == null ? JSON.objectNode() : request.params().deepCopy();
            params.remove("cursor");
            if (e.getValue() != null) {
                params.put("cursor", e.getValue());
            }
            String backend = e.getKey();
            pages.add(forward(route, session, caller, backend, request.withParams(params), ClientSink.DISCARD)
                    .map(r -> new Page(backend, r)));
        }
        return Future.join(pages).transform(ignored -> {
            ObjectNode result = JSON.objectNode();
            ArrayNode items = result.putArray(kind.items);
            Map<String, String> remaining = new LinkedHashMap<>();
            JsonRpcException firstError = null;
            int succeeded = 0;
            long ttl = config.cacheTtl().toMillis();
            // What one caller may see depends on who calls when rules or credentials apply.
            boolean shared = route.config().open();
            for (Future<Page> f : pages) {
                if (f.failed() || f.result().response().isError()) {
                    JsonRpcException e = f.failed() ? asJsonRpc(f.cause())
                            : new JsonRpcException(new JsonRpcError(
                                    f.result().response().error().path("code").asInt(ErrorCodes.INTERNAL_ERROR),
                                    f.result().response().error().path("message").asText("error")));
                    LOG.warnf("%s: a backend's list failed and is left out: %s", kind.items, e.getMessage());
                    firstError = firstError == null ? e : firstError;
                    continue;
                }
                succeeded++;
                Page p = f.result();
                JsonNode res = p.response().result();
                if (res != null && res.path("ttlMs").canConvertToLong() && res.path("ttlMs").asLong() >= 0) {
                    ttl = Math.min(ttl, res.path("ttlMs").asLong());
                }
                shared &= res == null || !"private".equals(res.path("cacheScope").asText());
                addItems(route, caller, request.method(), p.backend(), kind, res == null ? null : res.get(kind.items), items);
                String next = res == null ? null : res.path("nextCursor").asText(null);
                if (next != null && !next.isEmpty()) {
                    remaining.put(p.backend(), next);
                }
            }
            if (succeeded == 0) {
                return Future.succeededFuture(JsonRpcResponse.error(request.id(), firstError.error()));
            }
            String nextCursor = CompositeCursor.encode(remaining);
            if (nextCursor != null) {
                result.put("nextCursor", nextCursor);
            }
            if (ProtocolVersions.isModern(session.protocolVersion())) {
                result.put("ttlMs", ttl);
                result.put("cacheScope", shared ? "public" : "private");
            }
            return Future.succeededFuture(JsonRpcResponse.result(request.id(), result));
        });
    }

    private void addItems(Route route, Caller caller, String method, String backend, ListKind kind, JsonNode list,
            ArrayNode into) {
        if (list == null || !list.isArray()) {
            return;
        }
        boolean prefixed = route.config().prefixed();
        BackendConfig config = route.config().backend(backend);
        for (JsonNode item : list) {
            if (!(item instanceof ObjectNode o)) {
                continue;
            }
            String name = o.path(kind.nameField).asText(null);
            if (kind == ListKind.TASKS) {
                if (name != null) {
                    o.put(kind.nameField, Names.prefixName(backend, name));
                }
                into.add(o);
                continue;
            }
            if (kind == ListKind.TOOLS && (name == null || !config.tools().allows(name))) {
                continue;
            }
            String authName = kind.uriField != null && o.hasNonNull(kind.uriField) ? o.get(kind.uriField).asText() : name;
            if (!authorizer.decide(route.config(), caller.principal(), method, backend, kind.authKind, authName, null,
                    caller.headers()).allowed()) {
                // What a caller may not use, it does not see.
                continue;
            }
            if (prefixed) {
                if (name != null) {
                    o.put(kind.nameField, Names.prefixName(backend, name));
                }
                if (kind.uriField != null && o.hasNonNull(kind.uriField)) {
                    o.put(kind.uriField, Names.prefixUri(backend, o.get(kind.uriField).asText()));
                }
            } else {
                switch (kind) {
                    case TOOLS -> route.toolOwners.put(name, backend);
                    case PROMPTS -> {
                        if (name != null) {
                            route.promptOwners.put(name, backend);
                        }
                    }
                    case RESOURCES -> {
                        if (o.hasNonNull("uri")) {
                            route.resourceOwners.put(o.get("uri").asText(), backend);
                        }
                    }
                    case TEMPLATES, TASKS -> {
                    }
                }
            }
            into.add(o);
        }
    }

    // ---- routing ----------------------------------------------------------------------------

    private record Target(String backend, String name) {
    }

    private Target resolveName(Route route, GatewaySession session, String name, Map<String, String> owners) {
        if (route.config().prefixed()) {
            Names.Qualified q = Names.splitName(name);
            return q == null || session.upstream(q.backend()) == null ? null : new Target(q.backend(), q.name());
        }
        if (session.upstreams().size() == 1) {
            return new Target(session.upstreams().keySet().iterator().next(), name);
        }
        String owner = owners.get(name);
        return owner == null || session.upstream(owner) == null ? null : new Target(owner, name);
    }

    private Target resolveUri(Route route, GatewaySession session, String uri) {
        if (route.config().prefixed()) {
            Names.Qualified q = Names.splitUri(uri);
            return q == null || session.upstream(q.backend()) == null ? null : new Target(q.backend(), q.name());
        }
        if (session.upstreams().size() == 1) {
            return new Target(session.upstreams().keySet().iterator().next(), uri);
        }
        String owner = route.resourceOwners.get(uri);
        return owner == null || session.upstream(owner) == null ? null : new Target(owner, uri);
    }

    /**
     * Sends a request to one backend of the session. If the upstream ended its session, opens a
     * new one, records it, and retries once.
     */
    private Future<JsonRpcResponse> forward(Route route, GatewaySession session, Caller caller, String backend,
            JsonRpcRequest request, ClientSink sink) {
        UpstreamClient client = route.client(backend);
        UpstreamSession upstream = session.upstream(backend);
        if (client == null || upstream == null) {
            return Future.failedFuture(UpstreamErrors.unavailable(backend, "it is no longer configured"));
        }
        String key = inFlightKey(session.id(), request.id());
        Pending pending = new Pending(backend, Promise.promise());
        inFlight.compute(key, (k, v) -> {
            List<Pending> list = v == null ? new ArrayList<>(2) : v;
            list.add(pending);
            return list;
        });
        UpstreamSink interim = message -> {
            JsonRpcMessage rewritten = fromUpstream(route, session, upstream, message);
            if (rewritten != null) {
                sink.send(rewritten);
            }
        };
        if (ProtocolVersions.isModern(upstream.protocolVersion())) {
            request = toModern(session, request);
        }
        McpSpan span = tracing.upstream(session.id(), request, backend);
        // The upstream call's span context in _meta, or the caller's when tracing is off.
        JsonRpcRequest outgoing = span.withTraceMeta(request, caller.headers());
        long sent = System.nanoTime();
        // What the caller's credentials add toward this backend (a token obtained for it, claims),
        // and the caller's W3C trace context, so the upstream's spans join the same trace.
        BackendConfig backendConfig = route.config().backend(backend);
        boolean modernUpstream = ProtocolVersions.isModern(upstream.protocolVersion());
        credentials.headers(route.config(), client.config(), caller.principal())
                .map(h -> span.withTraceHeaders(withForwarded(withTrace(h, caller), backendConfig, caller)))
                .map(h -> modernUpstream ? withParamHeaders(h, caller) : h)
                .compose(extra -> client.request(upstream, outgoing, interim, extra).recover(t -> {
                    if (!UpstreamErrors.isSessionExpired(t) || pending.promise().future().isComplete()) {
                        return Future.failedFuture(t);
                    }
                    LOG.infof("Backend %s ended session %s upstream; opening a new one", backend, session.id());
                    return reopen(route, session, client, caller.principal())
                            .compose(fresh -> client.request(fresh, outgoing, interim, extra));
                }).compose(r -> ModernMeta.inputRequired(r.result()) && !ProtocolVersions.isModern(session.protocolVersion())
                        ? inputRounds(route, session, upstream, client, outgoing, r, sink, extra, 1)
                        : Future.succeededFuture(r)))
                .onComplete(ar -> {
                    String outcome = ar.succeeded() ? "ok"
                            : ar.cause() instanceof JsonRpcException e && e.error().code() == ErrorCodes.UPSTREAM_TIMEOUT
                                    ? "timeout"
                                    : "error";
                    metrics.upstream(backend, outcome, System.nanoTime() - sent);
                    span.end(outcome, ar);
                    if (ar.succeeded()) {
                        pending.promise().tryComplete(ar.result());
                    } else {
                        pending.promise().tryFail(ar.cause());
                    }
                });
        return pending.promise().future().onComplete(ignored -> inFlight.computeIfPresent(key, (k, v) -> {
            v.remove(pending);
            return v.isEmpty() ? null : v;
        }));
    }

    /** The revision to offer upstreams in {@code initialize} for a session: a 2026-07-28 client's pool offers the latest with sessions. */
    private static String upstreamVersion(GatewaySession session) {
        return ProtocolVersions.isModern(session.protocolVersion()) ? ProtocolVersions.LATEST : session.protocolVersion();
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
            info.put("version", session.clientInfo() == null ? GATEWAY_VERSION
                    : session.clientInfo().path("version").asText(GATEWAY_VERSION));
        }
        if (session.logLevel() != null && !meta.has(ModernMeta.LOG_LEVEL)) {
            meta.put(ModernMeta.LOG_LEVEL, session.logLevel());
        }
        return request.withParams(params);
    }

    /** Most rounds of input one request may need before the gateway gives up on it. */
    private static final int MAX_INPUT_ROUNDS = 16;
    /** Answers to input requests put to a client on this replica, by waiting id. */
    private final Map<String, Promise<JsonNode>> awaitedInput = new ConcurrentHashMap<>();
    private static final String INPUT_PREFIX = "input:";

    /**
     * A 2026-07-28 upstream needs input (sampling, elicitation, roots) and the client is of an
     * earlier revision: each input request goes to the client as a server request on its response
     * stream, and once all are answered the original request is sent again with the answers and
     * the upstream's {@code requestState}, until the upstream completes it.
     */
    private Future<JsonRpcResponse> inputRounds(Route route, GatewaySession session, UpstreamSession upstream,
            UpstreamClient client, JsonRpcRequest original, JsonRpcResponse interim, ClientSink sink,
            Map<String, String> extra, int round) {
        if (round > MAX_INPUT_ROUNDS) {
            return Future.failedFuture(UpstreamErrors.unavailable(upstream.backend(),
                    "it asked for input " + MAX_INPUT_ROUNDS + " times without completing the request"));
        }
        JsonNode result = interim.result();
        Map<String, Future<JsonNode>> answers = new LinkedHashMap<>();
        String waitId = java.util.UUID.randomUUID().toString();
        for (Map.Entry<String, JsonNode> e : result.path("inputRequests").properties()) {
            String key = e.getKey();
            JsonNode ask = e.getValue();
            String local = waitId + "/" + key;
            Promise<JsonNode> answer = Promise.promise();
            awaitedInput.put(local, answer);
            answers.put(key, answer.future().onComplete(ignored -> awaitedInput.remove(local)));
            ObjectNode params = ask.get("params") instanceof ObjectNode p ? p.deepCopy() : JSON.objectNode();
            JsonNode id = requestIds.sign(session.id(), upstream.backend(), "", JSON.textNode(INPUT_PREFIX + local),
                    replicaId);
            sink.send(new JsonRpcRequest(id, ask.path("method").asText(), params));
        }
        long timeout = client.config().timeout().toMillis();
        return Future.all(new ArrayList<>(answers.values())).timeout(timeout, java.util.concurrent.TimeUnit.MILLISECONDS)
                .recover(t -> {
                    answers.keySet().forEach(key -> awaitedInput.remove(waitId + "/" + key));
                    return Future.failedFuture(t instanceof java.util.concurrent.TimeoutException
                            ? UpstreamErrors.timeout(upstream.backend(), timeout)
                            : t);
                })
                .compose(all -> {
                    ObjectNode params = original.params() == null ? JSON.objectNode() : original.params().deepCopy();
                    ObjectNode responses = params.putObject("inputResponses");
                    answers.forEach((key, f) -> responses.set(key, f.result()));
                    if (result.hasNonNull("requestState")) {
                        params.set("requestState", result.get("requestState"));
                    } else {
                        params.remove("requestState");
                    }
                    // A retry is a new request, with its own id.
                    JsonRpcRequest retry = new JsonRpcRequest(JSON.textNode(original.id().asText() + "#" + round),
                            original.method(), params);
                    return client.request(upstream, retry, message -> {
                        JsonRpcMessage rewritten = fromUpstream(route, session, upstream, message);
                        if (rewritten != null) {
                            sink.send(rewritten);
                        }
                    }, extra).map(r -> r.withId(original.id()));
                })
                .compose(r -> ModernMeta.inputRequired(r.result())
                        ? inputRounds(route, session, upstream, client, original, r, sink, extra, round + 1)
                        : Future.succeededFuture(r));
    }

    /** An answer to an input request the gateway put to a client for a 2026-07-28 upstream. */
    private Future<Void> inputAnswered(String local, String replica, JsonRpcResponse response) {
        if (!replica.equals(replicaId)) {
            ObjectNode letter = JSON.objectNode();
            letter.put("input", local);
            letter.set("answer", JsonRpcCodec.toJson(response));
            return log.append(INBOX + replica, JsonRpcCodec.writeString(letter)).mapEmpty();
        }
        Promise<JsonNode> waiting = awaitedInput.get(local);
        if (waiting == null) {
            return Future.failedFuture(new JsonRpcException(ErrorCodes.INVALID_REQUEST,
                    "Invalid Request: the request that asked for this input has ended"));
        }
        if (response.isError()) {
            waiting.tryFail(
                    new JsonRpcException(new JsonRpcError(response.error().path("code").asInt(ErrorCodes.INTERNAL_ERROR),
                            "The client refused the input request: " + response.error().path("message").asText(""))));
        } else {
            waiting.tryComplete(response.result());
        }
        return Future.succeededFuture();
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
        Map<String, String> out = new LinkedHashMap<>(headers);
        for (ForwardHeader f : backend.forwardHeaders()) {
            String value = caller.headers().get(f.name());
            if (value != null) {
                out.put(f.backendHeader() == null ? f.name() : f.backendHeader(), value);
            }
        }
        return out;
    }

    private static String inFlightKey(String sessionId, JsonNode requestId) {
        // Not JsonNode.toString(): that runs a serializer; the id is a string or an integer.
        return sessionId + (requestId.isTextual() ? "\0s" : "\0n") + requestId.asText();
    }

    private Future<UpstreamSession> reopen(Route route, GatewaySession session, UpstreamClient client, Principal principal) {
        return openBackend(route, client, initializeParams(upstreamVersion(session), session.clientCapabilities()), principal,
                owner(session.id(), principal)).compose(fresh -> {
                    Map<String, UpstreamSession> upstreams = new LinkedHashMap<>(session.upstreams());
                    upstreams.put(client.name(), fresh);
                    return store.put(session.withUpstreams(upstreams)).map(v -> fresh);
                });
    }

    /**
     * Rewrites what a backend sends outside a response so the client can use it: server requests
     * get signed ids, log messages name the backend, URIs and task ids get their prefixes. Answers
     * null for what the client must not see.
     */
    JsonRpcMessage fromUpstream(Route route, GatewaySession session, UpstreamSession upstream, JsonRpcMessage message) {
        String backend = upstream.backend();
        switch (message) {
            case JsonRpcRequest r -> {
                return r.withId(
                        requestIds.sign(session.id(), backend, upstream.sessionId(), r.id(), answeredBy(route, backend)));
            }
            case JsonRpcResponse r -> {
                return null;
            }
            case JsonRpcNotification n -> {
                ObjectNode p = n.params();
                if (p == null) {
                    return n;
                }
                switch (n.method()) {
                    case McpMethods.NOTIFICATIONS_MESSAGE -> {
                        String logger = p.path("logger").asText(null);
                        p.put("logger", logger == null ? backend : backend + "/" + logger);
                    }
                    case McpMethods.NOTIFICATIONS_RESOURCES_UPDATED -> {
                        if (route.config().prefixed() && p.hasNonNull("uri")) {
                            p.put("uri", Names.prefixUri(backend, p.get("uri").asText()));
                        }
                    }
                    case McpMethods.NOTIFICATIONS_CANCELLED -> {
                        // The upstream gave up on a request it sent the client: name it as the client knows it.
                        if (p.hasNonNull("requestId")) {
                            p.set("requestId",
                                    requestIds.sign(session.id(), backend, upstream.sessionId(), p.get("requestId"),
                                            answeredBy(route, backend)));
                        }
                    }
                    case McpMethods.NOTIFICATIONS_TASKS_STATUS -> {
                        if (p.hasNonNull("taskId")) {
                            p.put("taskId", Names.prefixName(backend, p.get("taskId").asText()));
                        }
                    }
                    default -> {
                    }
                }
                return n;
            }
        }
    }

    /**
     * The client's answer to a server request: back to the upstream session that asked. Fails with
     * -32600 for an id this gateway did not issue to this session.
     */
    public Future<Void> clientResponse(Route route, GatewaySession session, Caller caller, JsonRpcResponse response) {
        RequestIds.Route target = requestIds.verify(session.id(), response.id());
        if (target == null) {
            LOG.warnf("Session %s answered an unknown or forged request id %s", session.id(), response.id());
            return Future.failedFuture(new JsonRpcException(ErrorCodes.INVALID_REQUEST,
                    "Invalid Request: no server request with id " + response.id() + " is waiting for this answer"));
        }
        if (target.upstreamSession().isEmpty() && target.originalId().isTextual()
                && target.originalId().asText().startsWith(INPUT_PREFIX)) {
            return inputAnswered(target.originalId().asText().substring(INPUT_PREFIX.length()), target.replica(), response);
        }
        UpstreamSession upstream = session.upstream(target.backend());
        UpstreamClient client = route.client(target.backend());
        String current = upstream == null || upstream.sessionId() == null ? "" : upstream.sessionId();
        if (upstream == null || client == null || !current.equals(target.upstreamSession())) {
            return Future.failedFuture(new JsonRpcException(ErrorCodes.INVALID_REQUEST,
                    "Invalid Request: the backend session that asked " + response.id() + " has ended"));
        }
        JsonRpcResponse answer = response.withId(target.originalId());
        if (!target.replica().isEmpty() && !target.replica().equals(replicaId)) {
            // The process or connection that asked lives on another replica: hand the answer over.
            ObjectNode letter = JSON.objectNode();
            letter.put("route", route.path());
            letter.put("backend", target.backend());
            letter.put("upstreamSession", target.upstreamSession());
            letter.set("answer", JsonRpcCodec.toJson(answer));
            return log.append(INBOX + target.replica(), JsonRpcCodec.writeString(letter)).mapEmpty();
        }
        return credentials.headers(route.config(), client.config(), caller.principal())
                .compose(h -> client.send(upstream, answer, h));
    }

    /** "" when any replica can deliver an answer to this backend; this replica when only it can. */
    private String answeredBy(Route route, String backend) {
        UpstreamClient c = route.client(backend);
        return c == null || c.config().transport() == TransportKind.STREAMABLE_HTTP ? "" : replicaId;
    }

    /** Answers handed over by other replicas for this replica's stdio processes and SSE connections. */
    private void openInbox() {
        String inbox = INBOX + replicaId;
        log.open(inbox, "-");
        log.subscribe(inbox, event -> {
            try {
                JsonNode letter = JsonRpcCodec.MAPPER.readTree(event.data());
                if (letter.hasNonNull("input")) {
                    if (JsonRpcCodec.decode(letter.get("answer")) instanceof JsonRpcResponse answer) {
                        inputAnswered(letter.get("input").asText(), replicaId, answer);
                    }
                    return;
                }
                Route route = routes.route(letter.path("route").asText());
                UpstreamClient client = route == null ? null : route.client(letter.path("backend").asText());
                if (client == null) {
                    return;
                }
                String upstreamSession = letter.path("upstreamSession").asText();
                UpstreamSession target = new UpstreamSession(client.name(), upstreamSession.isEmpty() ? null : upstreamSession,
                        null, null, null);
                client.send(target, JsonRpcCodec.decode(letter.get("answer"))).onFailure(
                        t -> LOG.warnf("An answer handed over for backend %s was not delivered: %s", client.name(),
                                t.getMessage()));
            } catch (java.io.IOException | JsonRpcException e) {
                LOG.warnf("Unreadable answer in this replica's inbox: %s", e.getMessage());
            }
        });
    }

    /** Every backend's standalone stream of one session, merged. */
    public interface Pump {
        /** Per backend, the upstream's id of the last event received (for a successor to resume from). */
        Map<String, String> lastEventIds();

        void close();
    }

    /**
     * Opens every backend's standalone stream for this session, resuming after {@code resume}
     * (backend to upstream event id) where given; what they send goes to the sink, rewritten.
     */
    public Future<Pump> listen(Route route, GatewaySession session, Map<String, String> resume, ClientSink sink) {
        List<Future<UpstreamListener>> opened = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (UpstreamSession u : session.upstreamList()) {
            UpstreamClient c = route.client(u.backend());
            if (c == null) {
                continue;
            }
            names.add(u.backend());
            // No caller here (a successor replica may pump): tokens the gateway obtains for itself still apply.
            opened.add(credentials.headers(route.config(), c.config(), Principal.ANONYMOUS).compose(h -> c.listen(u,
                    resume.get(u.backend()), message -> {
                        JsonRpcMessage rewritten = fromUpstream(route, session, u, message);
                        if (rewritten != null) {
                            sink.send(rewritten);
                        }
                    }, h)).onFailure(t -> LOG.infof("Backend %s offers no stream for session %s: %s", u.backend(), session.id(),
                            t.getMessage())));
        }
        return Future.join(opened).transform(ignored -> {
            Map<String, UpstreamListener> handles = new LinkedHashMap<>();
            for (int i = 0; i < opened.size(); i++) {
                if (opened.get(i).succeeded()) {
                    handles.put(names.get(i), opened.get(i).result());
                }
            }
            return Future.succeededFuture(new Pump() {
                @Override
                public Map<String, String> lastEventIds() {
                    Map<String, String> ids = new LinkedHashMap<>();
                    handles.forEach((b, l) -> {
                        if (l.lastEventId() != null) {
                            ids.put(b, l.lastEventId());
                        }
                    });
                    return ids;
                }

                @Override
                public void close() {
                    handles.values().forEach(UpstreamListener::close);
                }
            });
        });
    }

    /** What a 2026-07-28 client's {@code subscriptions/listen} asked for, in the names it sees. */
    public record ListenFilter(boolean tools, boolean prompts, boolean resources, java.util.Set<String> uris) {

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

    /**
     * The change notifications of every backend for one {@code subscriptions/listen} of a
     * 2026-07-28 client. A 2026-07-28 backend gets a listen of its own; a backend of an earlier
     * revision gets an upstream session of its own for this stream (one standalone stream per
     * session is all it allows), subscribed to the resources asked for and closed with the stream.
     */
    public Future<Pump> subscribe(Route route, GatewaySession pooled, Caller caller, ListenFilter filter, ClientSink sink) {
        Map<String, List<String>> urisByBackend = new LinkedHashMap<>();
        for (String uri : filter.uris()) {
            Target t = resolveUri(route, pooled, uri);
            if (t != null) {
                urisByBackend.computeIfAbsent(t.backend(), k -> new ArrayList<>()).add(t.name());
            }
        }
        List<Future<Runnable>> opened = new ArrayList<>();
        for (UpstreamSession u : pooled.upstreamList()) {
            UpstreamClient c = route.client(u.backend());
            if (c == null) {
                continue;
            }
            List<String> uris = urisByBackend.getOrDefault(u.backend(), List.of());
            opened.add(credentials.headers(route.config(), c.config(), caller.principal()).compose(h -> {
                if (ProtocolVersions.isModern(u.protocolVersion())) {
                    return c.listenFor(u, uris, message -> relay(route, pooled, u, message, filter, sink), h)
                            .map(l -> (Runnable) l::close);
                }
                return c.open(initializeParams(ProtocolVersions.LATEST, null), h, owner(pooled.id(), caller.principal()))
                        .compose(own -> {
                            List<Future<JsonRpcResponse>> subscribed = new ArrayList<>();
                            for (String uri : uris) {
                                ObjectNode p = JSON.objectNode().put("uri", uri);
                                subscribed.add(c.request(own, new JsonRpcRequest(JSON.textNode("subscribe-" + uri),
                                        McpMethods.RESOURCES_SUBSCRIBE, p), UpstreamSink.DISCARD, h));
                            }
                            return Future.join(subscribed).transform(ignored -> c.listen(own, null,
                                    message -> relay(route, pooled, own, message, filter, sink), h))
                                    .map(l -> (Runnable) () -> {
                                        l.close();
                                        c.close(own);
                                    })
                                    .onFailure(t -> c.close(own));
                        });
            }).onFailure(t -> LOG.infof("Backend %s: no change notifications for a listen stream: %s", u.backend(),
                    t.getMessage())));
        }
        return Future.join(opened).transform(ignored -> {
            List<Runnable> closers = new ArrayList<>();
            opened.stream().filter(Future::succeeded).forEach(f -> closers.add(f.result()));
            return Future.succeededFuture(new Pump() {
                @Override
                public Map<String, String> lastEventIds() {
                    return Map.of();
                }

                @Override
                public void close() {
                    closers.forEach(Runnable::run);
                }
            });
        });
    }

    private void relay(Route route, GatewaySession pooled, UpstreamSession upstream, JsonRpcMessage message,
            ListenFilter filter, ClientSink sink) {
        if (!(message instanceof JsonRpcNotification)) {
            // A listen stream carries notifications only; a backend's server request here has no one to answer it.
            return;
        }
        if (fromUpstream(route, pooled, upstream, message) instanceof JsonRpcNotification n && filter.wants(n)) {
            sink.send(n);
        }
    }

    // ---- notifications and end ------------------------------------------------------------------

    /** A notification from the client. */
    public void notification(Route route, GatewaySession session, Caller caller, JsonRpcNotification notification) {
        switch (notification.method()) {
            case McpMethods.NOTIFICATIONS_INITIALIZED -> {
                // The gateway sent its own to each upstream when it opened them.
            }
            case McpMethods.NOTIFICATIONS_ROOTS_LIST_CHANGED -> broadcast(route, session, caller, notification, null);
            case McpMethods.NOTIFICATIONS_CANCELLED -> cancel(route, session, caller, notification);
            default -> LOG.debugf("Notification %s from session %s not routed", notification.method(), session.id());
        }
    }

    /** To the backends serving that request here; when it is in flight elsewhere, to all. */
    private void cancel(Route route, GatewaySession session, Caller caller, JsonRpcNotification notification) {
        JsonNode requestId = notification.params() == null ? null : notification.params().get("requestId");
        List<Pending> pendings = requestId == null ? null : inFlight.get(inFlightKey(session.id(), requestId));
        if (pendings == null) {
            broadcast(route, session, caller, notification, null);
            return;
        }
        List<Pending> copy = List.copyOf(pendings);
        broadcast(route, session, caller, notification, copy.stream().map(Pending::backend).toList());
        // The client will ignore any answer now; stop waiting so its stream closes at once.
        copy.forEach(p -> p.promise()
                .tryFail(new JsonRpcException(ErrorCodes.REQUEST_CANCELLED, "Request cancelled by the client")));
    }

    private void broadcast(Route route, GatewaySession session, Caller caller, JsonRpcNotification notification,
            List<String> only) {
        for (UpstreamSession u : session.upstreamList()) {
            if (only != null && !only.contains(u.backend())) {
                continue;
            }
            UpstreamClient c = route.client(u.backend());
            if (c != null) {
                credentials.headers(route.config(), c.config(), caller.principal()).compose(h -> c.send(u, notification, h))
                        .onFailure(t -> LOG.debugf("%s to %s failed: %s", notification.method(),
                                u.backend(), t.getMessage()));
            }
        }
    }

    /** Ends a session and its upstream sessions; answers false when it did not exist. */
    public Future<Boolean> end(String sessionId) {
        return store.remove(sessionId).map(s -> {
            if (s == null) {
                return false;
            }
            closeUpstreams(s);
            return true;
        });
    }

    private void closeUpstreams(GatewaySession session) {
        for (Route r : routes.routes()) {
            if (r.name().equals(session.route())) {
                for (UpstreamSession u : session.upstreamList()) {
                    UpstreamClient c = r.client(u.backend());
                    if (c != null) {
                        c.close(u);
                    }
                }
            }
        }
    }

    private static String requireText(JsonRpcRequest request, String field) {
        String v = request.paramText(field);
        if (v == null) {
            throw new JsonRpcException(ErrorCodes.INVALID_PARAMS, "Invalid params: \"" + field + "\" must be a string");
        }
        return v;
    }

    private static JsonRpcException asJsonRpc(Throwable t) {
        return t instanceof JsonRpcException e ? e
                : new JsonRpcException(ErrorCodes.INTERNAL_ERROR, "Internal error");
    }
}
