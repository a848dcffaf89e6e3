package dev.mcpgateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import dev.mcpgateway.config.OAuthConfig;
import dev.mcpgateway.config.RouteConfig;
import dev.mcpgateway.federation.RouteTable;
import dev.mcpgateway.testing.NodePeers;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * An authorization server that publishes RFC 8414 metadata only (no OpenID discovery document):
 * Quarkus OIDC and OIDC Client would not find it by themselves; the gateway discovers its key set
 * and token endpoint and hands them over, so its tokens are checked and its client credentials
 * tokens are obtained.
 */
@QuarkusTest
@WithTestResource(Rfc8414IssuerTest.Issuer.class)
class Rfc8414IssuerTest {

    /** The key the server signs with now. */
    static volatile RsaJsonWebKey key;
    /** The keys the server publishes now. */
    static volatile JsonWebKeySet published;
    static String issuer;
    static final List<String> TOKEN_REQUESTS = new CopyOnWriteArrayList<>();

    @Inject
    TokenValidator validator;
    @Inject
    UpstreamCredentials credentials;
    @Inject
    RouteTable routes;

    public static class Issuer implements QuarkusTestResourceLifecycleManager {
        HttpServer server;
        Path config;

        @Override
        public Map<String, String> start() {
            try {
                key = RsaJwkGenerator.generateJwk(2048);
                key.setKeyId("k1");
                published = new JsonWebKeySet(key);
                server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            issuer = base + "/as";
            server.createContext("/", ex -> {
                String path = ex.getRequestURI().getPath();
                switch (path) {
                    case "/.well-known/oauth-authorization-server/as" -> reply(ex, 200, """
                            {"issuer":"%s","jwks_uri":"%s/as/keys","token_endpoint":"%s/as/token"}""".formatted(issuer,
                            base, base));
                    case "/as/keys" -> reply(ex, 200, published.toJson());
                    case "/as/token" -> {
                        TOKEN_REQUESTS.add(ex.getRequestHeaders().getFirst("Authorization") + " "
                                + new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                        reply(ex, 200, "{\"access_token\":\"upstream-token\",\"token_type\":\"Bearer\",\"expires_in\":300}");
                    }
                    default -> reply(ex, 404, "{}");
                }
            });
            server.start();
            ObjectNode root = new ObjectMapper().createObjectNode();
            root.putObject("auth").putObject("oauth").put("issuer", issuer).put("resource", "http://127.0.0.1/mcp");
            ObjectNode auth = root.putObject("mcpServers").putObject("cc").put("url", "http://127.0.0.1:9/mcp")
                    .putObject("auth").put("type", "client_credentials").put("issuer", issuer).put("clientId", "gateway")
                    .put("clientSecret", "s3cret").put("audience", "upstream-api");
            auth.putArray("scopes").add("read").add("write");
            config = NodePeers.writeConfig("rfc8414-", root);
            return Map.of("mcp-gateway.config-file", config.toString(), "mcp-gateway.auth.jwks-min-refresh-interval", "1s");
        }

        static void reply(HttpExchange ex, int status, String body) throws IOException {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(status, bytes.length);
            ex.getResponseBody().write(bytes);
            ex.close();
        }

        @Override
        public void stop() {
            if (server != null) {
                server.stop(0);
            }
            NodePeers.deleteQuietly(config);
        }
    }

    static String token(RsaJsonWebKey signer) {
        try {
            JwtClaims c = new JwtClaims();
            c.setIssuer(issuer);
            c.setAudience("http://127.0.0.1/mcp");
            c.setSubject("carol");
            c.setExpirationTimeMinutesInTheFuture(5);
            c.setIssuedAtToNow();
            c.setClaim("scope", "mcp:tools");
            JsonWebSignature jws = new JsonWebSignature();
            jws.setPayload(c.toJson());
            jws.setKey(signer.getPrivateKey());
            jws.setKeyIdHeaderValue(signer.getKeyId());
            jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
            return jws.getCompactSerialization();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void tokensAreCheckedAndObtainedWithRfc8414Metadata() {
        RouteConfig route = routes.route("/mcp").config();
        Principal p = validator.validate(route.security().oauth(), token(key)).toCompletionStage().toCompletableFuture()
                .join();
        assertThat(p.name()).isEqualTo(issuer + "#carol");
        assertThat(p.scopes()).containsExactly("mcp:tools");

        Map<String, String> headers = credentials.headers(route, route.backend("cc"), p).toCompletionStage()
                .toCompletableFuture().join();
        assertThat(headers).containsEntry("Authorization", "Bearer upstream-token");
        assertThat(TOKEN_REQUESTS).singleElement().satisfies(r -> assertThat(r)
                .startsWith("Basic " + java.util.Base64.getEncoder().encodeToString("gateway:s3cret".getBytes()))
                .contains("grant_type=client_credentials").contains("scope=read+write").contains("audience=upstream-api"));
    }

    @Test
    void rotatedKeysAreFetchedAgain() throws Exception {
        RouteConfig route = routes.route("/mcp").config();
        RsaJsonWebKey before = key;
        assertThat(validate(route, token(before)).toCompletionStage().toCompletableFuture().join().name())
                .endsWith("#carol");
        RsaJsonWebKey next = RsaJwkGenerator.generateJwk(2048);
        next.setKeyId("k2");
        published = new JsonWebKeySet(next);
        key = next;
        // A token with an unknown kid makes the tenant fetch the key set again (at most once a second).
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(300))
                .until(() -> validate(route, token(next)).toCompletionStage().toCompletableFuture()
                        .handle((p, t) -> t == null).join());
        Throwable old = validate(route, token(before)).toCompletionStage().toCompletableFuture()
                .handle((p, t) -> t).join();
        assertThat(old).isInstanceOf(InvalidTokenException.class);
    }

    private io.vertx.core.Future<Principal> validate(RouteConfig route, String token) {
        return validator.validate(route.security().oauth(), token);
    }

    @Test
    void eachOAuthSettingIsItsOwnTenant() {
        // The same issuer with two accepted algorithms, neither RS256: a second tenant, and a refusal.
        RouteConfig route = routes.route("/mcp").config();
        OAuthConfig es = new OAuthConfig(issuer, List.of(), null, new OAuthConfig.ProtectedResourceMetadata(
                "http://127.0.0.1/mcp", null, List.of(), List.of("ES256", "PS256"), null, null), List.of());
        Throwable refused = validator.validate(es, token(key)).toCompletionStage().toCompletableFuture()
                .handle((p, t) -> t).join();
        assertThat(refused).isInstanceOf(InvalidTokenException.class).hasMessageContaining("algorithm");
        OAuthConfig rs = new OAuthConfig(issuer, List.of(), null, new OAuthConfig.ProtectedResourceMetadata(
                "http://127.0.0.1/mcp", null, List.of(), List.of("ES256", "RS256"), null, null), List.of());
        assertThat(validator.validate(rs, token(key)).toCompletionStage().toCompletableFuture().join().name())
                .isEqualTo(issuer + "#carol");
        // Another audience than the route's: refused by that tenant, accepted by the route's.
        OAuthConfig other = new OAuthConfig(issuer, List.of("another-resource"), null, null, List.of());
        assertThat(validator.validate(other, token(key)).toCompletionStage().toCompletableFuture()
                .handle((p, t) -> t).join()).isInstanceOf(InvalidTokenException.class).hasMessageContaining("audience");
        assertThat(validator.validate(route.security().oauth(), token(key)).toCompletionStage().toCompletableFuture()
                .join().name()).isEqualTo(issuer + "#carol");
    }
}
