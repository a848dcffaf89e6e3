package dev.mcpgateway.federation;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.mcpgateway.testing.HeaderRecordingUpstream;
import dev.mcpgateway.testing.NodePeers;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/** One principal cannot open sessions (and upstream sessions with them) without bound. */
@QuarkusTest
@WithTestResource(SessionLimitTest.Upstream.class)
class SessionLimitTest {

    static final String ALICE = "alice-key-0123456789abcdef";
    static final String BOB = "bob-key-0123456789abcdefgh";

    public static class Upstream implements QuarkusTestResourceLifecycleManager {
        HeaderRecordingUpstream upstream;
        java.nio.file.Path config;

        @Override
        public Map<String, String> start() {
            upstream = new HeaderRecordingUpstream();
            var root = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
            root.putObject("auth").putObject("apiKeys").putObject("keys").put("alice", ALICE).put("bob", BOB);
            root.putObject("mcpServers").putObject("only").put("url", upstream.url());
            config = NodePeers.writeConfig("session-limit-", root);
            return Map.of("mcp-gateway.config-file", config.toString(), "mcp-gateway.limits.max-sessions-per-principal", "2");
        }

        @Override
        public void stop() {
            upstream.close();
            NodePeers.deleteQuietly(config);
        }
    }

    static Response initialize(String key) {
        return given().basePath("/mcp").header("X-API-Key", key).header("Accept", "application/json, text/event-stream")
                .contentType(ContentType.JSON)
                .body("""
                        {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},
                         "clientInfo":{"name":"session-limit","version":"1"}}}""")
                .post();
    }

    @Test
    void aPrincipalAtItsLimitGetsAClearErrorUntilItEndsASession() {
        String first = initialize(ALICE).then().statusCode(200).extract().header("Mcp-Session-Id");
        initialize(ALICE).then().statusCode(200).header("Mcp-Session-Id", org.hamcrest.Matchers.notNullValue());
        Response third = initialize(ALICE);
        assertThat(third.statusCode()).isEqualTo(200);
        assertThat(third.header("Mcp-Session-Id")).isNull();
        assertThat(third.body().asString()).contains("max-sessions-per-principal").contains("-32600");
        // Another principal is not affected.
        initialize(BOB).then().statusCode(200).header("Mcp-Session-Id", org.hamcrest.Matchers.notNullValue());

        given().basePath("/mcp").header("X-API-Key", ALICE).header("Mcp-Session-Id", first).delete().then().statusCode(200);
        initialize(ALICE).then().statusCode(200).header("Mcp-Session-Id", org.hamcrest.Matchers.notNullValue());
    }
}
