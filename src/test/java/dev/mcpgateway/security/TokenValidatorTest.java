package dev.mcpgateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletionException;

import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.keys.HmacKey;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.mcpgateway.config.OAuthConfig;

/** Every check of a JWT against a local JWK set, without a server. */
class TokenValidatorTest {

    static final String ISSUER = "https://idp.example.com/realms/mcp";
    static final String RESOURCE = "https://gateway.example.com/mcp";
    static RsaJsonWebKey key;
    static RsaJsonWebKey otherKey;
    static OAuthConfig oauth;
    final TokenValidator validator = new TokenValidator(null, Duration.ZERO, 16384);

    @BeforeAll
    static void keys() throws Exception {
        key = RsaJwkGenerator.generateJwk(2048);
        key.setKeyId("k1");
        otherKey = RsaJwkGenerator.generateJwk(2048);
        otherKey.setKeyId("k1");
        String jwks = new JsonWebKeySet(key).toJson();
        oauth = new OAuthConfig(ISSUER, List.of(), new OAuthConfig.Jwks(null, jwks),
                new OAuthConfig.ProtectedResourceMetadata(RESOURCE, null, List.of("mcp:tools"), List.of(), null, null),
                List.of());
    }

    static JwtClaims claims() {
        JwtClaims c = new JwtClaims();
        c.setIssuer(ISSUER);
        c.setAudience(RESOURCE, "account");
        c.setSubject("alice-id");
        c.setExpirationTimeMinutesInTheFuture(5);
        c.setIssuedAtToNow();
        c.setClaim("scope", "openid mcp:tools");
        return c;
    }

    static String sign(JwtClaims c, RsaJsonWebKey k) throws Exception {
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(c.toJson());
        jws.setKey(k.getPrivateKey());
        jws.setKeyIdHeaderValue(k.getKeyId());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        return jws.getCompactSerialization();
    }

    Principal valid(String token) {
        return validator.validate(oauth, token).toCompletionStage().toCompletableFuture().join();
    }

    String refusal(String token) {
        Throwable t = catchThrowable(() -> valid(token));
        assertThat(t).isInstanceOf(CompletionException.class);
        assertThat(t.getCause()).isInstanceOf(InvalidTokenException.class);
        return t.getCause().getMessage();
    }

    @Test
    void acceptsAGoodToken() throws Exception {
        Principal p = valid(sign(claims(), key));
        assertThat(p.name()).isEqualTo(ISSUER + "#alice-id");
        assertThat(p.scopes()).containsExactlyInAnyOrder("openid", "mcp:tools");
        assertThat(p.claims().path("sub").asText()).isEqualTo("alice-id");
    }

    @Test
    void refusesEachBrokenCheck() throws Exception {
        JwtClaims expired = claims();
        expired.setExpirationTime(NumericDate.fromSeconds(System.currentTimeMillis() / 1000 - 60));
        assertThat(refusal(sign(expired, key))).isEqualTo("token expired");

        JwtClaims issuer = claims();
        issuer.setIssuer("https://evil.example.com");
        assertThat(refusal(sign(issuer, key))).isEqualTo("token from another issuer");

        JwtClaims audience = claims();
        audience.setAudience("https://other.example.com/mcp");
        assertThat(refusal(sign(audience, key))).contains("audience");

        JwtClaims noAudience = claims();
        noAudience.unsetClaim("aud");
        assertThat(refusal(sign(noAudience, key))).contains("audience");

        JwtClaims noExp = claims();
        noExp.unsetClaim("exp");
        assertThat(refusal(sign(noExp, key))).isEqualTo("token without expiry");

        // Same kid, another key: the signature does not verify.
        assertThat(refusal(sign(claims(), otherKey))).isNotEmpty();
    }

    @Test
    void refusesAlgNoneAndHmacWithThePublicKey() throws Exception {
        String payload = Base64.getUrlEncoder().withoutPadding()
                .encodeToString(claims().toJson().getBytes(StandardCharsets.UTF_8));
        String header = Base64.getUrlEncoder().withoutPadding()
                .encodeToString("{\"alg\":\"none\",\"kid\":\"k1\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(refusal(header + "." + payload + ".")).isNotEmpty();

        // Algorithm confusion: an HMAC keyed with the public key's bytes.
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims().toJson());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.HMAC_SHA256);
        jws.setKeyIdHeaderValue("k1");
        jws.setKey(new HmacKey(key.getPublicKey().getEncoded()));
        jws.setDoKeyValidation(false);
        assertThat(refusal(jws.getCompactSerialization())).isNotEmpty();
    }

    @Test
    void refusesMalformedAndHugeTokens() {
        assertThat(refusal("")).isNotEmpty();
        assertThat(refusal("not-a-jwt")).contains("malformed");
        assertThat(refusal("a.b.c")).isNotEmpty();
        assertThat(refusal("x".repeat(100 * 1024))).isEqualTo("token too long");
        assertThat(refusal("eyJhbGciOiJSUzI1NiJ9.eyJ9.c2ln")).isNotEmpty();
    }

    @Test
    void configuredAudiencesReplaceTheResource() throws Exception {
        OAuthConfig explicit = new OAuthConfig(ISSUER, List.of("gateway"), oauth.jwks(), oauth.resourceMetadata(), List.of());
        JwtClaims c = claims();
        c.setAudience("gateway");
        assertThat(validator.validate(explicit, sign(c, key)).toCompletionStage().toCompletableFuture().join().name())
                .endsWith("#alice-id");
        assertThat(catchThrowable(() -> validator.validate(explicit, sign(claims(), key)).toCompletionStage()
                .toCompletableFuture().join())).hasCauseInstanceOf(InvalidTokenException.class);
    }

    @Test
    void readsScopesFromScopeOrScp() throws Exception {
        JwtClaims c = claims();
        c.unsetClaim("scope");
        c.setStringListClaim("scp", "a", "b");
        assertThat(valid(sign(c, key)).scopes()).containsExactlyInAnyOrder("a", "b");
    }
}
