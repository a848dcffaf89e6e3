package dev.mcpgateway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.UUID;

import org.jose4j.jwk.EcJwkGenerator;
import org.jose4j.jwk.EllipticCurveJsonWebKey;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.keys.EllipticCurves;
import org.jose4j.lang.HashUtil;
import org.jose4j.lang.JoseException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A DPoP client's key pair (EC P-256, ES256) and the proofs it signs (RFC 9449 section 4.2): for
 * the token endpoint (no {@code ath}) and for a resource (with {@code ath}). Proofs can be made
 * wrong on purpose (method, URL, age, token) to test the gateway's checks.
 */
public final class DpopKey {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final EllipticCurveJsonWebKey key;

    public DpopKey() {
        try {
            key = EcJwkGenerator.generateJwk(EllipticCurves.P256);
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The RFC 7638 thumbprint of the public key ({@code cnf.jkt} of tokens bound to it). */
    public String thumbprint() {
        return key.calculateBase64urlEncodedThumbprint(HashUtil.SHA_256);
    }

    /** The key pair as a JWK (with the private part), for a client in another process. */
    public String privateJwk() {
        return key.toJson(JsonWebKey.OutputControlLevel.INCLUDE_PRIVATE);
    }

    /** A fresh proof for a request to a resource with {@code token}. */
    public String proof(String method, String url, String token) {
        return proof(method, url, token, System.currentTimeMillis() / 1000, UUID.randomUUID().toString());
    }

    /** A proof with every claim chosen; {@code token} null leaves {@code ath} out. */
    public String proof(String method, String url, String token, long iat, String jti) {
        JwtClaims claims = new JwtClaims();
        claims.setJwtId(jti);
        claims.setStringClaim("htm", method);
        claims.setStringClaim("htu", url);
        claims.setClaim("iat", iat);
        if (token != null) {
            claims.setStringClaim("ath", ath(token));
        }
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256);
        jws.setHeader("typ", "dpop+jwt");
        jws.setJwkHeader(key);
        jws.setKey(key.getPrivateKey());
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code ath}: base64url SHA-256 of the token. */
    public static String ath(String token) {
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(
                    MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A DPoP-bound access token from Keycloak: the password grant of public client {@code clientId},
     * with a proof of this key for the token endpoint. Answers the whole token response.
     */
    public JsonNode passwordToken(KeycloakServer kc, String clientId, String user, String password, String scope) {
        String body = "grant_type=password&client_id=" + enc(clientId) + "&username=" + enc(user) + "&password="
                + enc(password) + (scope == null ? "" : "&scope=" + enc(scope));
        HttpRequest req = HttpRequest.newBuilder(URI.create(kc.tokenEndpoint()))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("DPoP", proof("POST", kc.tokenEndpoint(), null, System.currentTimeMillis() / 1000,
                        UUID.randomUUID().toString()))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            HttpResponse<String> r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("DPoP token request failed: HTTP " + r.statusCode() + " " + r.body());
            }
            return MAPPER.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
