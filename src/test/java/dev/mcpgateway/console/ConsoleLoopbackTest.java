package dev.mcpgateway.console;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.testing.NodePeers;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** Without credentials, on a gateway bound to 127.0.0.1, the console serves local callers as they are. */
@QuarkusTest
@WithTestResource(ConsoleLoopbackTest.NoCredentials.class)
class ConsoleLoopbackTest {

    public static class NoCredentials implements QuarkusTestResourceLifecycleManager {
        Path config;

        @Override
        public Map<String, String> start() {
            ObjectNode root = new ObjectMapper().createObjectNode();
            root.putObject("mcpServers").putObject("nowhere").put("url", "http://127.0.0.1:9/mcp");
            config = NodePeers.writeConfig("console-loopback-", root);
            return Map.of("mcp-gateway.config-file", config.toString(), "mcp-gateway.console.enabled", "true");
        }

        @Override
        public void stop() {
            NodePeers.deleteQuietly(config);
        }
    }

    @Test
    void aLocalCallerNeedsNoKey() {
        given().get("/console/api/auth").then().statusCode(200).body("required", equalTo(false));
        given().get("/console/api/routes").then().statusCode(200).body("routes.path", hasItem("/mcp"));
        given().get("/console/").then().statusCode(200);
    }
}
