package dev.mcpgateway.federation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.mcpgateway.testing.HeaderRecordingUpstream;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;

/**
 * A backend added by a hot reload is opened from sessions that already exist with the same
 * credentials toward it as a backend that was there from the start: here the API-key client id the
 * route forwards upstream.
 */
@QuarkusTest
@WithTestResource(ReloadCredentialsTest.Upstreams.class)
class ReloadCredentialsTest {

    static final String KEY = "ci-key-0123456789abcdef";

    public static class Upstreams implements QuarkusTestResourceLifecycleManager {
        static HeaderRecordingUpstream first;
        static HeaderRecordingUpstream added;
        static Path config;

        @Override
        public Map<String, String> start() {
            first = new HeaderRecordingUpstream();
            added = new HeaderRecordingUpstream();
            try {
                config = Files.createTempFile("reload-credentials-", ".json");
                Files.writeString(config, json(false));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.of("mcp-gateway.config-file", config.toString(), "mcp-gateway.config-reload-interval", "200ms");
        }

        static String json(boolean withAdded) {
            return """
                    {"auth": {"apiKeys": {"keys": {"ci": "%s"}, "forwardClientIdHeader": "X-Client-Id"}},
                     "mcpServers": {"first": {"url": "%s"}%s}}""".formatted(KEY, first.url(),
                    withAdded ? ", \"added\": {\"url\": \"" + added.url() + "\"}" : "");
        }

        @Override
        public void stop() {
            first.close();
            added.close();
        }
    }

    Response post(String session, String body) {
        var spec = RestAssured.given().header("X-API-Key", KEY).header("Accept", "application/json, text/event-stream")
                .contentType("application/json").header("MCP-Protocol-Version", "2025-06-18");
        if (session != null) {
            spec = spec.header("Mcp-Session-Id", session);
        }
        return spec.body(body).post("/mcp");
    }

    @Test
    void backendAddedByReloadGetsTheCallersCredentials() throws Exception {
        Response init = post(null, """
                {"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},
                 "clientInfo":{"name":"reload-credentials","version":"1"}}}""");
        String session = init.header("Mcp-Session-Id");
        assertThat(session).isNotNull();
        assertThat(Upstreams.first.first("initialize")).containsEntry("X-Client-Id", "ci");

        Files.writeString(Upstreams.config, Upstreams.json(true));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                post(session, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}").body().asString())
                .contains("added__ping_me"));

        Map<String, String> opened = Upstreams.added.first("initialize");
        assertThat(opened).as("initialize toward the added backend").containsEntry("X-Client-Id", "ci");
        assertThat(Upstreams.added.first("notifications/initialized")).containsEntry("X-Client-Id", "ci");
        assertThat(post(session, """
                {"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"added__ping_me","arguments":{}}}""")
                .body().asString()).contains("pong");
        assertThat(Upstreams.added.first("tools/call")).containsEntry("X-Client-Id", "ci");
    }
}
