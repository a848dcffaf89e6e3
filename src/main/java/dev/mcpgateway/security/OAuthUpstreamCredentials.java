package dev.mcpgateway.security;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;

import dev.mcpgateway.config.BackendConfig;
import dev.mcpgateway.config.GatewayConfig;
import dev.mcpgateway.config.OAuthConfig;
import dev.mcpgateway.config.RouteConfig;
import dev.mcpgateway.config.RouteSecurity;
import dev.mcpgateway.config.RouteSecurity.UpstreamAuth;
import io.quarkus.oidc.client.Tokens;
import io.vertx.core.Future;

/**
 * Obtains upstream tokens with Quarkus OIDC Client (one client per route and backend, see
 * {@link OidcUpstreamClients}): the OAuth 2 client credentials grant (one token per backend, shared by
 * all callers, renewed a margin before it expires; concurrent requests share one token request) and
 * RFC 8693 token exchange (the caller's token for one whose audience is the upstream, cached per
 * caller token until shortly before it expires). Never sends the caller's token anywhere except to
 * the authorization server in an exchange, or upstream with {@code passthrough}.
 */
@ApplicationScoped
public class OAuthUpstreamCredentials implements UpstreamCredentials {

    private static final Logger LOG = Logger.getLogger(OAuthUpstreamCredentials.class);

    /** How long a token without {@code expires_in} is used. */
    private static final long DEFAULT_LIFETIME_MILLIS = 300_000;

    private final OidcUpstreamClients clients;
    private final long marginMillis;
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();
    @Inject
    UserTokens userGrants;

    /** A token being fetched or fetched, and until when it may be used. */
    private record Token(Future<String> value, long[] usableUntil) {
        boolean usable(long now) {
            return !value.failed() && (!value.isComplete() || now < usableUntil[0]);
        }
    }

    @Inject
    public OAuthUpstreamCredentials(OidcUpstreamClients clients, GatewayConfig config) {
        this.clients = clients;
        this.marginMillis = config.auth().tokenRefreshMargin().toMillis();
    }

    @Override
    public Future<Map<String, String>> headers(RouteConfig route, BackendConfig backend, Principal principal) {
        RouteSecurity security = route.security();
        Map<String, String> out = new LinkedHashMap<>();
        OAuthConfig oauth = security.oauth();
        if (oauth != null && principal.claims() != null) {
            for (OAuthConfig.ClaimToHeader c : oauth.claimToHeaders()) {
                JsonNode v = claim(principal.claims(), c.claim());
                if (v != null && !v.isNull() && !v.isMissingNode()) {
                    out.put(c.header(), v.isValueNode() ? v.asText() : v.toString());
                }
            }
        }
        if (security.apiKeyAuth() != null && security.apiKeyAuth().forwardClientIdHeader() != null
                && principal.name().startsWith("apikey:")) {
            out.put(security.apiKeyAuth().forwardClientIdHeader(), principal.name().substring("apikey:".length()));
        }
        UpstreamAuth auth = security.upstreams().get(backend.name());
        if (auth == null) {
            return Future.succeededFuture(out);
        }
        Future<String> token = switch (auth.kind()) {
            case PASSTHROUGH -> principal.token() == null ? Future.succeededFuture(null)
                    : Future.succeededFuture(principal.token());
            case CLIENT_CREDENTIALS -> clientCredentials(route, backend, auth);
            case TOKEN_EXCHANGE -> exchange(route, backend, auth, principal);
            case USER_OAUTH -> userGrants.token(route, backend, auth, principal);
        };
        return token.map(t -> {
            if (t != null) {
                out.put(auth.header(), "authorization".equalsIgnoreCase(auth.header()) ? "Bearer " + t : t);
            }
            return out;
        });
    }

    private static JsonNode claim(JsonNode claims, String name) {
        if (claims.has(name)) {
            return claims.get(name);
        }
        JsonNode n = claims;
        for (String part : name.split("\\.")) {
            n = n.path(part);
        }
        return n;
    }

    private Future<String> clientCredentials(RouteConfig route, BackendConfig backend, UpstreamAuth auth) {
        String key = "cc|" + route.name() + "|" + backend.name() + "|" + auth.hashCode();
        return cachedToken(key, () -> clients.client(route, backend, auth).compose(c -> clients.tokens(c, Map.of())),
                backend.name(), "client credentials");
    }

    private Future<String> exchange(RouteConfig route, BackendConfig backend, UpstreamAuth auth, Principal principal) {
        if (principal.token() == null) {
            // Nothing to exchange (an API-key or anonymous caller): the upstream gets no token.
            return Future.succeededFuture(null);
        }
        String key = "tx|" + route.name() + "|" + backend.name() + "|" + TokenValidator.sha256(principal.token());
        return cachedToken(key, () -> clients.client(route, backend, auth)
                .compose(c -> clients.tokens(c, Map.of("subject_token", principal.token()))), backend.name(),
                "token exchange");
    }

    /**
     * One token per key, shared by concurrent requests. OIDC Client obtains tokens but keeps none:
     * the per-caller cache of exchanged tokens, and the rule that a failure is not cached, stay here.
     */
    private Future<String> cachedToken(String key, Supplier<Future<Tokens>> request, String backend, String grant) {
        long now = System.currentTimeMillis();
        Token t = tokens.get(key);
        if (t != null && t.usable(now)) {
            return t.value();
        }
        long[] until = {Long.MAX_VALUE};
        Future<String> f = request.get().map(res -> {
            Long expiresAt = res.getAccessTokenExpiresAt();
            long expiresMillis = expiresAt == null ? System.currentTimeMillis() + DEFAULT_LIFETIME_MILLIS : expiresAt * 1000;
            until[0] = expiresMillis - marginMillis;
            LOG.debugf("Obtained a %s token for backend %s, valid until %d", grant, backend, expiresMillis);
            return res.getAccessToken();
        });
        f.onFailure(e -> LOG.warnf("Cannot obtain a %s token for backend %s: %s", grant, backend, e.getMessage()));
        tokens.put(key, new Token(f, until));
        if (tokens.size() > 10_000) {
            tokens.entrySet().removeIf(e -> !e.getValue().usable(now));
        }
        return f;
    }
}
