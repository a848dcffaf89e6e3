package dev.mcpgateway.console;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.nio.file.Path;
import java.util.Map;

import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.testing.NodePeers;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The console behind an OAuth scope: a bearer token from the route's issuer opens it only with
 * the admin scope; without it the answer is 403 insufficient_scope, and a bad token 401.
 */
@QuarkusTest
@WithTestResource(ConsoleOAuthTest.Issuer.class)
class ConsoleOAuthTest {

    static final String ISSUER = "https://idp.example.com/realms/mcp";
    static final String RESOURCE = "http://127.0.0.1/mcp";
    static final String SCOPE = "mcp-gateway:admin";
    static RsaJsonWebKey key;

    public static class Issuer implements QuarkusTestResourceLifecycleManager {
        Path config;

        @Override
        public Map<String, String> start() {
            try {
                key = RsaJwkGenerator.generateJwk(2048);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            key.setKeyId("console");
            ObjectNode root = new ObjectMapper().createObjectNode();
            ObjectNode oauth = root.putObject("auth").putObject("oauth").put("issuer", ISSUER).put("resource", RESOURCE)
                    .put("jwks", new JsonWebKeySet(key).toJson());
            oauth.putArray("scopesSupported").add("mcp:tools");
            // Nothing listens there: the console's routes page needs no backend.
            root.putObject("mcpServers").putObject("nowhere").put("url", "http://127.0.0.1:9/mcp");
            config = NodePeers.writeConfig("console-oauth-", root);
            return Map.of("mcp-gateway.config-file", config.toString(), "mcp-gateway.console.enabled", "true",
                    "mcp-gateway.console.oauth-scope", SCOPE);
        }

        @Override
        public void stop() {
            NodePeers.deleteQuietly(config);
        }
    }

    static String token(String scope) throws Exception {
        JwtClaims c = new JwtClaims();
        c.setIssuer(ISSUER);
        c.setAudience(RESOURCE);
        c.setSubject("operator");
        c.setExpirationTimeMinutesInTheFuture(5);
        c.setIssuedAtToNow();
        c.setClaim("scope", scope);
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(c.toJson());
        jws.setKey(key.getPrivateKey());
        jws.setKeyIdHeaderValue(key.getKeyId());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        return jws.getCompactSerialization();
    }

    @Test
    void aTokenWithTheAdminScopeOpensTheConsole() throws Exception {
        given().auth().oauth2(token("openid " + SCOPE)).get("/console/api/routes").then().statusCode(200)
                .body("routes[0].security.kind", equalTo("oauth"))
                .body("routes[0].security.issuer", equalTo(ISSUER));
        given().get("/console/api/auth").then().statusCode(200).body("required", equalTo(true))
                .body("oauthScope", equalTo(SCOPE));
    }

    @Test
    void aTokenWithoutItIsForbidden() throws Exception {
        given().auth().oauth2(token("openid mcp:tools")).get("/console/api/routes").then().statusCode(403)
                .header("WWW-Authenticate", containsString("error=\"insufficient_scope\""))
                .header("WWW-Authenticate", containsString("scope=\"" + SCOPE + "\""))
                .body("error", equalTo("forbidden")).body("message", containsString(SCOPE));
    }

    @Test
    void aBadOrMissingTokenIsUnauthorized() {
        given().auth().oauth2("a.b.c").get("/console/api/routes").then().statusCode(401)
                .header("WWW-Authenticate", containsString("error=\"invalid_token\""))
                .body("error", equalTo("unauthorized"));
        given().get("/console/api/sessions").then().statusCode(401)
                .header("WWW-Authenticate", containsString("Bearer realm=\"mcp-gateway-console\""));
    }
}
