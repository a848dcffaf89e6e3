package dev.mcpgateway.config.kubernetes;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import dev.mcpgateway.config.McpRouteParser;
import dev.mcpgateway.config.RouteConfig;

/**
 * Turns the MCPRoute objects of the watched namespaces, with the objects their references name, into
 * the routes to serve and a verdict per route (what its status says). Each route is built on its own,
 * so one bad route leaves the others alone; a route that stops validating keeps its last good
 * configuration in force. Not thread-safe: one watcher calls it from one thread.
 */
final class RouteObjects {

    private static final String GATEWAY_GROUP = "gateway.networking.k8s.io";

    /** What the status of one served-or-refused route says. */
    record Verdict(String namespace, String name, long generation, boolean accepted, String acceptedReason,
            String acceptedMessage, boolean resolved, String resolvedReason, String resolvedMessage) {

        String key() {
            return namespace + "/" + name;
        }
    }

    /** The outcome of one build: routes to install, a verdict for each route naming the gateway. */
    record Build(List<RouteConfig> served, List<Verdict> verdicts) {
    }

    private record Good(RouteConfig config, long generation) {
    }

    private final String gatewayName;
    private final Optional<String> gatewayNamespace;
    /** Per route (namespace/name), the last configuration that validated. */
    private final Map<String, Good> lastGood = new HashMap<>();

    RouteObjects(String gatewayName, Optional<String> gatewayNamespace) {
        this.gatewayName = gatewayName;
        this.gatewayNamespace = gatewayNamespace;
    }

    /**
     * @param routes every MCPRoute object seen, in any order
     * @param objects per namespace, the Backends, BackendTLSPolicies, Secrets and ConfigMaps there
     */
    Build build(List<JsonNode> routes, Map<String, List<JsonNode>> objects) {
        List<JsonNode> ours = new ArrayList<>();
        for (JsonNode r : routes) {
            if (namesGateway(r)) {
                ours.add(r);
            }
        }
        // The oldest route keeps a contested path or name, as Gateway API conflict resolution does.
        ours.sort(Comparator.comparing((JsonNode r) -> text(r.path("metadata").path("creationTimestamp")))
                .thenComparing(r -> namespace(r) + "/" + name(r)));
        Map<String, String> pathOwner = new HashMap<>();
        Map<String, String> nameOwner = new HashMap<>();
        List<RouteConfig> served = new ArrayList<>();
        List<Verdict> verdicts = new ArrayList<>();
        Map<String, Good> stillGood = new LinkedHashMap<>();
        for (JsonNode r : ours) {
            String ns = namespace(r);
            String name = name(r);
            String key = ns + "/" + name;
            String label = "MCPRoute " + key;
            long generation = r.path("metadata").path("generation").asLong(0);
            McpRouteParser.ObjectRoute built = localDocument(r, label);
            if (built == null) {
                built = McpRouteParser.fromObjects(r, objects.getOrDefault(ns, List.of()));
            }
            String error = built.error() == null ? null : built.error().getMessage();
            String reason = built.unresolved().isEmpty() ? "Invalid" : "UnresolvedRefs";
            if (built.route() != null) {
                String conflict = conflict(built.route(), label, pathOwner, nameOwner);
                if (conflict != null) {
                    error = conflict;
                    reason = conflict.contains("spec.path") ? "PathConflict" : "NameConflict";
                }
            }
            boolean resolved = built.unresolved().isEmpty();
            String resolvedReason = resolved ? "ResolvedRefs"
                    : built.unresolved().stream().anyMatch(u -> u.startsWith("Backend "))
                            ? "BackendNotFound"
                            : "RefNotFound";
            String resolvedMessage = resolved ? "Every reference resolved"
                    : "Not found: " + String.join(", ", built.unresolved()) + ". " + error;
            if (error == null) {
                RouteConfig config = built.route();
                claim(config, key, pathOwner, nameOwner);
                served.add(config);
                stillGood.put(key, new Good(config, generation));
                verdicts.add(new Verdict(ns, name, generation, true, "Accepted",
                        "Served at " + config.path() + " with " + config.backends().size() + " backend(s)", resolved,
                        resolvedReason, resolvedMessage));
                continue;
            }
            Good good = lastGood.get(key);
            String message = error;
            if (good != null && conflict(good.config(), label, pathOwner, nameOwner) == null) {
                claim(good.config(), key, pathOwner, nameOwner);
                served.add(good.config());
                stillGood.put(key, good);
                message += " (generation " + good.generation() + " stays in force)";
            }
            verdicts.add(new Verdict(ns, name, generation, false, reason, message, resolved, resolvedReason,
                    resolvedMessage));
        }
        // Deleted routes, and routes that no longer name this gateway, are forgotten.
        lastGood.clear();
        lastGood.putAll(stillGood);
        return new Build(List.copyOf(served), List.copyOf(verdicts));
    }

    /** Whether one of the route's parentRefs is this gateway's Gateway. */
    boolean namesGateway(JsonNode route) {
        for (JsonNode ref : route.path("spec").path("parentRefs")) {
            String kind = ref.path("kind").asText("Gateway");
            String group = ref.path("group").asText(GATEWAY_GROUP);
            String ns = ref.path("namespace").asText(namespace(route));
            if ("Gateway".equals(kind) && GATEWAY_GROUP.equals(group) && gatewayName.equals(ref.path("name").asText())
                    && gatewayNamespace.map(ns::equals).orElse(true)) {
                return true;
            }
        }
        return false;
    }

    private static String conflict(RouteConfig config, String label, Map<String, String> pathOwner,
            Map<String, String> nameOwner) {
        String pathHolder = pathOwner.get(config.path());
        if (pathHolder != null) {
            return label + ": spec.path: \"" + config.path() + "\" is already served by MCPRoute " + pathHolder
                    + "; give each MCPRoute its own path";
        }
        String nameHolder = nameOwner.get(config.name());
        if (nameHolder != null) {
            return label + ": metadata.name: \"" + config.name() + "\" is already served by MCPRoute " + nameHolder
                    + "; routes in different namespaces need different names";
        }
        return null;
    }

    private static void claim(RouteConfig config, String key, Map<String, String> pathOwner, Map<String, String> nameOwner) {
        pathOwner.put(config.path(), key);
        nameOwner.put(config.name(), key);
    }

    /**
     * A route from the API may not name a file on the gateway: an OpenAPI document must be a URL. (A
     * relative path would be read from the gateway's working folder.)
     */
    private static McpRouteParser.ObjectRoute localDocument(JsonNode route, String label) {
        JsonNode refs = route.path("spec").path("backendRefs");
        for (int i = 0; i < refs.size(); i++) {
            JsonNode document = refs.get(i).path("openapi").path("document");
            if (document.isTextual() && !document.asText().startsWith("http://")
                    && !document.asText().startsWith("https://")) {
                return new McpRouteParser.ObjectRoute(null, new dev.mcpgateway.config.ConfigException(label
                        + ": spec.backendRefs[" + i + "].openapi.document: expected an http(s):// URL (a route from the "
                        + "Kubernetes API cannot read the gateway's files), got \"" + document.asText() + "\""), List.of());
            }
        }
        return null;
    }

    static String namespace(JsonNode object) {
        return text(object.path("metadata").path("namespace"));
    }

    static String name(JsonNode object) {
        return text(object.path("metadata").path("name"));
    }

    private static String text(JsonNode node) {
        return node.isTextual() ? node.asText() : "";
    }
}
