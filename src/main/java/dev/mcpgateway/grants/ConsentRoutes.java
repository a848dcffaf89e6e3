package dev.mcpgateway.grants;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.config.BackendConfig;
import dev.mcpgateway.config.RouteConfig;
import dev.mcpgateway.config.RouteSecurity.UpstreamAuth;
import dev.mcpgateway.config.RouteSource;
import dev.mcpgateway.security.AuthenticationFailure;
import dev.mcpgateway.security.Principal;
import dev.mcpgateway.security.RequestAuthenticator;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The HTTP side of per-user OAuth. {@code GET /oauth/consent?link=...} checks a consent link (signed,
 * unexpired, used once) and redirects to the backend's authorization endpoint (authorization code
 * with PKCE S256, {@code state}, RFC 8707 {@code resource}); {@code GET /oauth/callback} exchanges the
 * code and stores the grant. {@code GET /oauth/connections[/backend]} lists, and
 * {@code DELETE /oauth/connections/backend} forgets, the caller's grants, authenticated like the
 * route ({@code ?route=NAME}; without it, the only route with {@code user_oauth} backends).
 */
@ApplicationScoped
public class ConsentRoutes {

    private static final Logger LOG = Logger.getLogger(ConsentRoutes.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    static final String CONSENT_PATH = "/oauth/consent";
    static final String CALLBACK_PATH = "/oauth/callback";
    static final String CONNECTIONS_PATH = "/oauth/connections";

    private final UserGrants grants;
    private final RouteSource routes;
    private final RequestAuthenticator authenticator;

    @Inject
    ConsentRoutes(UserGrants grants, RouteSource routes, RequestAuthenticator authenticator) {
        this.grants = grants;
        this.routes = routes;
        this.authenticator = authenticator;
    }

    void install(@Observes Router http) {
        http.get(CONSENT_PATH).handler(this::consent);
        http.get(CALLBACK_PATH).handler(this::callback);
        http.get(CONNECTIONS_PATH).handler(ctx -> connections(ctx, null));
        http.get(CONNECTIONS_PATH + "/:backend").handler(ctx -> connections(ctx, ctx.pathParam("backend")));
        http.delete(CONNECTIONS_PATH + "/:backend").handler(this::revoke);
    }

    // ---------------------------------------------------------------- consent

    private void consent(RoutingContext ctx) {
        String payload = grants.keys().verify(ctx.request().getParam("link"));
        JsonNode link = payload == null ? null : parse(payload);
        if (link == null) {
            page(ctx, 400, "This consent link is not valid.");
            return;
        }
        if (link.path("x").asLong() <= System.currentTimeMillis()) {
            page(ctx, 410, "This consent link has expired. Call the tool again for a new one.");
            return;
        }
        RouteConfig route = route(link.path("r").asText());
        String backend = link.path("b").asText();
        UpstreamAuth auth = route == null ? null : UserGrants.userOAuth(route, backend);
        if (auth == null) {
            page(ctx, 404, "This consent link names a backend that is no longer configured.");
            return;
        }
        String state = grants.keys().random(32);
        String verifier = grants.keys().random(32);
        ObjectNode pending = MAPPER.createObjectNode().put("r", route.name()).put("b", backend)
                .put("p", link.path("p").asText())
                .put("v", verifier).put("u", link.path("u").asText());
        String stateKey = "s." + state;
        grants.store().putIfAbsent("u." + link.path("n").asText(), "1", grants.settings().consentTtl().plusMinutes(1))
                .compose(first -> {
                    if (!first) {
                        return Future.failedFuture(new Refused(410, "This consent link was used already."));
                    }
                    return grants.store().put(stateKey, grants.keys().seal(stateKey, pending.toString()),
                            grants.settings().consentTtl());
                }).compose(v -> grants.servers().endpoints(auth)).onComplete(ar -> {
                    if (ar.failed()) {
                        failed(ctx, ar.cause());
                        return;
                    }
                    Map<String, String> q = new LinkedHashMap<>();
                    q.put("response_type", "code");
                    q.put("client_id", auth.clientId());
                    q.put("redirect_uri", link.path("u").asText() + CALLBACK_PATH);
                    q.put("scope", AuthServerClient.scope(auth.scopes()));
                    q.put("state", state);
                    q.put("code_challenge", challenge(verifier));
                    q.put("code_challenge_method", "S256");
                    q.put("resource", resource(route, backend));
                    String authorize = ar.result().authorization();
                    String location = authorize + (authorize.contains("?") ? "&" : "?") + AuthServerClient.formBody(q);
                    ctx.response().setStatusCode(302).putHeader("Location", location).putHeader("Cache-Control", "no-store")
                            .end();
                });
    }

    /** RFC 7636 4.2: BASE64URL(SHA256(ASCII(code_verifier))). */
    static String challenge(String verifier) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString(GrantKeys.sha256(verifier.getBytes(StandardCharsets.US_ASCII)));
    }

    /** RFC 8707: the backend's URL names the resource the token is for (servers that do not know the parameter ignore it). */
    private static String resource(RouteConfig route, String backend) {
        BackendConfig b = route.backend(backend);
        return b == null ? null : b.url();
    }

    private void callback(RoutingContext ctx) {
        String state = ctx.request().getParam("state");
        if (state == null || state.isEmpty()) {
            page(ctx, 400, "The authorization server's answer carries no state.");
            return;
        }
        String stateKey = "s." + state;
        String[] backendName = new String[1];
        grants.store().remove(stateKey).compose(sealed -> {
            String plain = sealed == null ? null : grants.keys().open(stateKey, sealed);
            JsonNode pending = plain == null ? null : parse(plain);
            if (pending == null) {
                return Future.failedFuture(new Refused(400, "This authorization is unknown, expired or completed already."));
            }
            String error = ctx.request().getParam("error");
            if (error != null) {
                return Future.failedFuture(new Refused(400, "The authorization server did not grant access: " + error));
            }
            String code = ctx.request().getParam("code");
            RouteConfig route = route(pending.path("r").asText());
            String backend = pending.path("b").asText();
            backendName[0] = backend;
            UpstreamAuth auth = route == null ? null : UserGrants.userOAuth(route, backend);
            if (code == null || auth == null) {
                return Future.failedFuture(new Refused(400, code == null ? "The answer carries no code."
                        : "The backend is no longer configured."));
            }
            return grants.servers().endpoints(auth).compose(ep -> {
                Map<String, String> form = new LinkedHashMap<>();
                form.put("grant_type", "authorization_code");
                form.put("code", code);
                form.put("redirect_uri", pending.path("u").asText() + CALLBACK_PATH);
                form.put("code_verifier", pending.path("v").asText());
                form.put("resource", resource(route, backend));
                return grants.servers().postForm(ep.token(), auth, form);
            }).compose(res -> {
                Grant g = Grant.fromTokenResponse(res, null, System.currentTimeMillis());
                return grants.save(UserGrants.grantKey(route, backend, auth, pending.path("p").asText()), g);
            });
        }).onComplete(ar -> {
            if (ar.failed()) {
                failed(ctx, ar.cause());
                return;
            }
            LOG.infof("A caller connected backend %s", backendName[0]);
            page(ctx, 200, "Connected to " + backendName[0] + ". You can close this window and retry the request.");
        });
    }

    // ---------------------------------------------------------------- connections

    private void connections(RoutingContext ctx, String only) {
        authenticated(ctx, (route, principal) -> {
            List<String> backends = new ArrayList<>();
            route.security().upstreams().forEach((name, a) -> {
                if (a.kind() == UpstreamAuth.Kind.USER_OAUTH && (only == null || only.equals(name))) {
                    backends.add(name);
                }
            });
            if (only != null && backends.isEmpty()) {
                json(ctx, 404, error("not_found", "No user_oauth backend named " + only + " on route " + route.name()));
                return;
            }
            String digest = GrantKeys.digest(principal.name());
            List<Future<Grant>> loads = new ArrayList<>();
            for (String b : backends) {
                loads.add(grants.load(UserGrants.grantKey(route, b, UserGrants.userOAuth(route, b), digest)));
            }
            Future.all(loads).onComplete(ar -> {
                if (ar.failed()) {
                    failed(ctx, ar.cause());
                    return;
                }
                ArrayNode list = MAPPER.createArrayNode();
                for (int i = 0; i < backends.size(); i++) {
                    Grant g = loads.get(i).result();
                    ObjectNode c = list.addObject().put("backend", backends.get(i)).put("connected", g != null);
                    if (g != null) {
                        c.put("connectedAt", java.time.Instant.ofEpochMilli(g.connectedAt()).toString());
                        if (g.scope() != null) {
                            c.put("scope", g.scope());
                        }
                        if (g.expiresAt() > 0) {
                            c.put("accessTokenExpiresAt", java.time.Instant.ofEpochMilli(g.expiresAt()).toString());
                        }
                    }
                }
                json(ctx, 200, only != null ? list.get(0)
                        : MAPPER.createObjectNode().put("route", route.name()).set("connections", list));
            });
        });
    }

    private void revoke(RoutingContext ctx) {
        String backend = ctx.pathParam("backend");
        authenticated(ctx, (route, principal) -> {
            UpstreamAuth auth = UserGrants.userOAuth(route, backend);
            if (auth == null) {
                json(ctx, 404, error("not_found", "No user_oauth backend named " + backend + " on route " + route.name()));
                return;
            }
            String key = UserGrants.grantKey(route, backend, auth, GrantKeys.digest(principal.name()));
            // Forgotten here first; then, best effort, revoked at the authorization server (RFC 7009).
            grants.load(key).compose(g -> grants.store().remove(key).map(g))
                    .compose(g -> g == null ? Future.succeededFuture((Grant) null)
                            : revokeUpstream(auth, g, backend).map(g))
                    .onComplete(ar -> {
                        if (ar.failed()) {
                            failed(ctx, ar.cause());
                        } else if (ar.result() == null) {
                            json(ctx, 404, error("not_connected", "Not connected to " + backend));
                        } else {
                            ctx.response().setStatusCode(204).end();
                        }
                    });
        });
    }

    /** RFC 7009, best effort, when the server publishes a revocation endpoint: the grant is forgotten here anyway. */
    private Future<Void> revokeUpstream(UpstreamAuth auth, Grant g, String backend) {
        return grants.servers().endpoints(auth).compose(ep -> {
            if (ep.revocation() == null) {
                return Future.succeededFuture();
            }
            Map<String, String> form = new LinkedHashMap<>();
            form.put("token", g.refreshToken() != null ? g.refreshToken() : g.accessToken());
            form.put("token_type_hint", g.refreshToken() != null ? "refresh_token" : "access_token");
            return grants.servers().postForm(ep.revocation(), auth, form).mapEmpty();
        }).<Void>mapEmpty().recover(t -> {
            LOG.infof("Revoking a grant of backend %s at its authorization server failed: %s", backend, t.getMessage());
            return Future.succeededFuture();
        });
    }

    private interface Then {
        void accept(RouteConfig route, Principal principal);
    }

    /** Finds the route ({@code ?route=}) and authenticates the caller as that route does. */
    private void authenticated(RoutingContext ctx, Then then) {
        String name = ctx.request().getParam("route");
        RouteConfig route;
        if (name != null) {
            route = route(name);
        } else {
            List<RouteConfig> withGrants = routes.routeConfigs().stream().filter(r -> r.security().hasUserOAuth()).toList();
            if (withGrants.size() > 1) {
                json(ctx, 400, error("invalid_request", "Several routes have user_oauth backends; name one with ?route="
                        + String.join(", ?route=", withGrants.stream().map(RouteConfig::name).toList())));
                return;
            }
            route = withGrants.isEmpty() ? null : withGrants.get(0);
        }
        if (route == null || !route.security().hasUserOAuth()) {
            json(ctx, 404, error("not_found", name == null ? "No route has user_oauth backends"
                    : "No route named " + name + " with user_oauth backends"));
            return;
        }
        RouteConfig r = route;
        authenticator.authenticate(route, ctx.request()).onComplete(ar -> {
            if (ar.failed()) {
                failed(ctx, ar.cause());
            } else if (ar.result().anonymous()) {
                json(ctx, 401, error("unauthorized", "Connections belong to authenticated callers"));
            } else {
                then.accept(r, ar.result());
            }
        });
    }

    private RouteConfig route(String name) {
        for (RouteConfig r : routes.routeConfigs()) {
            if (r.name().equals(name)) {
                return r;
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- answers

    /** A refusal with its status, raised inside the flows. */
    private static final class Refused extends RuntimeException {
        final int status;

        Refused(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    private static void failed(RoutingContext ctx, Throwable t) {
        if (t instanceof Refused r) {
            page(ctx, r.status, r.getMessage());
        } else if (t instanceof AuthenticationFailure f) {
            HttpServerResponse res = ctx.response();
            f.challenges().forEach(c -> res.headers().add("WWW-Authenticate", c));
            json(ctx, f.status(), error("unauthorized", f.getMessage()));
        } else if (t instanceof AuthServerClient.OAuthError e) {
            LOG.infof("Per-user OAuth: the authorization server refused: %s", e.getMessage());
            page(ctx, 502, "The authorization server refused the request (" + e.error + ").");
        } else {
            LOG.warnf("Per-user OAuth request failed: %s", t.getMessage());
            page(ctx, 502, "The authorization could not be completed now; try again.");
        }
    }

    private static ObjectNode error(String code, String message) {
        return MAPPER.createObjectNode().put("error", code).put("message", message);
    }

    private static void json(RoutingContext ctx, int status, JsonNode body) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                .putHeader("Cache-Control", "no-store")
                .end(body.toString());
    }

    private static void page(RoutingContext ctx, int status, String text) {
        String escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
        ctx.response().setStatusCode(status).putHeader("Content-Type", "text/html; charset=utf-8")
                .putHeader("Cache-Control", "no-store").putHeader("Content-Security-Policy", "default-src 'none'")
                .end("<!doctype html><html><head><meta charset=\"utf-8\"><title>MCP gateway</title></head><body><p>"
                        + escaped + "</p></body></html>");
    }

    private static JsonNode parse(String json) {
        try {
            JsonNode n = MAPPER.readTree(json);
            return n != null && n.isObject() ? n : null;
        } catch (Exception e) {
            return null;
        }
    }
}
