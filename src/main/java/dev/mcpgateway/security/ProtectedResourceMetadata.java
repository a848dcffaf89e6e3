package dev.mcpgateway.security;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.config.GatewayConfig;
import dev.mcpgateway.config.OAuthConfig;
import dev.mcpgateway.config.RouteConfig;
import dev.mcpgateway.config.RouteSource;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The discovery documents of the gateway as an OAuth protected resource: RFC 9728 Protected
 * Resource Metadata at {@code /.well-known/oauth-protected-resource} followed by each OAuth route's
 * path (and, bare, for the default route), and, for clients of the 2025-03-26 authorization scheme,
 * the authorization server's own metadata at {@code /.well-known/oauth-authorization-server} and
 * {@code /.well-known/openid-configuration}. Also answers CORS for these documents and the MCP
 * endpoints.
 */
@ApplicationScoped
public class ProtectedResourceMetadata {

    private static final Logger LOG = Logger.getLogger(ProtectedResourceMetadata.class);
    static final String PRM = "/.well-known/oauth-protected-resource";
    static final String AS_METADATA = "/.well-known/oauth-authorization-server";
    static final String OIDC_METADATA = "/.well-known/openid-configuration";

    private final RouteSource routes;
    private final AuthorizationServers servers;
    private final Cors cors;

    @Inject
    public ProtectedResourceMetadata(RouteSource routes, AuthorizationServers servers, GatewayConfig config) {
        this.routes = routes;
        this.servers = servers;
        this.cors = new Cors(config.auth().corsOrigins().orElse(config.allowedOrigins()));
    }

    void install(@Observes Router http) {
        // The bare documents always exist (404 while no route uses OAuth), so a reload that turns
        // OAuth on needs no new Vert.x routes for them.
        for (String path : List.of(PRM, AS_METADATA, OIDC_METADATA)) {
            register(http, path, true);
        }
        routes.routeConfigs().forEach(r -> register(http, r));
        // Routes added by a configuration reload get their documents at once.
        routes.onRoutesChanged(changed -> changed.forEach(r -> register(http, r)));
    }

    private final Set<String> registered = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private void register(Router http, RouteConfig route) {
        register(http, route.path(), false);
        for (String prefix : List.of(PRM, AS_METADATA, OIDC_METADATA)) {
            register(http, prefix + route.path(), true);
        }
        OAuthConfig oauth = route.security().oauth();
        String resourcePath = oauth == null ? null : resourcePath(oauth);
        if (resourcePath != null && !resourcePath.isEmpty() && !"/".equals(resourcePath)) {
            register(http, PRM + resourcePath, true);
        }
    }

    /** CORS on a path, and the documents' handler when it is a well-known path; each path once. */
    private void register(Router http, String path, boolean document) {
        if (!registered.add(path)) {
            return;
        }
        http.route(path).order(-20).handler(cors::handle);
        if (document) {
            http.route(HttpMethod.GET, path).handler(this::serve);
        }
        LOG.debugf("Serving %s at %s", document ? "OAuth metadata" : "CORS", path);
    }

    private void serve(RoutingContext ctx) {
        String path = ctx.request().path();
        if (path.startsWith(PRM)) {
            RouteConfig route = routeFor(path.substring(PRM.length()));
            if (route == null) {
                ctx.response().setStatusCode(404).end();
                return;
            }
            json(ctx, document(route, ctx.request()).toString());
            return;
        }
        String prefix = path.startsWith(AS_METADATA) ? AS_METADATA : OIDC_METADATA;
        RouteConfig route = routeFor(path.substring(prefix.length()));
        if (route == null) {
            ctx.response().setStatusCode(404).end();
            return;
        }
        String issuer = route.security().oauth().issuer();
        // An older (2025-03-26) client looks for the authorization server at the MCP server's
        // origin; it gets the real server's metadata, whose endpoints all point at that server.
        servers.metadata(issuer).onComplete(ar -> {
            if (ar.succeeded()) {
                json(ctx, ar.result().toString());
            } else {
                ctx.response().setStatusCode(502).putHeader("Content-Type", "application/json")
                        .end("{\"error\":\"temporarily_unavailable\",\"error_description\":\"authorization server metadata unavailable\"}");
            }
        });
    }

    private static void json(RoutingContext ctx, String body) {
        ctx.response().putHeader("Content-Type", "application/json").putHeader("Cache-Control", "max-age=300").end(body);
    }

    /** The route a well-known suffix names: by its path or its resource's path; bare means the default route. */
    private RouteConfig routeFor(String suffix) {
        List<RouteConfig> withOAuth = new ArrayList<>();
        for (RouteConfig r : routes.routeConfigs()) {
            OAuthConfig oauth = r.security().oauth();
            if (oauth == null) {
                continue;
            }
            withOAuth.add(r);
            if (!suffix.isEmpty() && (suffix.equals(r.path()) || suffix.equals(resourcePath(oauth)))) {
                return r;
            }
        }
        if (!suffix.isEmpty() || withOAuth.isEmpty()) {
            return null;
        }
        return withOAuth.stream().filter(r -> "/mcp".equals(r.path())).findFirst().orElse(withOAuth.get(0));
    }

    /** The RFC 9728 document of a route. */
    static ObjectNode document(RouteConfig route, HttpServerRequest request) {
        OAuthConfig oauth = route.security().oauth();
        OAuthConfig.ProtectedResourceMetadata m = oauth.resourceMetadata();
        ObjectNode doc = JsonNodeFactory.instance.objectNode();
        doc.put("resource", resource(route, request));
        doc.putArray("authorization_servers").add(oauth.issuer());
        if (m != null && m.scopesSupported() != null && !m.scopesSupported().isEmpty()) {
            ArrayNode scopes = doc.putArray("scopes_supported");
            m.scopesSupported().forEach(scopes::add);
        }
        doc.putArray("bearer_methods_supported").add("header");
        if (m != null) {
            if (m.resourceName() != null) {
                doc.put("resource_name", m.resourceName());
            }
            if (m.resourceDocumentation() != null) {
                doc.put("resource_documentation", m.resourceDocumentation());
            }
            if (m.resourcePolicyUri() != null) {
                doc.put("resource_policy_uri", m.resourcePolicyUri());
            }
            if (m.resourceSigningAlgValuesSupported() != null && !m.resourceSigningAlgValuesSupported().isEmpty()) {
                ArrayNode algs = doc.putArray("resource_signing_alg_values_supported");
                m.resourceSigningAlgValuesSupported().forEach(algs::add);
            }
        }
        if (oauth.dpop() != null) {
            // RFC 9449 section 5.2.
            ArrayNode algs = doc.putArray("dpop_signing_alg_values_supported");
            oauth.dpop().algorithms().forEach(algs::add);
            doc.put("dpop_bound_access_tokens_required", oauth.dpop().required());
        }
        return doc;
    }

    /** The route's resource identifier: configured, else the URL the request was made to. */
    public static String resource(RouteConfig route, HttpServerRequest request) {
        OAuthConfig oauth = route.security().oauth();
        if (oauth != null && oauth.resourceMetadata() != null && oauth.resourceMetadata().resource() != null) {
            return oauth.resourceMetadata().resource();
        }
        String scheme = request.scheme() == null ? "http" : request.scheme();
        String host = request.authority() != null ? request.authority().toString() : request.getHeader("Host");
        return scheme + "://" + host + route.path();
    }

    /**
     * Where the route's metadata is: RFC 9728 section 3.1 inserts the well-known path between the
     * resource identifier's host and its path.
     */
    public static String metadataUrl(RouteConfig route, HttpServerRequest request) {
        if (route.security().oauth() == null) {
            return null;
        }
        URI u = URI.create(resource(route, request));
        String path = u.getRawPath() == null || "/".equals(u.getRawPath()) ? "" : u.getRawPath();
        return u.getScheme() + "://" + u.getRawAuthority() + PRM + path;
    }

    private static String resourcePath(OAuthConfig oauth) {
        if (oauth.resourceMetadata() == null || oauth.resourceMetadata().resource() == null) {
            return null;
        }
        try {
            return URI.create(oauth.resourceMetadata().resource()).getRawPath();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
