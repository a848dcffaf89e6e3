package dev.mcpgateway.grants;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.config.BackendConfig;
import dev.mcpgateway.config.GatewayConfig;
import dev.mcpgateway.config.RouteConfig;
import dev.mcpgateway.config.RouteSecurity.UpstreamAuth;
import dev.mcpgateway.jsonrpc.ErrorCodes;
import dev.mcpgateway.jsonrpc.JsonRpcError;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import dev.mcpgateway.security.Caller;
import dev.mcpgateway.security.Principal;
import dev.mcpgateway.security.UserTokens;
import dev.mcpgateway.session.GrantStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Calling a {@code user_oauth} backend as the caller: the caller's stored grant (refreshed a margin
 * before it expires; a refused refresh forgets it), and for a caller without one a URL elicitation
 * toward a consent link. Grants are kept per principal and backend, sealed with {@link GrantKeys},
 * in the {@link GrantStore}. A caller without a grant still lists the backend's tools: the gateway
 * opens and lists it with its own client-credentials token from the same authorization server
 * (its client id and secret), and refuses everything else before the upstream is called.
 */
@ApplicationScoped
public class UserGrants implements UserTokens {

    private static final Logger LOG = Logger.getLogger(UserGrants.class);
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final Future<Void> ALLOWED = Future.succeededFuture();
    /** A failed listing token is not asked for again before this long. */
    private static final long LISTING_RETRY_MILLIS = 30_000;

    private final GrantStore store;
    private final GrantKeys keys;
    private final AuthServerClient servers;
    private final GatewayConfig.UserOAuth settings;
    private final long marginMillis;
    /** Refreshes in flight on this replica, by grant key: concurrent calls share one. */
    private final Map<String, Future<Grant>> refreshing = new ConcurrentHashMap<>();
    /** The gateway's own listing tokens, by backend client. */
    private final Map<String, Listing> listing = new ConcurrentHashMap<>();

    private record Listing(Future<String> token, long[] usableUntil) {
        boolean usable(long now) {
            return !token.isComplete() || now < usableUntil[0];
        }
    }

    @Inject
    public UserGrants(GrantStore store, GatewayConfig config, Vertx vertx) {
        this(store, new GrantKeys(config.userOauth().encryptionKey(), config.signingKey()),
                new AuthServerClient(vertx, config.auth().requestTimeout()), config.userOauth());
    }

    UserGrants(GrantStore store, GrantKeys keys, AuthServerClient servers, GatewayConfig.UserOAuth settings) {
        this.store = store;
        this.keys = keys;
        this.servers = servers;
        this.settings = settings;
        this.marginMillis = settings.refreshMargin().toMillis();
    }

    GrantKeys keys() {
        return keys;
    }

    GrantStore store() {
        return store;
    }

    AuthServerClient servers() {
        return servers;
    }

    GatewayConfig.UserOAuth settings() {
        return settings;
    }

    /** The {@code user_oauth} client of a backend of the route, or null. */
    public static UpstreamAuth userOAuth(RouteConfig route, String backend) {
        UpstreamAuth a = route.security().upstreams().get(backend);
        return a != null && a.kind() == UpstreamAuth.Kind.USER_OAUTH ? a : null;
    }

    /**
     * The token a request of {@code principal} to a {@code user_oauth} backend carries: the caller's
     * grant, else the gateway's own listing token (null when it has none: the request goes without).
     */
    @Override
    public Future<String> token(RouteConfig route, BackendConfig backend, UpstreamAuth auth, Principal principal) {
        return current(route, backend.name(), auth, principal)
                .compose(g -> g != null ? Future.succeededFuture(g.accessToken()) : listingToken(route, backend.name(), auth));
    }

    /**
     * Succeeds when the caller may call {@code backend} now: it is not a {@code user_oauth} backend,
     * or the caller holds a grant for it. Otherwise fails with URL elicitation required (-32042) when
     * the client declared {@code elicitation.url}, else with {@link ErrorCodes#USER_CONSENT_REQUIRED};
     * both carry the consent link in {@code data.elicitations}.
     */
    public Future<Void> require(RouteConfig route, String backend, Caller caller, JsonNode clientCapabilities) {
        UpstreamAuth auth = userOAuth(route, backend);
        if (auth == null) {
            return ALLOWED;
        }
        return current(route, backend, auth, caller.principal()).compose(g -> g != null ? ALLOWED
                : Future.failedFuture(consentRequired(route, backend, caller, clientCapabilities)));
    }

    /**
     * {@code next} when the caller may call {@code backend} now (see {@link #require}); otherwise the
     * consent error, and {@code next} is never run. A backend without {@code user_oauth} costs one map lookup.
     */
    public <T> Future<T> guard(RouteConfig route, String backend, Caller caller, JsonNode clientCapabilities,
            Supplier<Future<T>> next) {
        if (userOAuth(route, backend) == null) {
            return next.get();
        }
        return require(route, backend, caller, clientCapabilities).compose(v -> next.get());
    }

    private JsonRpcException consentRequired(RouteConfig route, String backend, Caller caller, JsonNode clientCapabilities) {
        String base = settings.publicUrl().map(u -> u.endsWith("/") ? u.substring(0, u.length() - 1) : u)
                .orElseGet(() -> "http://" + caller.headers().get("Host"));
        String elicitationId = keys.random(16);
        ObjectNode payload = JSON.objectNode();
        payload.put("r", route.name()).put("b", backend).put("p", GrantKeys.digest(caller.principal().name()))
                .put("x", System.currentTimeMillis() + settings.consentTtl().toMillis()).put("n", elicitationId)
                .put("u", base);
        String url = base + ConsentRoutes.CONSENT_PATH + "?link=" + keys.sign(payload.toString());
        String message = "Connect your account for " + backend + ": open the link, sign in and approve; then retry."
                + " The link works once and expires in " + settings.consentTtl().toSeconds() + " s.";
        ObjectNode data = JSON.objectNode();
        data.putArray("elicitations").addObject().put("mode", "url").put("elicitationId", elicitationId).put("url", url)
                .put("message", message);
        boolean urlMode = clientCapabilities != null && clientCapabilities.path("elicitation").has("url");
        // MCP 2025-11-25: "The server MUST NOT return this error except when URL mode elicitation is
        // required"; a client that cannot do URL elicitation gets another code with the same data.
        return new JsonRpcException(new JsonRpcError(urlMode ? ErrorCodes.URL_ELICITATION_REQUIRED
                : ErrorCodes.USER_CONSENT_REQUIRED, urlMode ? "This request requires more information." : message + " " + url,
                data));
    }

    /** Where the grant of a principal (by digest) for a backend client lives: no names in the key. */
    static String grantKey(RouteConfig route, String backend, UpstreamAuth auth, String principalDigest) {
        String server = auth.issuer() != null ? auth.issuer() : auth.authorizationEndpoint();
        return "g." + GrantKeys.digest(route.name() + "\0" + backend + "\0" + server + "\0" + auth.clientId() + "\0"
                + principalDigest);
    }

    /** The caller's usable grant (refreshed when close to expiry), or null. */
    Future<Grant> current(RouteConfig route, String backend, UpstreamAuth auth, Principal principal) {
        if (principal.anonymous()) {
            return Future.succeededFuture();
        }
        String key = grantKey(route, backend, auth, GrantKeys.digest(principal.name()));
        return load(key).compose(g -> {
            long now = System.currentTimeMillis();
            if (g == null || g.fresh(now, marginMillis)) {
                return Future.succeededFuture(g);
            }
            if (g.refreshToken() == null) {
                return Future.succeededFuture(now < g.expiresAt() ? g : null);
            }
            return refreshing.computeIfAbsent(key, k -> {
                Future<Grant> f = refresh(key, backend, auth, g);
                f.onComplete(ar -> refreshing.remove(k));
                return f;
            });
        });
    }

    Future<Grant> load(String key) {
        return store.get(key).map(sealed -> {
            if (sealed == null) {
                return null;
            }
            String plain = keys.open(key, sealed);
            if (plain == null) {
                LOG.warnf("A stored grant does not open with this replica's key (mcp-gateway.user-oauth.encryption-key"
                        + " differs between replicas?); consent is asked again");
                return null;
            }
            return Grant.fromJson(plain);
        });
    }

    Future<Void> save(String key, Grant grant) {
        return store.put(key, keys.seal(key, grant.toJson()), null);
    }

    private Future<Grant> refresh(String key, String backend, UpstreamAuth auth, Grant old) {
        return servers.endpoints(auth).compose(ep -> {
            Map<String, String> form = new LinkedHashMap<>();
            form.put("grant_type", "refresh_token");
            form.put("refresh_token", old.refreshToken());
            return servers.postForm(ep.token(), auth, form);
        }).compose(res -> {
            Grant fresh = Grant.fromTokenResponse(res, old, System.currentTimeMillis());
            LOG.debugf("Refreshed a grant for backend %s", backend);
            return save(key, fresh).map(fresh);
        }, t -> {
            // RFC 6749 5.2: invalid_grant is the grant itself refused; invalid_client and the like are the
            // gateway's configuration, which must not cost every caller their grant.
            if (t instanceof AuthServerClient.OAuthError e && "invalid_grant".equals(e.error)) {
                // The server will not renew it (revoked, expired, user gone): consent is asked again.
                LOG.infof("The authorization server of backend %s refused a refresh (%s); consent will be asked again",
                        backend, t.getMessage());
                return store.remove(key).map((Grant) null);
            }
            long now = System.currentTimeMillis();
            LOG.warnf("Cannot refresh a grant for backend %s: %s", backend, t.getMessage());
            if (old.expiresAt() > now) {
                return Future.succeededFuture(old);
            }
            return Future.failedFuture(new JsonRpcException(ErrorCodes.UPSTREAM_UNAVAILABLE,
                    "Backend " + backend + ": its authorization server cannot renew the caller's token now"));
        });
    }

    /**
     * The gateway's own token toward a {@code user_oauth} backend (client credentials with its client id
     * and secret), used only to open and list it for callers without a grant; null when the server
     * grants none.
     */
    private Future<String> listingToken(RouteConfig route, String backend, UpstreamAuth auth) {
        String key = route.name() + "\0" + backend + "\0" + auth.hashCode();
        long now = System.currentTimeMillis();
        Listing l = listing.get(key);
        if (l != null && l.usable(now)) {
            return l.token();
        }
        long[] until = {Long.MAX_VALUE};
        Future<String> f = auth.clientSecret() == null ? Future.succeededFuture() : servers.endpoints(auth).compose(ep -> {
            Map<String, String> form = new LinkedHashMap<>();
            form.put("grant_type", "client_credentials");
            form.put("scope", AuthServerClient.scope(auth.scopes()));
            return servers.postForm(ep.token(), auth, form);
        }).map(res -> {
            long expiresIn = res.path("expires_in").asLong(300);
            until[0] = System.currentTimeMillis() + Math.max(0, expiresIn * 1000 - marginMillis);
            return res.path("access_token").asText(null);
        }).otherwise(t -> {
            LOG.infof("Backend %s: no client-credentials token to list it for callers without a grant (%s)", backend,
                    t.getMessage());
            until[0] = System.currentTimeMillis() + LISTING_RETRY_MILLIS;
            return null;
        });
        listing.put(key, new Listing(f, until));
        return f;
    }
}
