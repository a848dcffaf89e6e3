package dev.mcpgateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.mcpgateway.testing.ReloadableUpstreams;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Editing the configuration changes routing without a restart: a new backend appears, a filter
 * applies at once, open sessions are told their lists changed, and a broken edit changes nothing.
 */
@QuarkusTest
@WithTestResource(ReloadableUpstreams.class)
class HotReloadTest {

    static final ObjectMapper MAPPER = new ObjectMapper();

    @TestHTTPResource("/mcp")
    URI endpoint;

    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    String session;

    HttpRequest.Builder request() {
        HttpRequest.Builder b = HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(20))
                .header("Accept", "application/json, text/event-stream").header("Content-Type", "application/json")
                .header("MCP-Protocol-Version", "2025-06-18");
        return session == null ? b : b.header("Mcp-Session-Id", session);
    }

    HttpResponse<String> serverCard(String ifNoneMatch) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(endpoint.resolve("/mcp/server-card")).timeout(Duration.ofSeconds(20));
        if (ifNoneMatch != null) {
            b.header("If-None-Match", ifNoneMatch);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode post(String body) throws Exception {
        HttpResponse<String> r = http.send(request().POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        String text = r.body();
        if (r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream")) {
            String last = null;
            for (String line : text.split("\n")) {
                if (line.startsWith("data:") && line.length() > 6) {
                    last = line.substring(5).trim();
                }
            }
            text = last;
        }
        return text == null || text.isBlank() ? MAPPER.createObjectNode() : MAPPER.readTree(text);
    }

    List<String> tools() throws Exception {
        List<String> names = new ArrayList<>();
        post("{\"jsonrpc\":\"2.0\",\"id\":\"l\",\"method\":\"tools/list\"}").path("result").path("tools")
                .forEach(t -> names.add(t.path("name").asText()));
        return names;
    }

    @Test
    void editsApplyWithoutRestart() throws Exception {
        HttpResponse<String> init = http.send(request().POST(HttpRequest.BodyPublishers.ofString("""
                {"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},
                 "clientInfo":{"name":"reload-test","version":"1"}}}""")).build(), HttpResponse.BodyHandlers.ofString());
        session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
        post("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");

        List<String> notifications = new ArrayList<>();
        HttpResponse<InputStream> stream = http.send(request().GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(stream.statusCode()).isEqualTo(200);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("data:") && line.contains("list_changed")) {
                        synchronized (notifications) {
                            notifications.add(MAPPER.readTree(line.substring(5).trim()).path("method").asText());
                        }
                    }
                }
            } catch (Exception ignored) {
                // The stream ends with the test.
            }
        });
        reader.setDaemon(true);
        reader.start();

        assertThat(tools()).contains("alpha__echo").noneMatch(n -> n.startsWith("beta__"));
        HttpResponse<String> card = serverCard(null);
        assertThat(card.body()).contains("1 server: alpha");
        String etag = card.headers().firstValue("ETag").orElseThrow();

        Files.writeString(ReloadableUpstreams.config, """
                {"mcpServers": {
                  "alpha": {"url": "http://127.0.0.1:%d/mcp", "excludeTools": ["echo"]},
                  "beta": {"url": "http://127.0.0.1:%d/mcp"}
                }}""".formatted(ReloadableUpstreams.alphaPort, ReloadableUpstreams.betaPort));
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            synchronized (notifications) {
                return notifications.contains("notifications/tools/list_changed");
            }
        });
        List<String> after = tools();
        assertThat(after).contains("beta__echo", "alpha__get-sum").doesNotContain("alpha__echo");
        JsonNode refused = post(
                """
                        {"jsonrpc":"2.0","id":"c","method":"tools/call","params":{"name":"alpha__echo","arguments":{"message":"x"}}}""");
        assertThat(refused.path("error").path("code").asInt()).isEqualTo(-32602);
        JsonNode viaBeta = post(
                """
                        {"jsonrpc":"2.0","id":"d","method":"tools/call","params":{"name":"beta__echo","arguments":{"message":"new"}}}""");
        assertThat(viaBeta.path("result").path("content").get(0).path("text").asText()).isEqualTo("Echo: new");
        // The route's server card follows the edit: a client revalidating its copy gets the new one.
        HttpResponse<String> newCard = serverCard(etag);
        assertThat(newCard.statusCode()).isEqualTo(200);
        assertThat(newCard.body()).contains("2 servers: alpha, beta");
        assertThat(serverCard(newCard.headers().firstValue("ETag").orElseThrow()).statusCode()).isEqualTo(304);

        // A broken edit is refused: the last good configuration stays.
        Files.writeString(ReloadableUpstreams.config, "{\"mcpServers\": {\"alpha\": ");
        Thread.sleep(800);
        assertThat(tools()).containsAll(after);
    }
}
