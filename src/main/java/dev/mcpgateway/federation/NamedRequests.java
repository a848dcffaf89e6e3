package dev.mcpgateway.federation;

import java.util.ArrayList;
import java.util.List;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.config.BackendConfig;
import dev.mcpgateway.grants.UserGrants;
import dev.mcpgateway.jsonrpc.ErrorCodes;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.jsonrpc.McpMethods;
import dev.mcpgateway.ratelimit.RateLimiter;
import dev.mcpgateway.security.Caller;
import dev.mcpgateway.security.InsufficientScopeException;
import dev.mcpgateway.security.ToolAuthorizer;
import dev.mcpgateway.session.GatewaySession;
import dev.mcpgateway.session.SessionStore;
import dev.mcpgateway.upstream.UpstreamSession;
import io.vertx.core.Future;

/**
 * Requests that name what they act on (a tool, prompt, resource, task or completion reference):
 * resolved to one backend, checked against the route's filters and authorization rules, renamed
 * for the backend and forwarded; and {@code logging/setLevel}, which goes to every backend.
 */
@Singleton
class NamedRequests {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    @Inject
    ToolAuthorizer authorizer;
    @Inject
    Forwarder forwarder;
    @Inject
    Catalog catalog;
    @Inject
    SessionStore store;
    @Inject
    ResultCache results;
    @Inject
    TaskBridge tasks;
    @Inject
    UserGrants grants;
    @Inject
    SessionOpener opener;
    @Inject
    RateLimiter limits;

    Future<JsonRpcResponse> callTool(Route route, GatewaySession session, Caller caller, JsonRpcRequest request,
            ClientSink sink) {
        String name = requireText(request, "name");
        return catalog.resolveName(route, session, caller, name, Catalog.Kind.TOOLS).compose(t -> {
            Names.Qualified unopened = t == null ? unopenedUserOAuth(route, session, name) : null;
            if (unopened != null) {
                // The session could not open this user_oauth backend without the caller's grant: consent
                // first (for a tool the caller may call at all); with a grant, open it now and call again.
                if (!route.config().backend(unopened.backend()).tools().allows(unopened.name())) {
                    throw new JsonRpcException(ErrorCodes.INVALID_PARAMS, "Unknown tool: " + name);
                }
                authorize(route, caller, request, unopened.backend(), "tool", unopened.name(),
                        request.params().get("arguments"), name);
                return grants.require(route.config(), unopened.backend(), caller, session.clientCapabilities())
                        .compose(v -> opener.withCurrentBackends(route, session, caller.principal()))
                        .compose(grown -> grown.upstream(unopened.backend()) == null
                                ? Future.failedFuture(new JsonRpcException(ErrorCodes.INVALID_PARAMS, "Unknown tool: " + name))
                                : callTool(route, grown, caller, request, sink));
            }
            BackendConfig backend = t == null ? null : route.config().backend(t.backend());
            // The upstream's name of the tool clients call by this one (null: renamed away by an override).
            String upstreamName = backend == null ? null : backend.toolOverrides().upstreamName(t.name());
            if (upstreamName == null || !backend.tools().allows(t.name())) {
                // A filtered tool is refused exactly like one that does not exist: nothing leaks.
                throw new JsonRpcException(ErrorCodes.INVALID_PARAMS, "Unknown tool: " + name);
            }
            authorize(route, caller, request, t.backend(), "tool", t.name(), request.params().get("arguments"), name);
            request.params().put("name", upstreamName);
            // Counted first; then a user_oauth backend the caller has not connected gets a consent link,
            // before any cache or upstream.
            return limits.admit(route.config(), caller, request.method(), t.backend(), "tool", t.name(),
                    () -> grants.guard(route.config(), t.backend(), caller, session.clientCapabilities(),
                            () -> results.call(route, session, caller, t.backend(), upstreamName, request, sink,
                                    s -> tasks.callTool(route, session, caller, t.backend(), request, s)
                                            .map(r -> prefixTaskId(t.backend(), r)))));
        });
    }

    Future<JsonRpcResponse> getPrompt(Route route, GatewaySession session, Caller caller, JsonRpcRequest request,
            ClientSink sink) {
        String name = requireText(request, "name");
        return catalog.resolveName(route, session, caller, name, Catalog.Kind.PROMPTS).compose(t -> {
            if (t == null || !session.upstream(t.backend()).has("prompts")) {
                throw new JsonRpcException(ErrorCodes.INVALID_PARAMS, "Unknown prompt: " + name);
            }
            authorize(route, caller, request, t.backend(), "prompt", t.name(), request.params().get("arguments"), name);
            request.params().put("name", t.name());
            return limits.admit(route.config(), caller, request.method(), t.backend(), "prompt", t.name(),
                    () -> grants.guard(route.config(), t.backend(), caller, session.clientCapabilities(),
                            () -> forwarder.forward(route, session, caller, t.backend(), request, sink)));
        });
    }

    /** {@code resources/read}, {@code resources/subscribe} and {@code resources/unsubscribe}. */
    Future<JsonRpcResponse> byUri(Route route, GatewaySession session, Caller caller, JsonRpcRequest request,
            ClientSink sink) {
        String uri = requireText(request, "uri");
        return catalog.resolveUri(route, session, caller, uri).compose(t -> {
            if (t == null || !session.upstream(t.backend()).has("resources")) {
                throw new JsonRpcException(ErrorCodes.RESOURCE_NOT_FOUND, "Resource not found: " + uri);
            }
            authorize(route, caller, request, t.backend(), "resource", t.name(), null, uri);
            request.params().put("uri", t.name());
            String backend = t.backend();
            return limits.admit(route.config(), caller, request.method(), backend, "resource", t.name(),
                    () -> grants.guard(route.config(), backend, caller, session.clientCapabilities(),
                            () -> forwarder.forward(route, session, caller, backend, request, sink))
                            .map(r -> McpMethods.RESOURCES_READ.equals(request.method()) ? rewriteContents(route, backend, r)
                                    : r));
        });
    }

    /** {@code tasks/get}, {@code tasks/result}, {@code tasks/cancel}, {@code tasks/update}: task ids carry their backend. */
    Future<JsonRpcResponse> byTask(Route route, GatewaySession session, Caller caller, JsonRpcRequest request,
            ClientSink sink) {
        String taskId = requireText(request, "taskId");
        Names.Qualified q = Names.splitName(taskId);
        if (q == null || session.upstream(q.backend()) == null) {
            throw new JsonRpcException(ErrorCodes.INVALID_PARAMS, "Invalid params: unknown task " + taskId);
        }
        request.params().put("taskId", q.name());
        if (TaskBridge.crossing(session, session.upstream(q.backend())) != TaskBridge.Crossing.NONE) {
            return tasks.byTask(route, session, caller, q.backend(), request, sink).map(r -> prefixTaskId(q.backend(), r));
        }
        return forwarder.forward(route, session, caller, q.backend(), request, sink)
                .map(r -> McpMethods.TASKS_RESULT.equals(request.method()) ? r : prefixTaskId(q.backend(), r));
    }

    Future<JsonRpcResponse> complete(Route route, GatewaySession session, Caller caller, JsonRpcRequest request,
            ClientSink sink) {
        JsonNode ref = request.params() == null ? null : request.params().get("ref");
        if (!(ref instanceof ObjectNode refObj)) {
            throw new JsonRpcException(ErrorCodes.INVALID_PARAMS, "Invalid params: \"ref\" is required");
        }
        String type = refObj.path("type").asText("");
        Future<Catalog.Target> target;
        String field;
        if ("ref/prompt".equals(type)) {
            String name = refObj.path("name").asText(null);
            field = "name";
            target = name == null ? Future.succeededFuture()
                    : catalog.resolveName(route, session, caller, name, Catalog.Kind.PROMPTS);
        } else if ("ref/resource".equals(type)) {
            String uri = refObj.path("uri").asText(null);
            field = "uri";
            target = uri == null ? Future.succeededFuture() : catalog.resolveUri(route, session, caller, uri);
        } else {
            throw new JsonRpcException(ErrorCodes.INVALID_PARAMS, "Invalid params: unknown ref type \"" + type + "\"");
        }
        return target.compose(t -> {
            if (t == null) {
                throw new JsonRpcException(ErrorCodes.INVALID_PARAMS, "Invalid params: unknown reference " + refObj);
            }
            if (!session.upstream(t.backend()).has("completions")) {
                return Future.succeededFuture(JsonRpcResponse.result(request.id(), emptyCompletion()));
            }
            ObjectNode newRef = refObj.deepCopy();
            newRef.put(field, t.name());
            request.params().set("ref", newRef);
            return forwarder.forward(route, session, caller, t.backend(), request, sink);
        });
    }

    Future<JsonRpcResponse> setLevel(Route route, GatewaySession session, Caller caller, JsonRpcRequest request) {
        String level = requireText(request, "level");
        List<Future<JsonRpcResponse>> sent = new ArrayList<>();
        for (UpstreamSession u : session.upstreamList()) {
            if (u.has("logging")) {
                sent.add(forwarder.forward(route, session, caller, u.backend(), request, ClientSink.DISCARD));
            }
        }
        return Future.join(sent)
                .transform(ignored -> store.replace(session.withLogLevel(level)))
                .map(v -> JsonRpcResponse.result(request.id(), JSON.objectNode()));
    }

    /** The prefixed name of a {@code user_oauth} backend of the route that the session has not opened, or null. */
    private static Names.Qualified unopenedUserOAuth(Route route, GatewaySession session, String name) {
        Names.Qualified q = route.config().prefixed() ? Names.splitName(name) : null;
        return q == null || session.upstream(q.backend()) != null || route.client(q.backend()) == null
                || UserGrants.userOAuth(route.config(), q.backend()) == null ? null : q;
    }

    /** Refuses a call an authorization rule denies: 403 step-up when a scope would allow it. */
    private void authorize(Route route, Caller caller, JsonRpcRequest request, String backend, String kind, String name,
            JsonNode arguments, String shownName) {
        ToolAuthorizer.Decision d = authorizer.decide(route.config(), caller.principal(), request.method(), backend, kind, name,
                arguments, caller.headers());
        caller.facts().authorization(d.rule(), d.allowed() ? "allow" : "deny");
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

    private static JsonRpcResponse rewriteContents(Route route, String backend, JsonRpcResponse response) {
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

    private static ObjectNode emptyCompletion() {
        ObjectNode result = JSON.objectNode();
        ObjectNode completion = result.putObject("completion");
        completion.putArray("values");
        completion.put("hasMore", false);
        return result;
    }

    static String requireText(JsonRpcRequest request, String field) {
        String v = request.paramText(field);
        if (v == null) {
            throw new JsonRpcException(ErrorCodes.INVALID_PARAMS, "Invalid params: \"" + field + "\" must be a string");
        }
        return v;
    }
}
