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
 * one that lacks the route's required scopes. Routes with {@code dpop} also take (or, when it is
 * required, only take) DPoP-bound tokens with their proofs (RFC 9449), and challenge with
 * {@code WWW-Authenticate: DPoP algs="..."} as well.
 */
@ApplicationScoped
public class GatewayAuthenticator implements RequestAuthenticator {

    private static final Logger LOG = Logger.getLogger(GatewayAuthenticator.class);
    static final String DEFAULT_API_KEY_HEADER = "X-API-Key";

    private static final String BEARER = "Bearer ";
    private static final String DPOP = "DPoP ";

    private final TokenValidator tokens;
    private final DpopProofs proofs;
    private final Map<ApiKeyAuthConfig, ApiKeys> apiKeys = new ConcurrentHashMap<>();

    @Inject
    public GatewayAuthenticator(TokenValidator tokens, DpopProofs proofs) {
        this.tokens = tokens;
        this.proofs = proofs;
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
            return Future.failedFuture(refusal(route, request, null, null, null,
                    "Unauthorized: " + (oauth.dpop() != null && oauth.dpop().required() ? "a DPoP-bound" : "a bearer")
                            + " token is required"));
        }
        if (startsWith(authorization, DPOP)) {
            if (oauth.dpop() == null) {
                return Future.failedFuture(refusal(route, request, BEARER, "invalid_request",
                        "this resource does not accept DPoP; expected a Bearer token",
                        "Unauthorized: expected Authorization: Bearer <token>"));
            }
            return checked(route, request, oauth, dpop(route, request, oauth, authorization.substring(DPOP.length()).trim()));
        }
        if (!startsWith(authorization, BEARER)) {
            return Future.failedFuture(refusal(route, request, BEARER, "invalid_request",
                    "expected a " + (oauth.dpop() != null ? "Bearer or DPoP" : "Bearer") + " token",
                    "Unauthorized: expected Authorization: Bearer <token>"));
        }
        if (oauth.dpop() != null && oauth.dpop().required()) {
            return Future.failedFuture(refusal(route, request, DPOP, "invalid_token", "a DPoP-bound token is required",
                    "Unauthorized: this resource requires Authorization: DPoP <token> with a DPoP proof"));
        }
        String token = authorization.substring(BEARER.length()).trim();
        return checked(route, request, oauth, tokens.validate(oauth, token).compose(p -> {
            // RFC 9449 section 7.2: a DPoP-bound token sent as a bearer token is refused.
            if (DpopProofs.boundKey(p.claims()) != null) {
                return Future.failedFuture(refusal(route, request, DPOP, "invalid_token",
                        "the token is DPoP-bound; send it with Authorization: DPoP and a DPoP proof",
                        "Unauthorized: a DPoP-bound token must be sent with a DPoP proof"));
            }
            return Future.succeededFuture(p);
        }));
    }

    /** A DPoP token and its proof: the proof first (no network), then the token, its binding, the jti. */
    private Future<Principal> dpop(RouteConfig route, HttpServerRequest request, OAuthConfig oauth, String token) {
        DpopProofs.Proof proof;
        try {
            proof = proofs.check(oauth.dpop(), route, request, token);
        } catch (InvalidProofException e) {
            LOG.infof("Refused a DPoP proof on %s: %s", route.path(), e.getMessage());
            return Future.failedFuture(refusal(route, request, DPOP, "invalid_dpop_proof", e.getMessage(),
                    "Unauthorized: " + e.getMessage()));
        }
        return tokens.validate(oauth, token).compose(p -> {
            if (!proof.jkt().equals(DpopProofs.boundKey(p.claims()))) {
                LOG.infof("Refused %s on %s: token not bound to the proof's key", p.name(), route.path());
                return Future.failedFuture(refusal(route, request, DPOP, "invalid_token",
                        "the token is not bound to the DPoP proof's key (cnf.jkt)",
                        "Unauthorized: the token is not bound to the DPoP proof's key"));
            }
            return proofs.firstUse(oauth.dpop(), proof).recover(t -> {
                LOG.warnf("Cannot record a DPoP proof on %s: %s", route.path(), t.getMessage());
                return Future.failedFuture(new AuthenticationFailure(503, null,
                        "Service Unavailable: DPoP proofs cannot be checked for replay"));
            }).compose(first -> {
                if (!first) {
                    LOG.infof("Refused a replayed DPoP proof from %s on %s", p.name(), route.path());
                    return Future.failedFuture(refusal(route, request, DPOP, "invalid_dpop_proof",
                            "DPoP proof replayed (jti already used)", "Unauthorized: DPoP proof replayed"));
                }
                return Future.succeededFuture(p);
            });
        });
    }

    /** Token failures become 401 or 503, then the route's scopes are checked. */
    private Future<Principal> checked(RouteConfig route, HttpServerRequest request, OAuthConfig oauth,
            Future<Principal> principal) {
        String scheme = startsWith(request.getHeader("Authorization"), DPOP) ? DPOP : BEARER;
        return principal.recover(t -> {
            if (t instanceof AuthenticationFailure) {
                return Future.failedFuture(t);
            }
            if (t instanceof InvalidTokenException) {
                LOG.infof("Refused a token on %s: %s", route.path(), t.getMessage());
                return Future.failedFuture(refusal(route, request, scheme, "invalid_token", t.getMessage(),
                        "Unauthorized: " + t.getMessage()));
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

    private static boolean startsWith(String authorization, String scheme) {
        return authorization != null && authorization.length() > scheme.length()
                && authorization.regionMatches(true, 0, scheme, 0, scheme.length());
    }

    /**
     * A 401 with the challenges of the schemes the route takes (Bearer, DPoP or both); the error is
     * on the challenge of {@code errorScheme}.
     */
    private static AuthenticationFailure refusal(RouteConfig route, HttpServerRequest request, String errorScheme,
            String error, String description, String message) {
        OAuthConfig.Dpop dpop = route.security().oauth().dpop();
        List<String> challenges = new java.util.ArrayList<>();
        if (dpop == null || !dpop.required()) {
            boolean here = dpop == null || BEARER.equals(errorScheme);
            challenges.add(challenge(route, request, here ? error : null, here ? description : null));
        }
        if (dpop != null) {
            boolean here = DPOP.equals(errorScheme);
            challenges.add(dpopChallenge(route, request, dpop, here ? error : null, here ? description : null));
        }
        return AuthenticationFailure.withChallenges(401, challenges, message);
    }

    /** RFC 9449 section 7.1: {@code DPoP algs="..."}, with the same discovery parameters as Bearer. */
    static String dpopChallenge(RouteConfig route, HttpServerRequest request, OAuthConfig.Dpop dpop, String error,
            String description) {
        String bearer = challenge(route, request, error, description);
        return "DPoP algs=\"" + String.join(" ", dpop.algorithms()) + "\", " + bearer.substring("Bearer ".length());
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
        String scheme = startsWith(request.getHeader("Authorization"), DPOP) ? "DPoP" : "Bearer";
        StringBuilder sb = new StringBuilder(scheme).append(" error=\"insufficient_scope\"");
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
