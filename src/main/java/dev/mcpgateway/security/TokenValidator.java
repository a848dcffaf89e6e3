package dev.mcpgateway.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.jwt.consumer.JwtContext;
import org.jose4j.keys.resolvers.JwksVerificationKeyResolver;
import org.jose4j.lang.UnresolvableKeyException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.mcpgateway.config.GatewayConfig;
import dev.mcpgateway.config.OAuthConfig;
import io.vertx.core.Future;

/**
 * Checks bearer tokens for a route: JWTs by signature (keys from the issuer's JWKS or a local JWK
 * set), issuer, expiry and audience; opaque tokens by introspection where configured. A token that
 * fails any check fails the future with an {@link InvalidTokenException}; its message is safe to
 * show the client and never contains the token.
 */
@ApplicationScoped
public class TokenValidator {

    /** Asymmetric algorithms only: never {@code none}, never a shared-secret HMAC. */
    static final List<String> ASYMMETRIC = List.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256",
            "ES384", "ES512", "EdDSA");
    private static final Pattern JWS = Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*");
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final long INTROSPECTION_CACHE_MILLIS = 30_000;

    private final AuthorizationServers servers;
    private final int skewSeconds;
    private final int maxLength;
    private final Map<String, JsonWebKeySet> localKeys = new ConcurrentHashMap<>();
    private final Map<String, Introspected> introspected = new ConcurrentHashMap<>();

    private record Introspected(Principal principal, long until) {
    }

    @Inject
    public TokenValidator(AuthorizationServers servers, GatewayConfig config) {
        this(servers, config.auth().clockSkew(), config.auth().maxTokenLength());
    }

    TokenValidator(AuthorizationServers servers, Duration skew, int maxLength) {
        this.servers = servers;
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
        if (JWS.matcher(token).matches()) {
            return jwt(oauth, token);
        }
        if (oauth.introspection() != null) {
            return introspect(oauth, token);
        }
        return invalid("malformed token: expected a signed JWT");
    }

    private static <T> Future<T> invalid(String why) {
        return Future.failedFuture(new InvalidTokenException(why));
    }

    // ---- JWT ----------------------------------------------------------------------------------

    private Future<Principal> jwt(OAuthConfig oauth, String token) {
        return keys(oauth, false).compose(keys -> {
            try {
                return Future.succeededFuture(verify(oauth, keys, token));
            } catch (UnknownKey e) {
                // The server may have rotated its keys since they were fetched.
                return keys(oauth, true).compose(fresh -> {
                    try {
                        return Future.succeededFuture(verify(oauth, fresh, token));
                    } catch (UnknownKey again) {
                        return invalid("token signed with an unknown key");
                    }
                });
            }
        }, t -> t instanceof InvalidTokenException ? Future.failedFuture(t)
                : Future.failedFuture(new IllegalStateException("cannot get the signing keys of " + oauth.issuer() + ": "
                        + t.getMessage(), t)));
    }

    private Future<JsonWebKeySet> keys(OAuthConfig oauth, boolean refresh) {
        OAuthConfig.Jwks jwks = oauth.jwks();
        if (jwks != null && jwks.localJson() != null) {
            try {
                JsonWebKeySet set = localKeys.get(jwks.localJson());
                if (set == null) {
                    set = new JsonWebKeySet(jwks.localJson());
                    localKeys.put(jwks.localJson(), set);
                }
                return Future.succeededFuture(set);
            } catch (Exception e) {
                return Future.failedFuture(new IllegalStateException("invalid local JWK set: " + e.getMessage()));
            }
        }
        Future<String> uri = jwks != null && jwks.remoteUri() != null ? Future.succeededFuture(jwks.remoteUri())
                : servers.jwksUri(oauth.issuer());
        return uri.compose(u -> servers.keys(u, refresh));
    }

    private static final class UnknownKey extends Exception {
        UnknownKey() {
            super(null, null, false, false);
        }
    }

    private Principal verify(OAuthConfig oauth, JsonWebKeySet keys, String token) throws UnknownKey {
        JwksVerificationKeyResolver resolver = new JwksVerificationKeyResolver(keys.getJsonWebKeys());
        resolver.setDisambiguateWithVerifySignature(true);
        List<String> algs = algorithms(oauth);
        JwtConsumerBuilder b = new JwtConsumerBuilder()
                .setRequireExpirationTime()
                .setAllowedClockSkewInSeconds(skewSeconds)
                .setExpectedIssuer(true, oauth.issuer())
                .setVerificationKeyResolver(resolver)
                .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, algs.toArray(String[]::new));
        List<String> audiences = oauth.effectiveAudiences();
        if (audiences.isEmpty()) {
            b.setSkipDefaultAudienceValidation();
        } else {
            b.setExpectedAudience(true, audiences.toArray(String[]::new));
        }
        JwtConsumer consumer = b.build();
        JwtContext ctx;
        try {
            ctx = consumer.process(token);
        } catch (InvalidJwtException e) {
            if (hasCause(e, UnresolvableKeyException.class)) {
                throw new UnknownKey();
            }
            throw new InvalidTokenException(describe(e));
        } catch (RuntimeException e) {
            throw new InvalidTokenException("malformed token");
        }
        JsonNode claims;
        try {
            claims = MAPPER.readTree(ctx.getJwtClaims().getRawJson());
        } catch (Exception e) {
            throw new InvalidTokenException("malformed token claims");
        }
        return principal(oauth.issuer(), claims, token);
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

    // ---- introspection ------------------------------------------------------------------------

    private Future<Principal> introspect(OAuthConfig oauth, String token) {
        String key = sha256(token);
        long now = System.currentTimeMillis();
        Introspected hit = introspected.get(key);
        if (hit != null && hit.until() > now) {
            return Future.succeededFuture(hit.principal());
        }
        OAuthConfig.Introspection in = oauth.introspection();
        Future<String> endpoint = in.endpoint() != null ? Future.succeededFuture(in.endpoint())
                : servers.introspectionEndpoint(oauth.issuer());
        return endpoint.compose(url -> servers.postForm(url, in.clientId(), in.clientSecret(),
                Map.of("token", token, "token_type_hint", "access_token")))
                .compose(res -> {
                    if (!res.path("active").asBoolean(false)) {
                        return invalid("token not active");
                    }
                    long nowSec = System.currentTimeMillis() / 1000;
                    long exp = res.path("exp").asLong(0);
                    if (exp != 0 && exp + skewSeconds < nowSec) {
                        return invalid("token expired");
                    }
                    if (res.has("iss") && !res.path("iss").asText().equals(oauth.issuer())) {
                        return invalid("token from another issuer");
                    }
                    List<String> audiences = oauth.effectiveAudiences();
                    if (!audiences.isEmpty() && !audienceMatches(res.get("aud"), audiences)) {
                        return invalid("token not meant for this resource (audience)");
                    }
                    Principal p = principal(oauth.issuer(), res, token);
                    long until = Math.min(now + INTROSPECTION_CACHE_MILLIS, exp == 0 ? Long.MAX_VALUE : exp * 1000);
                    introspected.put(key, new Introspected(p, until));
                    if (introspected.size() > 10_000) {
                        introspected.entrySet().removeIf(e -> e.getValue().until() <= now);
                    }
                    return Future.succeededFuture(p);
                }, t -> t instanceof InvalidTokenException ? Future.failedFuture(t)
                        : Future.failedFuture(new IllegalStateException("introspection failed: " + t.getMessage(), t)));
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
