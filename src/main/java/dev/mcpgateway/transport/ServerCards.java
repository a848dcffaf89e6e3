package dev.mcpgateway.transport;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.config.ApiKeyAuthConfig;
import dev.mcpgateway.config.BackendConfig;
import dev.mcpgateway.config.GatewayConfig;
import dev.mcpgateway.config.OAuthConfig;
import dev.mcpgateway.config.RouteConfig;
import dev.mcpgateway.federation.McpRouter;
import dev.mcpgateway.federation.Route;
import dev.mcpgateway.federation.RouteTable;
import dev.mcpgateway.jsonrpc.ProtocolVersions;
import dev.mcpgateway.security.Principal;
import dev.mcpgateway.security.ProtectedResourceMetadata;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Pre-connection discovery documents of the MCP Server Card extension (SEP-2127; the
 * {@code experimental-ext-server-card} draft as of its commit 8924e08): a card per route at
 * {@code <route path>/server-card}, the default route's card at the earlier drafts'
 * {@code /.well-known/mcp/server-card.json}, and an AI catalog listing every card at
 * {@code /.well-known/ai-catalog.json}. Cards are built per request from the configuration in
 * force, so a reload shows at once; each carries an ETag.
 */
@ApplicationScoped
public class ServerCards {

    private static final Logger LOG = Logger.getLogger(ServerCards.class);
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    static final String SCHEMA = "https://static.modelcontextprotocol.io/schemas/v1/server-card.schema.json";
    static final String CARD_TYPE = "application/mcp-server-card+json";
    static final String CATALOG_TYPE = "application/ai-catalog+json";
    static final String WELL_KNOWN_CARD = "/.well-known/mcp/server-card.json";
    static final String CATALOG = "/.well-known/ai-catalog.json";
    static final String SUFFIX = "/server-card";
    /** The extension keys under {@code _meta} that carry what the card's schema has no field for. */
    static final String META_CAPABILITIES = "dev.mcpgateway/capabilities";
    static final String META_AUTHORIZATION = "dev.mcpgateway/authorization";
    private static final int MAX_DESCRIPTION = 100;

    private final RouteTable routes;
    private final McpRouter router;
    private final GatewayConfig config;
    private final Set<String> registered = ConcurrentHashMap.newKeySet();

    @Inject
    public ServerCards(RouteTable routes, McpRouter router, GatewayConfig config) {
        this.routes = routes;
        this.router = router;
        this.config = config;
    }

    void install(@Observes Router http) {
        if (!config.serverCard().enabled()) {
            return;
        }
        register(http, CATALOG);
        register(http, WELL_KNOWN_CARD);
        routes.routeConfigs().forEach(r -> register(http, r.path() + SUFFIX));
        // Routes added by a reload get their card at once; a removed route's card answers 404.
        routes.onRoutesChanged(changed -> changed.forEach(r -> register(http, r.path() + SUFFIX)));
    }

    private void register(Router http, String path) {
        if (registered.add(path)) {
            http.route(HttpMethod.GET, path).handler(this::serve);
            http.route(HttpMethod.OPTIONS, path).handler(ServerCards::preflight);
            LOG.debugf("Serving a server card document at %s", path);
        }
    }

    private void serve(RoutingContext ctx) {
        String path = ctx.request().path();
        if (CATALOG.equals(path)) {
            send(ctx, catalog(ctx.request()), CATALOG_TYPE);
            return;
        }
        Route route = WELL_KNOWN_CARD.equals(path) ? defaultRoute()
                : path.endsWith(SUFFIX) ? routes.route(path.substring(0, path.length() - SUFFIX.length())) : null;
        if (route == null) {
            ctx.response().setStatusCode(404).putHeader("Content-Type", "application/json")
                    .end("{\"error\":\"no MCP route here; see " + CATALOG + "\"}");
            return;
        }
        capabilities(route).onComplete(caps -> {
            ObjectNode card = card(route, ctx.request(), caps.succeeded() ? caps.result() : null);
            send(ctx, card, negotiated(ctx.request()));
        });
    }

    /** The route at {@code /mcp}, else the only route. */
    private Route defaultRoute() {
        Route mcp = routes.route("/mcp");
        if (mcp != null) {
            return mcp;
        }
        List<Route> all = routes.routes();
        return all.size() == 1 ? all.get(0) : null;
    }

    /**
     * What the route's backends offer together: as they last announced it on this replica, or, on
     * an open route where no session opened yet, from the shared anonymous session.
     */
    private Future<ObjectNode> capabilities(Route route) {
        ObjectNode seen = route.announcedCapabilities();
        if (seen != null || route.config().security().authenticates()) {
            return Future.succeededFuture(seen);
        }
        return router.pooledSession(route, Principal.ANONYMOUS, JSON.objectNode())
                .map(ignored -> route.announcedCapabilities());
    }

    ObjectNode card(Route route, HttpServerRequest request, ObjectNode capabilities) {
        RouteConfig rc = route.config();
        GatewayConfig.ServerCard settings = config.serverCard();
        ObjectNode card = JSON.objectNode();
        card.put("$schema", SCHEMA);
        card.put("name", namespace(request) + "/" + safeName(rc.name()));
        card.put("version", McpRouter.GATEWAY_VERSION);
        card.put("description", settings.description().orElseGet(() -> describe(rc)));
        OAuthConfig oauth = rc.security().oauth();
        String title = oauth != null && oauth.resourceMetadata() != null ? oauth.resourceMetadata().resourceName() : null;
        card.put("title", limit(title != null ? title : config.serverName() + " " + rc.path()));
        settings.websiteUrl().ifPresent(u -> card.put("websiteUrl", u));
        ObjectNode remote = card.putArray("remotes").addObject();
        remote.put("type", "streamable-http");
        // The route's configured resource identifier when it has one (its public URL), else the URL asked.
        remote.put("url", ProtectedResourceMetadata.resource(rc, request));
        ArrayNode headers = JSON.arrayNode();
        ObjectNode meta = JSON.objectNode();
        meta.set(META_AUTHORIZATION, authorization(rc, request, headers));
        if (!headers.isEmpty()) {
            remote.set("headers", headers);
        }
        ArrayNode versions = remote.putArray("supportedProtocolVersions");
        ProtocolVersions.ALL_NEWEST_FIRST.forEach(versions::add);
        if (capabilities != null) {
            meta.set(META_CAPABILITIES, capabilities);
        }
        card.set("_meta", meta);
        return card;
    }

    /** How a caller authenticates to the route, and the headers a client must send for it. */
    private static ObjectNode authorization(RouteConfig rc, HttpServerRequest request, ArrayNode headers) {
        ObjectNode auth = JSON.objectNode();
        OAuthConfig oauth = rc.security().oauth();
        ApiKeyAuthConfig keys = rc.security().apiKeyAuth();
        auth.put("required", rc.security().authenticates());
        if (oauth != null) {
            ObjectNode o = auth.putObject("oauth");
            o.put("protectedResourceMetadata", ProtectedResourceMetadata.metadataUrl(rc, request));
            o.putArray("authorizationServers").add(oauth.issuer());
            if (oauth.resourceMetadata() != null && oauth.resourceMetadata().scopesSupported() != null) {
                ArrayNode scopes = o.putArray("scopesSupported");
                oauth.resourceMetadata().scopesSupported().forEach(scopes::add);
            }
            headers.addObject().put("name", "Authorization").put("description", "An OAuth 2.1 access token for this"
                    + " route, found through its protected resource metadata").put("isRequired", keys == null)
                    .put("isSecret", true).put("value", "Bearer {token}").putObject("variables").putObject("token")
                    .put("isRequired", true).put("isSecret", true);
        }
        if (keys != null) {
            ObjectNode k = auth.putObject("apiKey");
            List<String> names = keys.headers() == null || keys.headers().isEmpty() ? List.of("X-API-Key") : keys.headers();
            ArrayNode h = k.putArray("headers");
            names.forEach(h::add);
            if (keys.queryParams() != null && !keys.queryParams().isEmpty()) {
                ArrayNode q = k.putArray("queryParams");
                keys.queryParams().forEach(q::add);
            }
            headers.addObject().put("name", names.get(0)).put("description", "An API key the gateway's operator issued")
                    .put("isRequired", oauth == null).put("isSecret", true);
        }
        return auth;
    }

    private ObjectNode catalog(HttpServerRequest request) {
        ObjectNode catalog = JSON.objectNode();
        catalog.put("specVersion", "1.0");
        ArrayNode entries = catalog.putArray("entries");
        String host = host(request);
        for (Route r : routes.routes()) {
            entries.addObject().put("identifier", "urn:air:" + host + ":mcp:" + safeName(r.name()))
                    .put("type", CARD_TYPE).put("url", origin(request) + r.path() + SUFFIX);
        }
        return catalog;
    }

    private static void send(RoutingContext ctx, ObjectNode body, String type) {
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        String etag = "\"" + digest(bytes) + "\"";
        ctx.response().putHeader("Access-Control-Allow-Origin", "*").putHeader("Access-Control-Expose-Headers", "ETag")
                .putHeader("Cache-Control", "public, max-age=300").putHeader("ETag", etag).putHeader("Vary", "Accept");
        String match = ctx.request().getHeader("If-None-Match");
        if (match != null && (match.equals(etag) || match.equals("W/" + etag) || match.trim().equals("*"))) {
            ctx.response().setStatusCode(304).end();
            return;
        }
        ctx.response().putHeader("Content-Type", type).end(io.vertx.core.buffer.Buffer.buffer(bytes));
    }

    private static void preflight(RoutingContext ctx) {
        ctx.response().setStatusCode(204).putHeader("Access-Control-Allow-Origin", "*")
                .putHeader("Access-Control-Allow-Methods", "GET")
                .putHeader("Access-Control-Allow-Headers", "Content-Type, If-None-Match")
                .putHeader("Access-Control-Expose-Headers", "ETag").end();
    }

    /** The card's own media type, unless the client asked for plain JSON only. */
    private static String negotiated(HttpServerRequest request) {
        String accept = request.getHeader("Accept");
        if (accept != null && !accept.contains(CARD_TYPE) && accept.contains("application/json") && !accept.contains("*/*")) {
            return "application/json";
        }
        return CARD_TYPE;
    }

    private String namespace(HttpServerRequest request) {
        return config.serverCard().namespace().orElseGet(() -> {
            String host = host(request);
            if (host.isEmpty() || host.chars().allMatch(c -> Character.isDigit(c) || c == '.') || !host.contains(".")) {
                // An address or a single label has no domain to reverse.
                return "local." + (host.isEmpty() ? "gateway" : host.replace('.', '-'));
            }
            List<String> labels = new ArrayList<>(List.of(host.split("\\.")));
            java.util.Collections.reverse(labels);
            return String.join(".", labels);
        });
    }

    private static String host(HttpServerRequest request) {
        String authority = request.authority() != null ? request.authority().host() : request.getHeader("Host");
        String h = authority == null ? "" : authority.toLowerCase(Locale.ROOT);
        return h.replaceAll("[^a-z0-9.-]", "-");
    }

    private static String origin(HttpServerRequest request) {
        String scheme = request.scheme() == null ? "http" : request.scheme();
        String host = request.authority() != null ? request.authority().toString() : request.getHeader("Host");
        return scheme + "://" + host;
    }

    private static String describe(RouteConfig rc) {
        List<String> names = rc.backends().stream().map(BackendConfig::name).toList();
        return limit("MCP gateway route federating " + names.size() + (names.size() == 1 ? " server: " : " servers: ")
                + String.join(", ", names));
    }

    private static String limit(String text) {
        return text.length() <= MAX_DESCRIPTION ? text : text.substring(0, MAX_DESCRIPTION - 1) + "…";
    }

    /** Route names are Kubernetes names or "default": already within the card name's alphabet but for "/". */
    private static String safeName(String name) {
        return name.replaceAll("[^a-zA-Z0-9._-]", "-");
    }

    private static String digest(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
