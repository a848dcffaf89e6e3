package dev.mcpgateway.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;

import dev.mcpgateway.config.RouteDocuments.Doc;

/**
 * Reads Envoy AI Gateway's {@code MCPRoute} format: a multi-document YAML file with one or more
 * {@code MCPRoute}s ({@code aigateway.envoyproxy.io/v1alpha1} or {@code v1beta1}), the
 * {@code Backend}s ({@code gateway.envoyproxy.io/v1alpha1}) and {@code BackendTLSPolicy}s they
 * use, and the {@code Secret}s and {@code ConfigMap}s that references name. Documents of other kinds
 * (Gateway, GatewayClass, EnvoyProxy, ...) are ignored, so a file written for {@code aigw run}
 * works as it is. Every string value that is used goes through {@code ${VAR}} substitution.
 * Errors name the file, the document, the field path and what was expected.
 */
public final class McpRouteParser {

    private final RouteDocuments docs;
    private final RouteBackends backends;
    private final RouteSecurityPolicy security;

    private McpRouteParser(String file, Function<String, String> env) {
        this.docs = new RouteDocuments(file, env);
        this.backends = new RouteBackends(docs);
        this.security = new RouteSecurityPolicy(docs);
    }

    public static GatewayModel parse(Path path) throws ConfigException {
        return parse(path, System::getenv);
    }

    public static GatewayModel parse(Path path, Function<String, String> env) throws ConfigException {
        return parse(path.toString(), ConfigFiles.read(path), env);
    }

    public static GatewayModel parse(String fileName, String text, Function<String, String> env) throws ConfigException {
        McpRouteParser parser = new McpRouteParser(fileName, env);
        parser.docs.read(text);
        return parser.model();
    }

    /** One MCPRoute object from the Kubernetes API: the route built from it, or why it could not be built. */
    public record ObjectRoute(RouteConfig route, ConfigException error, List<String> unresolved) {
    }

    /**
     * Builds one MCPRoute object from the Kubernetes API on its own, with the objects its references
     * may name (Backends, BackendTLSPolicies, Secrets, ConfigMaps). Nothing comes from the gateway's
     * environment or files: {@code ${VAR}} finds no variable and a secretRef only a Secret object, so
     * whoever may write MCPRoutes cannot read the gateway's own settings through one. Errors read as
     * for a file, with the object ({@code MCPRoute namespace/name}) in place of the file and document.
     */
    public static ObjectRoute fromObjects(JsonNode route, List<JsonNode> objects) {
        McpRouteParser parser = new McpRouteParser("", name -> null);
        try {
            Doc doc = parser.docs.add(route);
            if (!"MCPRoute".equals(doc.kind())) {
                throw new ConfigException(doc.label() + ": not an MCPRoute");
            }
            for (JsonNode object : objects) {
                parser.docs.add(object);
            }
            return new ObjectRoute(parser.route(doc), null, parser.docs.unresolved());
        } catch (ConfigException e) {
            return new ObjectRoute(null, e, parser.docs.unresolved());
        }
    }

    /** The environment variable a Secret's value may come from: its name in upper case, {@code _} for the rest. */
    static String envName(String name) {
        return RouteDocuments.envName(name);
    }

    private GatewayModel model() throws ConfigException {
        List<RouteConfig> routes = new ArrayList<>();
        Map<String, Doc> byPath = new HashMap<>();
        for (Doc doc : docs.all()) {
            if (!"MCPRoute".equals(doc.kind())) {
                continue;
            }
            RouteConfig route = route(doc);
            Doc previous = byPath.putIfAbsent(route.path(), doc);
            if (previous != null) {
                throw docs.root(doc).field("spec").field("path").error("\"" + route.path() + "\" is already served by "
                        + previous.label() + "; give each MCPRoute its own path");
            }
            routes.add(route);
        }
        if (routes.isEmpty()) {
            throw new ConfigException(docs.file() + ": no MCPRoute document (kind: MCPRoute, apiVersion: "
                    + String.join(" or ", RouteDocuments.sorted(RouteDocuments.ROUTE_VERSIONS)) + ")");
        }
        return new GatewayModel(docs.file(), List.copyOf(routes));
    }

    private RouteConfig route(Doc doc) throws ConfigException {
        Node spec = docs.root(doc).field("spec");
        spec.requireObject();
        spec.allowOnly("parentRefs", "path", "headers", "hostnames", "backendRefs", "securityPolicy", "backendSelector",
                "prefixMode", "toolDiscovery", "rateLimits");
        for (String unsupported : List.of("headers", "hostnames", "backendSelector")) {
            Node f = spec.field(unsupported);
            if (f.present() && !(f.node().isArray() && f.node().isEmpty())) {
                throw f.error("not supported by this gateway (routes are selected by path only); remove it");
            }
        }
        for (Node ref : spec.field("parentRefs").list()) {
            ref.requireObject();
            Node kind = ref.field("kind");
            if (kind.present() && !"Gateway".equals(kind.string())) {
                throw kind.error("expected Gateway, got \"" + kind.string() + "\"");
            }
        }
        String path = spec.field("path").optString("/mcp");
        if (!path.startsWith("/")) {
            throw spec.field("path").error("expected a path starting with /, got \"" + path + "\"");
        }
        PrefixMode prefix = spec.field("prefixMode").oneOf(BackendRules.PREFIX_MODES, PrefixMode.ALWAYS);
        Node refs = spec.field("backendRefs");
        if (!refs.present() || !refs.node().isArray() || refs.node().isEmpty()) {
            throw refs.error("expected a non-empty list of backends");
        }
        List<BackendConfig> list = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        Map<String, RouteSecurity.UpstreamAuth> upstreams = new LinkedHashMap<>();
        for (Node ref : refs.list()) {
            ref.requireObject();
            ref.allowOnly("name", "namespace", "kind", "group", "port", "path", "toolSelector", "securityPolicy",
                    "forwardHeaders", "toolOverrides", "circuitBreaker", "maxConcurrent", "failureMode",
                    "hideToolsWhenOpen", "openapi", "cache");
            String name = ref.field("name").string();
            BackendRules.checkName(ref.field("name"), name);
            BackendRules.checkDistinct(ref.field("name"), name, names);
            names.add(name);
            list.add(backends.backendRef(ref, doc, name));
            RouteSecurity.UpstreamAuth client = backends.oauthClient(ref, doc);
            if (client != null) {
                upstreams.put(name, client);
            }
        }
        RouteSecurity routeSecurity = security.read(spec.field("securityPolicy"), names, doc).withUpstreams(upstreams);
        if (routeSecurity.hasUserOAuth() && !routeSecurity.authenticates()) {
            throw spec.field("securityPolicy").error("a backendRef with securityPolicy.oauthClient needs callers who"
                    + " authenticate: add oauth or apiKeyAuth (grants are kept per caller)");
        }
        RouteConfig route = new RouteConfig(doc.name(), path, prefix, List.copyOf(list), routeSecurity)
                .withToolDiscovery(ToolDiscoveries.parse(spec.field("toolDiscovery")))
                .withRateLimits(RateLimits.parse(spec.field("rateLimits"), names));
        List<String> order = List.copyOf(names);
        ToolOverrideRules.checkAcrossBackends(route.backends(), route.prefixed(),
                (backend, tool) -> refs.index(order.indexOf(backend)).field("toolOverrides").field(tool));
        return route;
    }
}
