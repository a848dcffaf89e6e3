package dev.mcpgateway.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.mcpgateway.testing.McpHttp;
import dev.mcpgateway.testing.ReloadableUpstreams;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * {@code sink=log}: each event is one record of {@code dev.mcpgateway.events} holding valid JSON,
 * whatever a client put in the names it sent; the readiness entry reports the sink.
 */
@QuarkusTest
@TestProfile(LogEventSinkTest.LogSink.class)
@WithTestResource(ReloadableUpstreams.class)
class LogEventSinkTest {

    public static class LogSink implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("mcp-gateway.events.sink", "log", "mcp-gateway.replica-name", "replica-\"1\"");
        }
    }

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final String VERSION = "2025-11-25";

    @TestHTTPResource("/mcp")
    URI endpoint;

    @TestHTTPResource("/q/health/ready")
    URI ready;

    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    final List<String> records = new CopyOnWriteArrayList<>();
    final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            records.add(record.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void listen() {
        Logger.getLogger("dev.mcpgateway.events").addHandler(capture);
    }

    @AfterEach
    void stop() {
        Logger.getLogger("dev.mcpgateway.events").removeHandler(capture);
    }

    @Test
    void eachEventIsOneRecordOfValidJson() throws Exception {
        String session = McpHttp.initialize(http, endpoint, VERSION, "log\\nsink \\\"client\\\"");
        String name = "x\n\"forged\":\"yes\",\u0000\u2028";
        HttpResponse<String> r = http.send(McpHttp.request(endpoint, VERSION).header("Content-Type", "application/json")
                .header("Mcp-Session-Id", session).POST(HttpRequest.BodyPublishers.ofString(
                        "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":"
                                + MAPPER.writeValueAsString(name) + ",\"arguments\":{}}}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(10)).until(() -> records.stream().anyMatch(m -> m.contains("mcp.request")));
        List<JsonNode> events = records.stream().map(LogEventSinkTest::json)
                .filter(e -> session.equals(e.path("session").asText()))
                .toList();
        assertThat(events).extracting(e -> e.path("type").asText()).containsExactly("session.opened", "mcp.request");
        assertThat(events.get(0).path("client_info").path("name").asText()).isEqualTo("log\nsink \"client\"");
        JsonNode call = events.get(1);
        assertThat(call.path("name").asText()).isEqualTo(name);
        assertThat(call.has("forged")).isFalse();
        assertThat(call.path("replica").asText()).isEqualTo("replica-\"1\"");
        assertThat(call.path("outcome").asText()).isEqualTo("error");
        assertThat(call.path("error_code").asText()).isEqualTo("-32602");
        assertThat(call.path("protocol_version").asText()).isEqualTo(VERSION);
        assertThat(records).allSatisfy(m -> assertThat(m).doesNotContain("\n"));

        JsonNode health = MAPPER.readTree(
                http.send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.ofString()).body());
        JsonNode sink = KafkaEventStreamTest.sinkCheck(health);
        assertThat(sink.path("status").asText()).isEqualTo("UP");
        assertThat(sink.path("data").path("sink").asText()).isEqualTo("log");
        assertThat(sink.path("data").path("delivered").asLong()).isPositive();
    }

    static JsonNode json(String message) {
        try {
            return MAPPER.readTree(message);
        } catch (Exception e) {
            throw new AssertionError("Not one JSON object: " + message, e);
        }
    }
}
