package dev.mcpgateway.security;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.startsWith;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.testing.NodePeers;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/**
 * A route whose authorization server cannot be reached: the gateway starts (Quarkus OIDC makes no
 * call before the first token), a request without a token still gets the 401 challenge, and a
 * token that cannot be checked gets 503, not 401 (the token may well be good).
 */
@QuarkusTest
@WithTestResource(UnreachableIssuerTest.Config.class)
class UnreachableIssuerTest {

    static final String INIT = """
            {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",
             "capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""";

    public static class Config implements QuarkusTestResourceLifecycleManager {
        Path config;

        @Override
        public Map<String, String> start() {
            ObjectNode root = new ObjectMapper().createObjectNode();
            // Nothing listens on these ports.
            root.putObject("auth").putObject("oauth").put("issuer", "http://127.0.0.1:" + NodePeers.freePort() + "/realms/x")
                    .put("resource", "http://127.0.0.1/mcp");
            root.putObject("mcpServers").putObject("nowhere").put("url", "http://127.0.0.1:9/mcp");
            config = NodePeers.writeConfig("unreachable-issuer-", root);
            return Map.of("mcp-gateway.config-file", config.toString(), "mcp-gateway.auth.request-timeout", "2s");
        }

        @Override
        public void stop() {
            NodePeers.deleteQuietly(config);
        }
    }

    @Test
    void noTokenIsChallengedAndAnUncheckableTokenIsUnavailable() {
        given().basePath("/mcp").header("Accept", "application/json, text/event-stream").contentType(ContentType.JSON)
                .body(INIT).post().then().statusCode(401).header("WWW-Authenticate", startsWith("Bearer resource_metadata="));
        String token = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsifQ.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
        given().basePath("/mcp").header("Accept", "application/json, text/event-stream").contentType(ContentType.JSON)
                .header("Authorization", "Bearer " + token).body(INIT).post().then().statusCode(503);
    }
}
