package dev.mcpgateway.federation;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.McpMethods;
import dev.mcpgateway.jsonrpc.ProtocolVersions;
import dev.mcpgateway.security.Caller;
import dev.mcpgateway.security.Principal;
import dev.mcpgateway.session.GatewaySession;
import dev.mcpgateway.upstream.UpstreamClient;
import dev.mcpgateway.upstream.UpstreamSession;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;

/**
 * What a route offers a given principal, for the operator console: opens an upstream session on
 * every backend as that principal, reads the tools through the same path as a client's
 * {@code tools/list} (filters, overrides, authorization rules), and closes them again. The session
 * is never stored, so it is neither listed, counted against the principal, nor metered as a
 * client request (the upstream requests are metered as such).
 */
@Singleton
public class Inspection {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    /** Most pages of tools read from one listing. */
    private static final int MAX_PAGES = 50;

    /**
     * What a probe found.
     *
     * @param upstreams the backends that initialized: revision and capabilities found
     * @param failures why the others did not, by backend
     * @param tools the merged tools the principal sees, in the names clients see (empty unless asked)
     */
    public record Probe(Map<String, UpstreamSession> upstreams, Map<String, String> failures, List<ObjectNode> tools) {
    }

    private final SessionOpener opener;
    private final Catalog catalog;
    private final BackendGuards guards;
    private final SecureRandom random = new SecureRandom();

    @Inject
    Inspection(SessionOpener opener, Catalog catalog, BackendGuards guards) {
        this.opener = opener;
        this.catalog = catalog;
        this.guards = guards;
    }

    /**
     * The circuit state on this replica of every backend with a circuit breaker or concurrency
     * bound, as {@code route-name/backend} to {@code closed}, {@code open} or {@code half-open}.
     */
    public Map<String, String> circuits() {
        return guards.states();
    }

    /** Opens every backend of the route as {@code principal}; with {@code tools}, lists them all. */
    public Future<Probe> probe(Route route, Principal principal, boolean tools) {
        byte[] bytes = new byte[18];
        random.nextBytes(bytes);
        String id = "console." + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        ObjectNode params = opener.initializeParams(ProtocolVersions.LATEST, JSON.objectNode());
        List<UpstreamClient> clients = new ArrayList<>(route.clients());
        return opener.openUpstreams(route, params, principal, opener.owner(id, principal)).compose(opened -> {
            Map<String, String> failures = new LinkedHashMap<>();
            int f = 0;
            for (UpstreamClient c : clients) {
                if (!opened.upstreams().containsKey(c.name())) {
                    failures.put(c.name(), f < opened.failures().size() ? opened.failures().get(f++) : "not initialized");
                }
            }
            GatewaySession session = new GatewaySession(id, route.name(), principal.name(), ProtocolVersions.LATEST,
                    JSON.objectNode(), JSON.objectNode().put("name", "console"), opened.upstreams(), null,
                    System.currentTimeMillis());
            Future<List<ObjectNode>> listed = !tools || opened.upstreams().isEmpty()
                    ? Future.succeededFuture(List.of())
                    : listTools(route, session, new Caller(principal, MultiMap.caseInsensitiveMultiMap()), null,
                            new ArrayList<>(), 0);
            return listed.onComplete(ar -> opener.closeUpstreams(route, session))
                    .map(list -> new Probe(opened.upstreams(), failures, list));
        });
    }

    private Future<List<ObjectNode>> listTools(Route route, GatewaySession session, Caller caller, String cursor,
            List<ObjectNode> into, int page) {
        ObjectNode params = JSON.objectNode();
        if (cursor != null) {
            params.put("cursor", cursor);
        }
        JsonRpcRequest request = new JsonRpcRequest(JSON.textNode("console-" + page), McpMethods.TOOLS_LIST, params);
        return catalog.list(route, session, caller, request, Catalog.Kind.TOOLS).compose(r -> {
            if (r.isError()) {
                return Future.failedFuture(new IllegalStateException(r.error().path("message").asText("tools/list failed")));
            }
            for (JsonNode t : r.result().path("tools")) {
                if (t instanceof ObjectNode o) {
                    into.add(o);
                }
            }
            String next = r.result().path("nextCursor").asText(null);
            return next == null || page + 1 >= MAX_PAGES ? Future.succeededFuture(into)
                    : listTools(route, session, caller, next, into, page + 1);
        });
    }
}
