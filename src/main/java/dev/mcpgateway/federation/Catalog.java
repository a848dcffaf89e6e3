package dev.mcpgateway.federation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.config.BackendConfig;
import dev.mcpgateway.config.GatewayConfig;
import dev.mcpgateway.jsonrpc.ErrorCodes;
import dev.mcpgateway.jsonrpc.JsonRpcError;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.jsonrpc.McpMethods;
import dev.mcpgateway.jsonrpc.ProtocolVersions;
import dev.mcpgateway.security.Caller;
import dev.mcpgateway.security.ToolAuthorizer;
import dev.mcpgateway.session.GatewaySession;
import dev.mcpgateway.upstream.UpstreamSession;
import io.vertx.core.Future;

/**
 * Merged lists (tools, prompts, resources, templates, tasks) with composite cursors, filtered by
 * the route's rules and the caller's authorization; and which backend owns a name when names carry
 * no prefix.
 */
@Singleton
class Catalog {

    private static final Logger LOG = Logger.getLogger(Catalog.class);
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    /** Most pages one ownership lookup reads from the backends before giving up. */
    private static final int MAX_LOOKUP_PAGES = 50;

    /**
     * A kind of list the gateway merges.
     *
     * @param method the list method, e.g. {@code tools/list}
     * @param capability the server capability that offers it
     * @param items the result field holding the items
     * @param nameField the item field holding its name (or id), prefixed with the backend
     * @param uriField the item field holding its URI (rewritten), if any
     * @param authKind what authorization rules call such an item
     */
    record Kind(String method, String capability, String items, String nameField, String uriField, String authKind) {
        static final Kind TOOLS = new Kind(McpMethods.TOOLS_LIST, "tools", "tools", "name", null, "tool");
        static final Kind PROMPTS = new Kind(McpMethods.PROMPTS_LIST, "prompts", "prompts", "name", null, "prompt");
        static final Kind RESOURCES = new Kind(McpMethods.RESOURCES_LIST, "resources", "resources", "name", "uri",
                "resource");
        static final Kind TEMPLATES = new Kind(McpMethods.RESOURCES_TEMPLATES_LIST, "resources", "resourceTemplates", "name",
                "uriTemplate", "resource");
        static final Kind TASKS = new Kind(McpMethods.TASKS_LIST, "tasks", "tasks", "taskId", null, "task");
    }

    /** A name or URI the client used, resolved to its backend and the backend's own name. */
    record Target(String backend, String name) {
    }

    private record Page(String backend, JsonRpcResponse response) {
    }

    private final GatewayConfig config;
    private final ToolAuthorizer authorizer;
    private final Forwarder forwarder;
    private final SessionOpener opener;
    @Inject
    BackendGuards guards;

    @Inject
    Catalog(GatewayConfig config, ToolAuthorizer authorizer, Forwarder forwarder, SessionOpener opener) {
        this.config = config;
        this.authorizer = authorizer;
        this.forwarder = forwarder;
        this.opener = opener;
    }

    /** One page of the merged list. */
    Future<JsonRpcResponse> list(Route route, GatewaySession original, Caller caller, JsonRpcRequest request, Kind kind) {
        return opener.withCurrentBackends(route, original, caller.principal())
                .compose(session -> listNow(route, session, caller, request, kind));
    }

    private Future<JsonRpcResponse> listNow(Route route, GatewaySession session, Caller caller, JsonRpcRequest request,
            Kind kind) {
        String cursor = request.paramText("cursor");
        Map<String, String> targets = new LinkedHashMap<>();
        if (cursor == null) {
            for (UpstreamSession u : session.upstreamList()) {
                // A backend removed by a reload is no longer listed.
                if (u.has(kind.capability()) && route.client(u.backend()) != null
                        && !(kind == Kind.TOOLS && guards.hidesTools(route, u.backend()))) {
                    targets.put(u.backend(), null);
                }
            }
        } else {
            for (Map.Entry<String, String> e : CompositeCursor.decode(cursor).entrySet()) {
                UpstreamSession u = session.upstream(e.getKey());
                if (u == null || !u.has(kind.capability())) {
                    throw new JsonRpcException(ErrorCodes.INVALID_PARAMS, "Invalid params: unknown or malformed cursor");
                }
                targets.put(e.getKey(), e.getValue());
            }
        }
        if (targets.isEmpty()) {
            ObjectNode empty = JSON.objectNode();
            empty.putArray(kind.items());
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
            pages.add(forwarder.forward(route, session, caller, backend, request.withParams(params), ClientSink.DISCARD)
                    .map(r -> new Page(backend, r)));
        }
        return Future.join(pages).transform(ignored -> merge(route, session, caller, request, kind, pages));
    }

    private Future<JsonRpcResponse> merge(Route route, GatewaySession session, Caller caller, JsonRpcRequest request,
            Kind kind, List<Future<Page>> pages) {
        ObjectNode result = JSON.objectNode();
        ArrayNode items = result.putArray(kind.items());
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
                LOG.warnf("%s: a backend's list failed and is left out: %s", kind.items(), e.getMessage());
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
            addItems(route, caller, request.method(), p.backend(), kind, res == null ? null : res.get(kind.items()), items);
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
    }

    private void addItems(Route route, Caller caller, String method, String backend, Kind kind, JsonNode list,
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
            String name = o.path(kind.nameField()).asText(null);
            if (kind == Kind.TASKS) {
                if (name != null) {
                    o.put(kind.nameField(), Names.prefixName(backend, name));
                }
                into.add(o);
                continue;
            }
            if (kind == Kind.TOOLS) {
                String upstreamName = name;
                // Filters and rules see the name clients see, after any override.
                name = name == null ? null : ToolOverlay.present(config.toolOverrides(), name, o);
                if (name == null || !config.tools().allows(name)) {
                    continue;
                }
                ResultCache.listed(route, backend, upstreamName, o);
            }
            String authName = kind.uriField() != null && o.hasNonNull(kind.uriField()) ? o.get(kind.uriField()).asText() : name;
            if (!authorizer.decide(route.config(), caller.principal(), method, backend, kind.authKind(), authName, null,
                    caller.headers()).allowed()) {
                // What a caller may not use, it does not see.
                continue;
            }
            if (prefixed) {
                if (name != null) {
                    o.put(kind.nameField(), Names.prefixName(backend, name));
                }
                if (kind.uriField() != null && o.hasNonNull(kind.uriField())) {
                    o.put(kind.uriField(), Names.prefixUri(backend, o.get(kind.uriField()).asText()));
                }
            } else {
                remember(route, kind, backend, o);
            }
            into.add(o);
        }
    }

    /** With names unprefixed, which backend listed a name is how a later call finds its backend. */
    private static void remember(Route route, Kind kind, String backend, ObjectNode item) {
        if (kind == Kind.TOOLS) {
            route.toolOwners.put(item.get("name").asText(), backend);
        } else if (kind == Kind.PROMPTS && item.hasNonNull("name")) {
            route.promptOwners.put(item.get("name").asText(), backend);
        } else if (kind == Kind.RESOURCES && item.hasNonNull("uri")) {
            route.resourceOwners.put(item.get("uri").asText(), backend);
        }
    }

    // ---- resolving names ----------------------------------------------------------------------

    /**
     * The backend of a tool or prompt name. Without prefixes and with several backends, the owner
     * is what a listing said; a replica that has not listed yet (the listing happened on another
     * replica, or before a restart) lists first, so a name resolves the same on every replica.
     */
    Future<Target> resolveName(Route route, GatewaySession session, Caller caller, String name, Kind kind) {
        Target t = resolveNameNow(route, session, name, owners(route, kind));
        if (t != null || route.config().prefixed() || session.upstreams().size() == 1) {
            return Future.succeededFuture(t);
        }
        return learn(route, session, caller, kind).map(v -> resolveNameNow(route, session, name, owners(route, kind)));
    }

    /** The backend of a resource URI; like {@link #resolveName}. */
    Future<Target> resolveUri(Route route, GatewaySession session, Caller caller, String uri) {
        Target t = resolveUriNow(route, session, uri);
        if (t != null || route.config().prefixed() || session.upstreams().size() == 1) {
            return Future.succeededFuture(t);
        }
        return learn(route, session, caller, Kind.RESOURCES).map(v -> resolveUriNow(route, session, uri));
    }

    Target resolveNameNow(Route route, GatewaySession session, String name, Map<String, String> owners) {
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

    Target resolveUriNow(Route route, GatewaySession session, String uri) {
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

    private static Map<String, String> owners(Route route, Kind kind) {
        return kind == Kind.PROMPTS ? route.promptOwners : route.toolOwners;
    }

    /** Reads every page of one kind of list for this session, so this replica learns who owns which name. */
    private Future<Void> learn(Route route, GatewaySession session, Caller caller, Kind kind) {
        return learnPage(route, session, caller, kind, null, 0);
    }

    private Future<Void> learnPage(Route route, GatewaySession session, Caller caller, Kind kind, String cursor, int page) {
        ObjectNode params = JSON.objectNode();
        if (cursor != null) {
            params.put("cursor", cursor);
        }
        JsonRpcRequest request = new JsonRpcRequest(JSON.textNode("owners-" + page), kind.method(), params);
        return listNow(route, session, caller, request, kind).compose(r -> {
            String next = r.result() == null ? null : r.result().path("nextCursor").asText(null);
            return next == null || page + 1 >= MAX_LOOKUP_PAGES ? Future.succeededFuture()
                    : learnPage(route, session, caller, kind, next, page + 1);
        });
    }

    private static JsonRpcException asJsonRpc(Throwable t) {
        return t instanceof JsonRpcException e ? e : new JsonRpcException(ErrorCodes.INTERNAL_ERROR, "Internal error");
    }
}
