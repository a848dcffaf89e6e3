package dev.mcpgateway.federation;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.config.GatewayConfig;
import dev.mcpgateway.events.GatewayEvents;
import dev.mcpgateway.jsonrpc.ErrorCodes;
import dev.mcpgateway.jsonrpc.JsonRpcError;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.jsonrpc.ProtocolVersions;
import dev.mcpgateway.security.Principal;
import dev.mcpgateway.security.UpstreamCredentials;
import dev.mcpgateway.session.GatewaySession;
import dev.mcpgateway.session.SessionStore;
import dev.mcpgateway.session.StoreUnavailableException;
import dev.mcpgateway.upstream.UpstreamClient;
import dev.mcpgateway.upstream.UpstreamOwner;
import dev.mcpgateway.upstream.UpstreamSession;
import io.vertx.core.Future;

/**
 * Opening sessions: a client's {@code initialize}, the shared sessions of 2026-07-28 clients, a
 * backend added by a reload, a session an upstream ended. Every upstream session the gateway opens
 * goes through {@link #openBackend}, so each carries the caller's credentials toward that backend
 * and the owner keys upstream clients keep sessions apart by.
 */
@Singleton
class SessionOpener {

    private static final Logger LOG = Logger.getLogger(SessionOpener.class);
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    /** Most capability paths that make up a pooled session's key; the rest cannot change routing. */
    private static final int MAX_CAPABILITY_PATHS = 64;

    private final SessionStore store;
    private final GatewayConfig config;
    private final RequestIds requestIds;
    private final UpstreamCredentials credentials;
    @Inject
    BackendGuards guards;
    @Inject
    GatewayEvents events;
    private final SecureRandom random = new SecureRandom();
    /** Sessions opened on this replica, by principal, for the per-principal limit. */
    private final Map<String, Set<String>> byPrincipal = new ConcurrentHashMap<>();

    @Inject
    SessionOpener(SessionStore store, GatewayConfig config, RequestIds requestIds, UpstreamCredentials credentials) {
        this.store = store;
        this.config = config;
        this.requestIds = requestIds;
        this.credentials = credentials;
    }

    /** A new session and the response to its {@code initialize}. */
    Future<McpRouter.Initialized> initialize(Route route, JsonRpcRequest request, Principal principal) {
        ObjectNode params = request.params() == null ? JSON.objectNode() : request.params();
        String negotiated = ProtocolVersions.negotiate(params.path("protocolVersion").asText(null));
        JsonNode clientCaps = params.get("capabilities");
        JsonNode clientInfo = params.get("clientInfo");
        // Offer upstreams exactly what the client can do: no sampling if the client cannot sample.
        ObjectNode upstreamParams = initializeParams(negotiated,
                clientCaps != null && clientCaps.isObject() ? clientCaps : JSON.objectNode());
        if (clientInfo != null && clientInfo.hasNonNull("name")) {
            ((ObjectNode) upstreamParams.get("clientInfo")).put("title",
                    config.serverName() + " for " + clientInfo.get("name").asText());
        }
        String sessionId = newSessionId();
        return admit(principal, sessionId).compose(admitted -> {
            if (!admitted) {
                return Future.succeededFuture(new McpRouter.Initialized(null, JsonRpcResponse.error(request.id(),
                        new JsonRpcError(ErrorCodes.INVALID_REQUEST, "Too many sessions: this principal already holds "
                                + config.limits().maxSessionsPerPrincipal()
                                + " open sessions (mcp-gateway.limits.max-sessions-per-principal); end one with DELETE first"))));
            }
            return open(route, request, principal, sessionId, negotiated, clientCaps, clientInfo, upstreamParams);
        });
    }

    private Future<McpRouter.Initialized> open(Route route, JsonRpcRequest request, Principal principal, String sessionId,
            String negotiated, JsonNode clientCaps, JsonNode clientInfo, ObjectNode upstreamParams) {
        return openUpstreams(route, upstreamParams, principal, owner(sessionId, principal))
                .compose(opened -> {
                    Map<String, UpstreamSession> upstreams = opened.upstreams();
                    JsonRpcError required = guards.failClosed(route, upstreams.keySet(), opened.failures());
                    if (required != null) {
                        release(principal, sessionId);
                        upstreams.forEach((b, u) -> route.client(b).close(u));
                        return Future.succeededFuture(
                                new McpRouter.Initialized(null, JsonRpcResponse.error(request.id(), required)));
                    }
                    if (upstreams.isEmpty()) {
                        release(principal, sessionId);
                        String msg = route.clients().isEmpty() ? "No backends are configured for " + route.path()
                                : "No backend could be initialized: " + String.join("; ", opened.failures());
                        return Future.succeededFuture(new McpRouter.Initialized(null,
                                JsonRpcResponse.error(request.id(), new JsonRpcError(ErrorCodes.UPSTREAM_UNAVAILABLE, msg))));
                    }
                    route.announced(upstreams.values());
                    GatewaySession session = new GatewaySession(sessionId, route.name(), principal.name(), negotiated,
                            clientCaps, clientInfo, upstreams, null, System.currentTimeMillis());
                    ObjectNode result = JSON.objectNode();
                    result.put("protocolVersion", negotiated);
                    ObjectNode caps = Capabilities.merge(upstreams.values());
                    TaskShapes.announce(caps, upstreams.values(), false);
                    result.set("capabilities", caps);
                    ObjectNode serverInfo = result.putObject("serverInfo");
                    serverInfo.put("name", config.serverName());
                    serverInfo.put("version", McpRouter.GATEWAY_VERSION);
                    return store.put(session)
                            .recover(t -> Future.failedFuture(new StoreUnavailableException(t)))
                            .map(v -> new McpRouter.Initialized(session, JsonRpcResponse.result(request.id(), result)));
                });
    }

    /**
     * Counts a new session against its principal's limit ({@code mcp-gateway.limits.max-sessions-per-principal},
     * per replica). At the limit, sessions that ended meanwhile are forgotten first. False when the
     * principal is at its limit.
     */
    private Future<Boolean> admit(Principal principal, String sessionId) {
        int max = config.limits().maxSessionsPerPrincipal();
        if (max <= 0 || principal.anonymous()) {
            return Future.succeededFuture(true);
        }
        Set<String> mine = byPrincipal.computeIfAbsent(principal.name(), k -> ConcurrentHashMap.newKeySet());
        synchronized (mine) {
            if (mine.size() < max) {
                mine.add(sessionId);
                return Future.succeededFuture(true);
            }
        }
        List<String> known = List.copyOf(mine);
        List<Future<Boolean>> live = new ArrayList<>(known.size());
        known.forEach(id -> live.add(store.exists(id)));
        return Future.join(live).transform(ignored -> {
            for (int i = 0; i < known.size(); i++) {
                if (live.get(i).succeeded() && !live.get(i).result()) {
                    mine.remove(known.get(i));
                }
            }
            synchronized (mine) {
                if (mine.size() < max) {
                    mine.add(sessionId);
                    return Future.succeededFuture(true);
                }
            }
            LOG.warnf("Refused a new session: a principal holds %d (mcp-gateway.limits.max-sessions-per-principal)", max);
            return Future.succeededFuture(false);
        });
    }

    /** Forgets a session of a principal (ended, expired, or never stored). */
    void release(Principal principal, String sessionId) {
        release(principal.name(), sessionId);
    }

    void release(String principal, String sessionId) {
        if (principal == null || principal.isEmpty()) {
            return;
        }
        byPrincipal.computeIfPresent(principal, (k, ids) -> {
            ids.remove(sessionId);
            return ids.isEmpty() ? null : ids;
        });
    }

    /**
     * The session 2026-07-28 clients share on a route, in the store so any replica uses the same
     * upstream sessions. Clients share one only when they are the same principal (or both anonymous)
     * and declare the same capabilities, so a backend never asks a client for what it cannot do,
     * and a client sees only the tools its capabilities unlock. Its id is derived, so no client
     * ever names it.
     */
    Future<GatewaySession> pooledSession(Route route, Principal principal, JsonNode clientCapabilities) {
        JsonNode caps = clientCapabilities instanceof ObjectNode o ? o : JSON.objectNode();
        String id = "pool." + requestIds.derive(route.name() + "\0" + principal.name() + "\0" + capabilityKey(caps));
        return store.get(id).compose(found -> {
            if (found != null) {
                return Future.succeededFuture(found);
            }
            return openUpstreams(route, initializeParams(ProtocolVersions.LATEST, caps), principal, owner(id, principal))
                    .compose(opened -> {
                        Map<String, UpstreamSession> upstreams = opened.upstreams();
                        JsonRpcError required = guards.failClosed(route, upstreams.keySet(), opened.failures());
                        if (required != null) {
                            upstreams.forEach((b, u) -> route.client(b).close(u));
                            return Future.failedFuture(required.exception());
                        }
                        if (upstreams.isEmpty()) {
                            return Future.failedFuture(new JsonRpcException(ErrorCodes.UPSTREAM_UNAVAILABLE,
                                    route.clients().isEmpty() ? "No backends are configured for " + route.path()
                                            : "No backend could be reached"));
                        }
                        route.announced(upstreams.values());
                        GatewaySession session = new GatewaySession(id, route.name(), principal.name(),
                                ProtocolVersions.V2026_07_28, caps, null, upstreams, null, System.currentTimeMillis());
                        return store.putIfAbsent(session)
                                .recover(t -> Future.failedFuture(new StoreUnavailableException(t)))
                                .map(existing -> {
                                    if (existing == null) {
                                        events.sessionOpened(session, principal);
                                        return session;
                                    }
                                    // Another request opened it first: keep theirs, close ours.
                                    closeUpstreams(route, session);
                                    return existing;
                                });
                    });
        });
    }

    /**
     * The capabilities that decide what upstreams may ask of a client, as a canonical string: the
     * sorted paths of nested keys, two levels deep, at most {@link #MAX_CAPABILITY_PATHS}.
     */
    static String capabilityKey(JsonNode caps) {
        Set<String> paths = new TreeSet<>();
        caps.properties().forEach(top -> {
            paths.add(top.getKey());
            top.getValue().properties().forEach(sub -> paths.add(top.getKey() + "." + sub.getKey()
                    + (sub.getValue().isBoolean() ? "=" + sub.getValue().asBoolean() : "")));
        });
        return String.join(",", paths.stream().limit(MAX_CAPABILITY_PATHS).toList());
    }

    /** The backends a new session could open, and why the others could not. */
    record Opened(Map<String, UpstreamSession> upstreams, List<String> failures) {
    }

    /** Opens every backend of the route; the ones that fail are left out (and logged). */
    Future<Opened> openUpstreams(Route route, ObjectNode initializeParams, Principal principal, UpstreamOwner owner) {
        List<UpstreamClient> clients = new ArrayList<>(route.clients());
        List<Future<UpstreamSession>> opening = new ArrayList<>(clients.size());
        for (UpstreamClient c : clients) {
            opening.add(guards.guarded(route, c.name(), () -> openBackend(route, c, initializeParams, principal, owner)));
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
     * Opens one backend for one owner. Every upstream session the gateway opens goes through here,
     * so each gets the caller's credentials toward that backend and routes by its owner.
     */
    Future<UpstreamSession> openBackend(Route route, UpstreamClient client, ObjectNode initializeParams, Principal principal,
            UpstreamOwner owner) {
        ObjectNode params = initializeParams.deepCopy();
        return credentials.headers(route.config(), client.config(), principal).compose(h -> client.open(params, h, owner));
    }

    /** The keys a session's upstreams are kept apart by; the principal's is a keyed digest, never its name. */
    UpstreamOwner owner(String sessionId, Principal principal) {
        return new UpstreamOwner(requestIds.derive("session\0" + sessionId),
                principal.anonymous() ? null : requestIds.derive("principal\0" + principal.name()));
    }

    /**
     * The session with an upstream session for every backend the route has now: a backend added
     * by a configuration reload is opened on first listing (and remembered); one that fails to
     * open stays out until the next listing.
     */
    Future<GatewaySession> withCurrentBackends(Route route, GatewaySession session, Principal principal) {
        List<UpstreamClient> missing = new ArrayList<>();
        for (UpstreamClient c : route.clients()) {
            if (session.upstream(c.name()) == null) {
                missing.add(c);
            }
        }
        if (missing.isEmpty()) {
            return Future.succeededFuture(session);
        }
        ObjectNode params = initializeParams(upstreamVersion(session), session.clientCapabilities());
        List<Future<UpstreamSession>> opening = new ArrayList<>();
        for (UpstreamClient c : missing) {
            opening.add(guards.guarded(route, c.name(),
                    () -> openBackend(route, c, params, principal, owner(session.id(), principal))));
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
            return store.replace(grown).map(v -> grown).otherwise(grown);
        });
    }

    /** Opens a new upstream session for one backend of a session whose upstream ended it, and records it. */
    Future<UpstreamSession> reopen(Route route, GatewaySession session, UpstreamClient client, Principal principal) {
        return openBackend(route, client, initializeParams(upstreamVersion(session), session.clientCapabilities()), principal,
                owner(session.id(), principal)).compose(fresh -> {
                    Map<String, UpstreamSession> upstreams = new LinkedHashMap<>(session.upstreams());
                    upstreams.put(client.name(), fresh);
                    return store.replace(session.withUpstreams(upstreams)).map(v -> fresh);
                });
    }

    /** Ends a session's upstream sessions on the route it belongs to (best effort). */
    void closeUpstreams(Route route, GatewaySession session) {
        for (UpstreamSession u : session.upstreamList()) {
            UpstreamClient c = route.client(u.backend());
            if (c != null) {
                c.close(u);
            }
        }
    }

    /** What the gateway sends upstream in {@code initialize}, as itself. */
    ObjectNode initializeParams(String version, JsonNode capabilities) {
        ObjectNode params = JSON.objectNode();
        params.put("protocolVersion", version);
        params.set("capabilities", capabilities == null ? JSON.objectNode() : capabilities.deepCopy());
        params.putObject("clientInfo").put("name", config.serverName()).put("version", McpRouter.GATEWAY_VERSION);
        return params;
    }

    /** The revision to offer upstreams for a session: a 2026-07-28 client's pool offers the latest with sessions. */
    static String upstreamVersion(GatewaySession session) {
        return ProtocolVersions.isModern(session.protocolVersion()) ? ProtocolVersions.LATEST : session.protocolVersion();
    }

    private String newSessionId() {
        byte[] bytes = new byte[24];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
