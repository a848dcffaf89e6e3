package dev.mcpgateway.security;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import dev.mcpgateway.config.ApiKeyAuthConfig;
import dev.mcpgateway.config.OAuthConfig;
import dev.mcpgateway.config.RouteConfig;
import dev.mcpgateway.config.RouteSecurity;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;

/**
 * Authenticates callers of routes that ask for it: an API key (when the route has
 * {@code apiKeyAuth}) or a bearer token (when it has {@code oauth}). Routes without either are
 * open. Refusals follow RFC 6750 and the MCP authorization specification: 401 with
 * {@code WWW-Authenticate: Bearer resource_metadata="..."} pointing at the RFC 9728 document,
 * {@code error="invalid_token"} for a token that fails a check, 403 {@code insufficient_scope} for
 * one that lacks the route's required scopes.
 */
@ApplicationScoped
public class GatewayAuthenticator implements RequestAuthenticator {

    private static final Logger LOG = Logger.getLogger(GatewayAuthenticator.class);
    static final String DEFAULT_API_KEY_HEADER = "X-API-Key";

    private final TokenValidator tokens;
    private final Map<ApiKeyAuthConfig, ApiKeys> apiKeys = new ConcurrentHashMap<>();

    @Inject
    public GatewayAuthenticator(TokenValidator tokens) {
        this.tokens = tokens;
    }

    @Override
    public Future<Principal> authenticate(RouteConfig route, HttpServerRequest request) {
        RouteSecurity security = route.security();
        if (!security.authenticates()) {
            return Future.succeededFuture(Principal.ANONYMOUS);
        }
        ApiKeyAuthConfig keyAuth = security.apiKeyAuth();
        if (keyAuth != null) {
            String presented = apiKey(keyAuth, request);
            if (presented != null) {
                String client = apiKeys.computeIfAbsent(keyAuth, k -> new ApiKeys(k.clientKeys())).match(presented);
                if (client != null) {
                    return Future.succeededFuture(new Principal("apikey:" + client, java.util.Set.of(),
                            JsonNodeFactory.instance.objectNode().put("client_id", client), null));
                }
                if (security.oauth() == null || !presentedInAuthorization(keyAuth, request, presented)) {
                    LOG.warnf("Refused an invalid API key on %s from %s", route.path(), request.remoteAddress());
                    return Future.failedFuture(new AuthenticationFailure(401, challenge(route, request, "invalid_token",
                            "invalid API key"), "Unauthorized: invalid API key"));
                }
            }
        }
        OAuthConfig oauth = security.oauth();
        String authorization = request.getHeader("Authorization");
        if (oauth == null) {
            return Future.failedFuture(new AuthenticationFailure(401, challenge(route, request, null, null),
                    "Unauthorized: an API key is required"));
        }
        if (authorization == null) {
            return Future.failedFuture(new AuthenticationFailure(401, challenge(route, request, null, null),
                    "Unauthorized: a bearer token is required"));
        }
        if (authorization.length() < 7 || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Future.failedFuture(new AuthenticationFailure(401,
                    challenge(route, request, "invalid_request", "expected a Bearer token"),
                    "Unauthorized: expected Authorization: Bearer <token>"));
        }
        String token = authorization.substring(7).trim();
        return tokens.validate(oauth, token).recover(t -> {
            if (t instanceof InvalidTokenException) {
                LOG.infof("Refused a token on %s: %s", route.path(), t.getMessage());
                return Future.failedFuture(new AuthenticationFailure(401,
                        challenge(route, request, "invalid_token", t.getMessage()), "Unauthorized: " + t.getMessage()));
            }
            LOG.warnf("Cannot check a token on %s: %s", route.path(), t.getMessage());
            return Future.failedFuture(new AuthenticationFailure(503, null,
                    "Service Unavailable: the authorization server cannot be reached"));
        }).compose(p -> {
            List<String> missing = oauth.requiredScopes().stream().filter(s -> !p.scopes().contains(s)).toList();
            if (!missing.isEmpty()) {
                LOG.infof("Refused %s on %s: missing scopes %s", p.name(), route.path(), missing);
                return Future.failedFuture(new AuthenticationFailure(403,
                        insufficientScope(route, request, oauth.requiredScopes()),
                        "Forbidden: the token lacks scope " + String.join(" ", missing)));
            }
            return Future.succeededFuture(p);
        });
    }

    private static String apiKey(ApiKeyAuthConfig keyAuth, HttpServerRequest request) {
        List<String> headers = keyAuth.headers() == null ? List.of() : keyAuth.headers();
        if (headers.isEmpty() && (keyAuth.queryParams() == null || keyAuth.queryParams().isEmpty())) {
            headers = List.of(DEFAULT_API_KEY_HEADER);
        }
        for (String h : headers) {
            String v = request.getHeader(h);
            if (v != null) {
                if ("authorization".equalsIgnoreCase(h) && v.regionMatches(true, 0, "Bearer ", 0, 7)) {
                    v = v.substring(7);
                }
                return v.trim();
            }
        }
        if (keyAuth.queryParams() != null) {
            for (String q : keyAuth.queryParams()) {
                String v = request.getParam(q);
                if (v != null) {
                    return v;
                }
            }
        }
        return null;
    }

    /** A key read from Authorization may be a bearer token instead, when the route also takes those. */
    private static boolean presentedInAuthorization(ApiKeyAuthConfig keyAuth, HttpServerRequest request, String presented) {
        String auth = request.getHeader("Authorization");
        return auth != null && auth.endsWith(presented)
                && keyAuth.headers() != null && keyAuth.headers().stream().anyMatch(h -> "authorization".equalsIgnoreCase(h));
    }

    @Override
    public String insufficientScope(RouteConfig route, HttpServerRequest request, List<String> scopes) {
        StringBuilder sb = new StringBuilder("Bearer error=\"insufficient_scope\"");
        List<String> all = new java.util.ArrayList<>(scopes);
        OAuthConfig oauth = route.security().oauth();
        if (oauth != null) {
            // Step-up: ask for what the route needs as well, so the new token keeps working everywhere.
            oauth.requiredScopes().stream().filter(s -> !all.contains(s)).forEach(all::add);
        }
        sb.append(", scope=\"").append(quote(String.join(" ", all))).append('"');
        String metadata = ProtectedResourceMetadata.metadataUrl(route, request);
        if (metadata != null) {
            sb.append(", resource_metadata=\"").append(quote(metadata)).append('"');
        }
        sb.append(", error_description=\"additional scope required\"");
        return sb.toString();
    }

    /** The 401 challenge: where the metadata is, what scopes to ask for, and what was wrong. */
    static String challenge(RouteConfig route, HttpServerRequest request, String error, String description) {
        OAuthConfig oauth = route.security().oauth();
        if (oauth == null) {
            StringBuilder sb = new StringBuilder("ApiKey realm=\"mcp-gateway\"");
            if (error != null) {
                sb.append(", error=\"").append(error).append('"');
            }
            return sb.toString();
        }
        StringBuilder sb = new StringBuilder("Bearer resource_metadata=\"")
                .append(quote(ProtectedResourceMetadata.metadataUrl(route, request))).append('"');
        List<String> scopes = !oauth.requiredScopes().isEmpty() ? oauth.requiredScopes()
                : oauth.resourceMetadata() == null || oauth.resourceMetadata().scopesSupported() == null ? List.of()
                        : oauth.resourceMetadata().scopesSupported();
        if (!scopes.isEmpty()) {
            sb.append(", scope=\"").append(quote(String.join(" ", scopes))).append('"');
        }
        if (error != null) {
            sb.append(", error=\"").append(error).append('"');
            if (description != null) {
                sb.append(", error_description=\"").append(quote(description)).append('"');
            }
        }
        return sb.toString();
    }

    private static String quote(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
