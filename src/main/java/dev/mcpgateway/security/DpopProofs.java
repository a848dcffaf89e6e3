package dev.mcpgateway.security;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.NumericDate;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.lang.HashUtil;
import org.jose4j.lang.JoseException;

import com.fasterxml.jackson.databind.JsonNode;

import dev.mcpgateway.config.GatewayConfig;
import dev.mcpgateway.config.OAuthConfig;
import dev.mcpgateway.config.RouteConfig;
import dev.mcpgateway.session.ReplayStore;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;

/**
 * Checks DPoP proofs (RFC 9449 section 4.3) sent with {@code Authorization: DPoP <token>}: a JWT of
 * type {@code dpop+jwt} signed by the public key in its own {@code jwk} header, for this request's
 * method and URL, recent, used once, and for this access token ({@code ath}). The key's RFC 7638
 * thumbprint is what the access token must be bound to ({@code cnf.jkt}).
 */
@ApplicationScoped
public class DpopProofs {

    static final String TYPE = "dpop+jwt";

    private final ReplayStore replays;
    private final long skewSeconds;
    private final int maxLength;

    /** A proof that passed every check but the replay check: its key's thumbprint and its jti. */
    record Proof(String jkt, String jti) {
    }

    @Inject
    public DpopProofs(ReplayStore replays, GatewayConfig config) {
        this(replays, config.auth().clockSkew(), config.auth().maxTokenLength());
    }

    DpopProofs(ReplayStore replays, Duration skew, int maxLength) {
        this.replays = replays;
        this.skewSeconds = skew.toSeconds();
        this.maxLength = maxLength;
    }

    /**
     * Checks the proof of a request to {@code route} (not yet whether it is a replay); throws an
     * {@link InvalidProofException} saying what is wrong.
     */
    Proof check(OAuthConfig.Dpop dpop, RouteConfig route, HttpServerRequest request, String token) {
        List<String> proofs = request.headers().getAll("DPoP");
        // "There is not more than one DPoP HTTP request header field."
        if (proofs.size() != 1) {
            throw new InvalidProofException(proofs.isEmpty() ? "missing DPoP proof header" : "more than one DPoP proof header");
        }
        String resource = ProtectedResourceMetadata.resource(route, request);
        List<String> urls = List.of(resource, origin(resource) + request.path());
        return check(dpop, proofs.get(0), request.method().name(), urls, token, System.currentTimeMillis() / 1000);
    }

    /**
     * The checks of RFC 9449 section 4.3 on one proof; {@code urls} are the URLs this request may
     * be proven for: the route's public URL (its RFC 9728 resource identifier), as clients behind
     * proxies know it.
     */
    Proof check(OAuthConfig.Dpop dpop, String proof, String method, List<String> urls, String token, long now) {
        if (proof.length() > maxLength) {
            throw new InvalidProofException("DPoP proof too long");
        }
        JsonWebSignature jws = new JsonWebSignature();
        PublicJsonWebKey jwk;
        try {
            jws.setCompactSerialization(proof);
            if (!TYPE.equalsIgnoreCase(jws.getHeader("typ"))) {
                throw new InvalidProofException("DPoP proof is not of type dpop+jwt");
            }
            String alg = jws.getAlgorithmHeaderValue();
            if (alg == null || !dpop.algorithms().contains(alg)) {
                throw new InvalidProofException("DPoP proof algorithm " + (alg == null ? "missing" : alg)
                        + " is not accepted");
            }
            jwk = publicKey(jws);
            jws.setKey(jwk.getPublicKey());
            jws.setAlgorithmConstraints(
                    new AlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT,
                            dpop.algorithms().toArray(String[]::new)));
            if (!jws.verifySignature()) {
                throw new InvalidProofException("invalid DPoP proof signature");
            }
        } catch (JoseException | RuntimeException e) {
            if (e instanceof InvalidProofException i) {
                throw i;
            }
            throw new InvalidProofException("malformed DPoP proof");
        }
        JwtClaims claims;
        String jti;
        String htm;
        String htu;
        String ath;
        NumericDate iat;
        try {
            claims = JwtClaims.parse(jws.getUnverifiedPayload());
            jti = claims.getJwtId();
            htm = claims.getStringClaimValue("htm");
            htu = claims.getStringClaimValue("htu");
            ath = claims.getStringClaimValue("ath");
            iat = claims.getIssuedAt();
        } catch (InvalidJwtException | MalformedClaimException e) {
            throw new InvalidProofException("malformed DPoP proof claims");
        }
        if (jti == null || jti.isEmpty() || htm == null || htu == null || iat == null) {
            throw new InvalidProofException("DPoP proof lacks one of jti, htm, htu, iat");
        }
        if (!htm.equals(method)) {
            throw new InvalidProofException("DPoP proof is for another method (htm)");
        }
        String presented = normalize(htu);
        if (presented == null || urls.stream().map(DpopProofs::normalize).noneMatch(presented::equals)) {
            throw new InvalidProofException("DPoP proof is for another URL (htu)");
        }
        long issued = iat.getValue();
        if (issued > now + skewSeconds) {
            throw new InvalidProofException("DPoP proof issued in the future (iat)");
        }
        if (issued < now - dpop.proofLifetime().toSeconds() - skewSeconds) {
            throw new InvalidProofException("DPoP proof too old (iat)");
        }
        if (ath == null || !ath.equals(ath(token))) {
            throw new InvalidProofException("DPoP proof is for another access token (ath)");
        }
        try {
            return new Proof(jwk.calculateBase64urlEncodedThumbprint(HashUtil.SHA_256), jti);
        } catch (RuntimeException e) {
            throw new InvalidProofException("DPoP proof jwk has no thumbprint");
        }
    }

    /** The proof's {@code jwk} header: a public key, never one with its private part. */
    private static PublicJsonWebKey publicKey(JsonWebSignature jws) {
        if (jws.getHeaders().getObjectHeaderValue("jwk") == null) {
            throw new InvalidProofException("DPoP proof without a jwk header");
        }
        try {
            // jose4j refuses a jwk with a private part itself.
            return jws.getJwkHeader();
        } catch (JoseException | RuntimeException e) {
            throw new InvalidProofException("DPoP proof jwk is not a public key (or holds a private key)");
        }
    }

    /**
     * Records the proof's {@code jti} for as long as its {@code iat} is accepted; answers whether
     * it was new. Keyed by the key's thumbprint too, since two clients' random jtis do not collide
     * with each other's proofs.
     */
    Future<Boolean> firstUse(OAuthConfig.Dpop dpop, Proof proof) {
        Duration window = dpop.proofLifetime().plusSeconds(2 * skewSeconds);
        return replays.firstUse("dpop:" + sha256(proof.jkt() + " " + proof.jti()), window);
    }

    /** The key an access token is bound to ({@code cnf.jkt}), from its claims or introspection; or null. */
    static String boundKey(JsonNode claims) {
        JsonNode jkt = claims == null ? null : claims.path("cnf").get("jkt");
        return jkt != null && jkt.isTextual() ? jkt.asText() : null;
    }

    /** The {@code ath} of a token: base64url of its SHA-256 (RFC 9449 section 4.2). */
    static String ath(String token) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(digest(token.getBytes(StandardCharsets.US_ASCII)));
    }

    private static String sha256(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    private static byte[] digest(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code scheme://authority} of a URL. */
    private static String origin(String url) {
        URI u = URI.create(url);
        return u.getScheme() + "://" + u.getRawAuthority();
    }

    /**
     * A URL without query and fragment, normalized as RFC 3986 sections 6.2.2 and 6.2.3 say (case of
     * scheme and host, default port, empty path, dot segments); null when it is not an absolute
     * http(s) URL.
     */
    static String normalize(String url) {
        URI u;
        try {
            u = new URI(url).normalize();
        } catch (URISyntaxException e) {
            return null;
        }
        String scheme = u.getScheme() == null ? null : u.getScheme().toLowerCase(Locale.ROOT);
        if (u.getHost() == null || !("http".equals(scheme) || "https".equals(scheme))) {
            return null;
        }
        int port = u.getPort();
        boolean defaultPort = port == -1 || ("http".equals(scheme) && port == 80) || ("https".equals(scheme) && port == 443);
        String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
        return scheme + "://" + u.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port) + path;
    }
}
