package dev.mcpgateway.console;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.metrics.GatewayMetrics;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Serves the operator console when {@code mcp-gateway.console.enabled=true}: the page and its
 * script at {@code /console/} (no data in them, so no credential needed), and the JSON API under
 * {@code /console/api/}, which checks the admin credential on every request. Nothing is served,
 * and no request is observed, while the console is off.
 */
@Singleton
class ConsoleHandler {

    private static final Logger LOG = Logger.getLogger(ConsoleHandler.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Map<String, String> FILES = Map.of("index.html", "text/html; charset=utf-8", "console.js",
            "text/javascript; charset=utf-8", "console.css", "text/css; charset=utf-8", "favicon.svg", "image/svg+xml");
    /** The page loads its own script and style only, talks to its own origin only, and is never framed. */
    private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    private final ConsoleConfig config;
    private final ConsoleAccess access;
    private final ConsoleApi api;
    private final TrafficWindow traffic;
    private final GatewayMetrics metrics;
    private final Map<String, Buffer> files = new java.util.HashMap<>();

    @Inject
    ConsoleHandler(ConsoleConfig config, ConsoleAccess access, ConsoleApi api, GatewayMetrics metrics) {
        this.config = config;
        this.access = access;
        this.api = api;
        this.metrics = metrics;
        this.traffic = api.traffic();
    }

    void install(@Observes Router http) {
        if (!config.enabled()) {
            return;
        }
        FILES.keySet().forEach(f -> files.put(f, load(f)));
        metrics.observe(traffic);
        access.logMode();
        // Vert.x matches /console and /console/ alike: only the first is redirected (relative links need the slash).
        http.get("/console").handler(ctx -> {
            if (ctx.request().path().endsWith("/")) {
                file(ctx, "index.html");
            } else {
                ctx.response().setStatusCode(302).putHeader("Location", "/console/").end();
            }
        });
        http.get("/console/:file").handler(ctx -> file(ctx, ctx.pathParam("file")));
        http.get("/console/api/auth").handler(this::authInfo);
        http.route("/console/api/*").handler(this::authorize);
        http.get("/console/api/routes").handler(ctx -> json(ctx, Future.succeededFuture(api.routes())));
        http.get("/console/api/backends")
                .handler(ctx -> json(ctx, api.backends("1".equals(ctx.request().getParam("refresh")))));
        http.get("/console/api/tools").handler(ctx -> json(ctx, api.tools(ctx.request().getParam("route"),
                ctx.request().getParam("q"), ctx.request().getParam("principal"), ctx.request().getParam("scopes"))));
        http.get("/console/api/sessions").handler(ctx -> json(ctx, api.sessions()));
        http.delete("/console/api/sessions/:id").handler(ctx -> api.end(ctx.pathParam("id")).onComplete(ar -> {
            if (ar.failed()) {
                error(ctx, 503, "Service Unavailable: " + ar.cause().getMessage());
            } else if (ar.result()) {
                ctx.response().setStatusCode(204).end();
            } else {
                error(ctx, 404, "Not Found: no session " + ctx.pathParam("id"));
            }
        }));
        http.get("/console/api/traffic").handler(ctx -> json(ctx,
                Future.succeededFuture(api.traffic(intParam(ctx, "minutes", 5)))));
        http.route("/console/api/*").handler(ctx -> error(ctx, 404, "Not Found: no such console API"));
    }

    private void authorize(RoutingContext ctx) {
        ctx.response().putHeader("Cache-Control", "no-store");
        access.check(ctx.request()).onComplete(ar -> {
            if (ar.succeeded()) {
                LOG.debugf("Console %s %s by %s", ctx.request().method(), ctx.request().path(), ar.result().name());
                ctx.next();
                return;
            }
            ConsoleAccess.Refusal r = ar.cause() instanceof ConsoleAccess.Refused refused ? refused.refusal
                    : new ConsoleAccess.Refusal(500, null, "Internal error");
            if (r.challenge() != null && !r.challenge().isEmpty()) {
                ctx.response().putHeader("WWW-Authenticate", r.challenge());
            }
            error(ctx, r.status(), r.message());
        });
    }

    /** What the page must ask for before it calls the API; tells nothing else. */
    private void authInfo(RoutingContext ctx) {
        ctx.response().putHeader("Cache-Control", "no-store");
        ConsoleAccess.Refusal off = access.unavailable();
        if (off != null) {
            error(ctx, off.status(), off.message());
            return;
        }
        ObjectNode o = MAPPER.createObjectNode();
        o.put("required", access.credentials());
        o.put("apiKeys", !config.apiKeys().isEmpty());
        o.put("oauthScope", config.oauthScope().orElse(null));
        send(ctx, 200, o);
    }

    private void file(RoutingContext ctx, String name) {
        ConsoleAccess.Refusal off = access.unavailable();
        if (off != null) {
            ctx.response().setStatusCode(403).putHeader("Content-Type", "text/plain; charset=utf-8").end(off.message());
            return;
        }
        Buffer body = files.get(name);
        if (body == null) {
            ctx.response().setStatusCode(404).end();
            return;
        }
        ctx.response().putHeader("Content-Type", FILES.get(name)).putHeader("Content-Security-Policy", CSP)
                .putHeader("X-Content-Type-Options", "nosniff").putHeader("Referrer-Policy", "no-referrer")
                .putHeader("Cache-Control", "no-cache").end(body);
    }

    private static Buffer load(String name) {
        try (InputStream in = ConsoleHandler.class.getResourceAsStream("/console/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing console resource " + name);
            }
            return Buffer.buffer(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void json(RoutingContext ctx, Future<? extends JsonNode> body) {
        body.onComplete(ar -> {
            if (ar.failed()) {
                if (ar.cause() instanceof IllegalArgumentException e) {
                    error(ctx, 400, "Bad Request: " + e.getMessage());
                } else {
                    LOG.warnf(ar.cause(), "Console %s failed", ctx.request().path());
                    error(ctx, 503, "Service Unavailable: " + ar.cause().getMessage());
                }
                return;
            }
            send(ctx, 200, ar.result());
        });
    }

    static void error(RoutingContext ctx, int status, String message) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("status", status);
        o.put("error", switch (status) {
            case 401 -> "unauthorized";
            case 403 -> "forbidden";
            case 404 -> "not_found";
            case 400 -> "bad_request";
            default -> "unavailable";
        });
        o.put("message", message);
        send(ctx, status, o);
    }

    private static void send(RoutingContext ctx, int status, JsonNode body) {
        if (ctx.response().ended()) {
            return;
        }
        try {
            ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                    .end(MAPPER.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            ctx.response().setStatusCode(500).end();
        }
    }

    private static int intParam(RoutingContext ctx, String name, int def) {
        String v = ctx.request().getParam(name);
        try {
            return v == null ? def : Math.max(1, Math.min(60, Integer.parseInt(v)));
        } catch (NumberFormatException e) {
            return def;
        }
    }
}
