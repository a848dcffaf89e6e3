package dev.mcpgateway.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.jwt.consumer.JwtContext;
import org.jose4j.keys.resolvers.JwksVerificationKeyResolver;
import org.jose4j.lang.UnresolvableKeyException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.mcpgateway.config.GatewayConfig;
import dev.mcpgateway.config.OAuthConfig;
import io.quarkus.oidc.AccessTokenCredential;
import io.quarkus.oidc.OIDCException;
import io.quarkus.oidc.TokenIntrospection;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.TokenAuthenticationRequest;
import io.quarkus.vertx.http.runtime.security.HttpSecurityUtils;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Checks bearer tokens for a route with Quarkus OIDC: each route's {@code oauth} settings are a
 * dynamic tenant ({@link OidcTenants}), whose issuer metadata, signing keys (refetched on an unknown
 * key), issuer, expiry and audience checks, and RFC 7662 introspection of opaque tokens (cached by
 * {@code quarkus.oidc.token-cache}) are Quarkus OIDC's. Kept here: a JWK set given inline
 * ({@code localJWKS}), which Quarkus OIDC cannot take, and the issuer and audience of an
 * introspection answer, which it does not check. A token that fails any check fails the future with
 * an {@link InvalidTokenException}; its message is safe to show the client and never contains the
 * token.
 */
@ApplicationScoped
public class TokenValidator {

    /** Asymmetric algorithms only: never {@code none}, never a shared-secret HMAC. */
    static final List<String> ASYMMETRIC = List.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256",
            "ES384", "ES512", "EdDSA");
    private static final Pattern JWS = Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*");
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final IdentityProviderManager identities;
    private final Vertx vertx;
    private final int skewSeconds;
    private final int maxLength;
    private final Map<String, JsonWebKeySet> localKeys = new ConcurrentHashMap<>();

    @Inject
    public TokenValidator(IdentityProviderManager identities, Vertx vertx, GatewayConfig config) {
        this(identities, vertx, config.auth().clockSkew(), config.auth().maxTokenLength());
    }

    /** Without Quarkus OIDC: only routes with an inline JWK set. */
    TokenValidator(IdentityProviderManager identities, Duration skew, int maxLength) {
        this(identities, null, skew, maxLength);
    }

    private TokenValidator(IdentityProviderManager identities, Vertx vertx, Duration skew, int maxLength) {
        this.identities = identities;
        this.vertx = vertx;
        this.skewSeconds = (int) skew.toSeconds();
        this.maxLength = maxLength;
    }

    /** The caller behind {@code token}, or a failed future with an {@link InvalidTokenException}. */
    public Future<Principal> validate(OAuthConfig oauth, String token) {
        if (token == null || token.isEmpty()) {
            return invalid("empty bearer token");
        }
        if (token.length() > maxLength) {
            return invalid("token too long");
        }
        boolean jwt = JWS.matcher(token).matches();
        if (!jwt && oauth.introspection() == null) {
            return invalid("malformed token: expected a signed JWT");
        }
        if (jwt && token.endsWith(".")) {
            // Quarkus OIDC would take an unsigned JWT (alg none) for an opaque token and introspect it.
            return invalid("unsigned token");
        }
        if (jwt && oauth.jwks() != null && oauth.jwks().localJson() != null) {
            return local(oauth, token);
        }
        if (jwt && !algorithmAllowed(oauth, token)) {
            return invalid("token signed with an algorithm this resource does not accept");
        }
        return oidc(oauth, token, jwt);
    }

    /**
     * A tenant takes one signature algorithm or every asymmetric one; a route that lists several is
     * checked here against the token's header.
     */
    private static boolean algorithmAllowed(OAuthConfig oauth, String token) {
        List<String> wanted = oauth.resourceMetadata() == null ? List.of()
                : oauth.resourceMetadata().resourceSigningAlgValuesSupported();
        if (wanted == null || wanted.size() < 2) {
            return true;
        }
        try {
            JsonNode header = MAPPER.readTree(Base64.getUrlDecoder().decode(token.substring(0, token.indexOf('.'))));
            return algorithms(oauth).contains(header.path("alg").asText());
        } catch (IOException | IllegalArgumentException e) {
            return false;
        }
    }

    private static <T> Future<T> invalid(String why) {
        return Future.failedFuture(new InvalidTokenException(why));
    }

    // ---- Quarkus OIDC ---------------------------------------------------------------------------

    private Future<Principal> oidc(OAuthConfig oauth, String token, boolean jwt) {
        TokenAuthenticationRequest request = new TokenAuthenticationRequest(new AccessTokenCredential(token));
        HttpSecurityUtils.setRoutingContextAttribute(request, OidcTenants.detachedContext(oauth));
        Uni<SecurityIdentity> identity = identities.authenticate(request);
        return OidcUpstreamClients.future(identity, vertx.getOrCreateContext())
                .transform(ar -> ar.succeeded() ? Future.succeededFuture(principal(oauth, ar.result(), token, jwt))
                        : Future.failedFuture(refusal(oauth, ar.cause())));
    }

    private static Principal principal(OAuthConfig oauth, SecurityIdentity identity, String token, boolean jwt) {
        JsonNode claims;
        try {
            TokenIntrospection introspection = identity.getAttribute("introspection");
            claims = !jwt && introspection != null ? MAPPER.readTree(introspection.getJsonObject().toString())
                    : MAPPER.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
        } catch (Exception e) {
            throw new InvalidTokenException("malformed token claims");
        }
        if (!jwt) {
            // RFC 7662 answers are not checked for issuer and audience by Quarkus OIDC.
            if (claims.has("iss") && !claims.path("iss").asText().equals(oauth.issuer())) {
                throw new InvalidTokenException("token from another issuer");
            }
            List<String> audiences = oauth.effectiveAudiences();
            if (!audiences.isEmpty() && !audienceMatches(claims.get("aud"), audiences)) {
                throw new InvalidTokenException("token not meant for this resource (audience)");
            }
        }
        return principal(oauth.issuer(), claims, token);
    }

    /** A refused token, or the authorization server out of reach (not the client's fault). */
    private static Throwable refusal(OAuthConfig oauth, Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof InvalidTokenException) {
                return c;
            }
            if (c instanceof InvalidJwtException e) {
                return new InvalidTokenException(describe(e));
            }
        }
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof IOException || c instanceof TimeoutException
            // An OAuth error answer means the server was reached and refused the token.
                    || (c instanceof OIDCException && !String.valueOf(c.getMessage()).contains("\"error\""))) {
                return new IllegalStateException("cannot check tokens with " + oauth.issuer() + ": " + c.getMessage(), t);
            }
        }
        return new InvalidTokenException(oauth.introspection() != null ? "token not active" : "invalid token");
    }

    // ---- inline JWK set -------------------------------------------------------------------------

    private Future<Principal> local(OAuthConfig oauth, String token) {
        JsonWebKeySet keys = localKeys.get(oauth.jwks().localJson());
        if (keys == null) {
            try {
                keys = new JsonWebKeySet(oauth.jwks().localJson());
            } catch (Exception e) {
                return Future.failedFuture(new IllegalStateException("invalid local JWK set: " + e.getMessage()));
            }
            localKeys.put(oauth.jwks().localJson(), keys);
        }
        try {
            return Future.succeededFuture(verify(oauth, keys, token));
        } catch (InvalidTokenException e) {
            return Future.failedFuture(e);
        }
    }

    private Principal verify(OAuthConfig oauth, JsonWebKeySet keys, String token) {
        JwksVerificationKeyResolver resolver = new JwksVerificationKeyResolver(keys.getJsonWebKeys());
        resolver.setDisambiguateWithVerifySignature(true);
        JwtConsumerBuilder b = new JwtConsumerBuilder()
                .setRequireExpirationTime()
                .setAllowedClockSkewInSeconds(skewSeconds)
                .setExpectedIssuer(true, oauth.issuer())
                .setVerificationKeyResolver(resolver)
                .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT,
                        algorithms(oauth).toArray(String[]::new));
        List<String> audiences = oauth.effectiveAudiences();
        if (audiences.isEmpty()) {
            b.setSkipDefaultAudienceValidation();
        } else {
            b.setExpectedAudience(true, audiences.toArray(String[]::new));
        }
        JwtContext ctx;
        try {
            ctx = b.build().process(token);
        } catch (InvalidJwtException e) {
            throw new InvalidTokenException(hasCause(e, UnresolvableKeyException.class) ? "token signed with an unknown key"
                    : describe(e));
        } catch (RuntimeException e) {
            throw new InvalidTokenException("malformed token");
        }
        try {
            return principal(oauth.issuer(), MAPPER.readTree(ctx.getJwtClaims().getRawJson()), token);
        } catch (IOException e) {
            throw new InvalidTokenException("malformed token claims");
        }
    }

    private static List<String> algorithms(OAuthConfig oauth) {
        List<String> wanted = oauth.resourceMetadata() == null ? List.of()
                : oauth.resourceMetadata().resourceSigningAlgValuesSupported();
        if (wanted == null || wanted.isEmpty()) {
            return ASYMMETRIC;
        }
        List<String> algs = new ArrayList<>(wanted);
        algs.retainAll(ASYMMETRIC);
        return algs.isEmpty() ? ASYMMETRIC : algs;
    }

    private static boolean hasCause(Throwable t, Class<?> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    /** A short reason for the client: which check failed, without echoing claims or the token. */
    private static String describe(InvalidJwtException e) {
        if (e.hasExpired()) {
            return "token expired";
        }
        if (e.hasErrorCode(org.jose4j.jwt.consumer.ErrorCodes.ISSUER_INVALID)
                || e.hasErrorCode(org.jose4j.jwt.consumer.ErrorCodes.ISSUER_MISSING)) {
            return "token from another issuer";
        }
        if (e.hasErrorCode(org.jose4j.jwt.consumer.ErrorCodes.AUDIENCE_INVALID)
                || e.hasErrorCode(org.jose4j.jwt.consumer.ErrorCodes.AUDIENCE_MISSING)) {
            return "token not meant for this resource (audience)";
        }
        if (e.hasErrorCode(org.jose4j.jwt.consumer.ErrorCodes.SIGNATURE_INVALID)) {
            return "invalid token signature";
        }
        if (e.hasErrorCode(org.jose4j.jwt.consumer.ErrorCodes.EXPIRATION_MISSING)) {
            return "token without expiry";
        }
        if (e.hasErrorCode(org.jose4j.jwt.consumer.ErrorCodes.NOT_YET_VALID)) {
            return "token not yet valid";
        }
        return "invalid token";
    }

    /** Scopes from {@code scope} (space-separated) or {@code scp} (list or string). */
    static Set<String> scopes(JsonNode claims) {
        Set<String> out = new LinkedHashSet<>();
        for (String field : List.of("scope", "scp")) {
            JsonNode v = claims.get(field);
            if (v == null) {
                continue;
            }
            if (v.isArray()) {
                v.forEach(s -> out.add(s.asText()));
            } else if (v.isTextual()) {
                for (String s : v.asText().trim().split("\\s+")) {
                    if (!s.isEmpty()) {
                        out.add(s);
                    }
                }
            }
        }
        return Set.copyOf(out);
    }

    private static Principal principal(String issuer, JsonNode claims, String token) {
        String subject = claims.path("sub").asText(null);
        if (subject == null) {
            subject = claims.path("client_id").asText(null);
        }
        if (subject == null) {
            subject = claims.path("azp").asText(null);
        }
        if (subject == null) {
            throw new InvalidTokenException("token without subject");
        }
        // The issuer is part of the name: the same subject at two issuers is two principals.
        return new Principal(issuer + "#" + subject, scopes(claims), claims, token);
    }

    private static boolean audienceMatches(JsonNode aud, List<String> accepted) {
        if (aud == null) {
            return false;
        }
        if (aud.isArray()) {
            for (JsonNode a : aud) {
                if (accepted.contains(a.asText())) {
                    return true;
                }
            }
            return false;
        }
        return accepted.contains(aud.asText());
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
