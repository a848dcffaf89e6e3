package dev.mcpgateway.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.mcpgateway.testing.KafkaBroker;
import dev.mcpgateway.testing.McpHttp;
import dev.mcpgateway.testing.ReloadableUpstreams;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The event stream against a real Kafka broker: a scripted session's events arrive complete and in
 * order under its session key; configuration changes are events too; with the broker stopped every
 * request is still answered and the events that do not fit are counted as dropped; with the broker
 * back, events flow again.
 */
@QuarkusTest
@TestProfile(KafkaEventStreamTest.SmallBuffer.class)
@WithTestResource(ReloadableUpstreams.class)
@WithTestResource(KafkaBroker.class)
class KafkaEventStreamTest {

    /** A small buffer and few messages in flight, so an outage fills them quickly. */
    public static class SmallBuffer implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("mcp-gateway.events.buffer-size", "20",
                    "mp.messaging.outgoing.mcp-gateway-events.max-inflight-messages", "4");
        }
    }

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final String VERSION = "2025-06-18";
    static final String TOPIC = "mcp-gateway-events";
    static final int PARTITIONS = 3;
    static final List<JsonNode> EVENTS = new CopyOnWriteArrayList<>();
    static final List<String> KEYS = new CopyOnWriteArrayList<>();
    static Thread consumer;
    static volatile boolean consuming = true;

    @TestHTTPResource("/mcp")
    URI endpoint;

    @TestHTTPResource("/q/metrics")
    URI metrics;

    @TestHTTPResource("/q/health/ready")
    URI ready;

    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void consume() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.bootstrap());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, "1000");
        // The topic made up front and read by partition, without a consumer group: nothing in the
        // consumer depends on a group coordinator surviving the broker's restart.
        Properties admin = new Properties();
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.bootstrap());
        try (Admin a = Admin.create(admin)) {
            a.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            // The gateway's first event may have made it already (the broker makes 3 partitions too).
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException(e);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        consumer = new Thread(() -> {
            try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
                List<TopicPartition> partitions = IntStream.range(0, PARTITIONS).mapToObj(i -> new TopicPartition(TOPIC, i))
                        .toList();
                c.assign(partitions);
                c.seekToBeginning(partitions);
                while (consuming) {
                    for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                        try {
                            EVENTS.add(MAPPER.readTree(r.value()));
                            KEYS.add(r.key());
                        } catch (Exception e) {
                            throw new IllegalStateException("Not JSON: " + r.value(), e);
                        }
                    }
                }
            }
        }, "test-event-consumer");
        consumer.start();
    }

    @AfterAll
    static void stopConsuming() throws InterruptedException {
        consuming = false;
        consumer.join(10_000);
    }

    @Test
    void eventsOfSessionsAndConfigurationReachKafkaAndSurviveAnOutage() throws Exception {
        // Configuration: the start, a change with an authorization rule, a broken edit, a fix.
        await().atMost(Duration.ofSeconds(30)).until(() -> !ofType("config.applied").isEmpty());
        String guarded = """
                {"auth": {"authorization": {"defaultAction": "deny",
                   "rules": [{"name": "echo-only", "tools": ["alpha__echo"]}]}},
                 "mcpServers": {"alpha": {"url": "http://127.0.0.1:%d/mcp"}}}""".formatted(ReloadableUpstreams.alphaPort);
        Files.writeString(ReloadableUpstreams.config, guarded);
        await().atMost(Duration.ofSeconds(30)).until(() -> ofType("config.applied").size() >= 2);
        Files.writeString(ReloadableUpstreams.config, "{\"mcpServers\": {");
        await().atMost(Duration.ofSeconds(30)).until(() -> !ofType("config.refused").isEmpty());
        assertThat(ofType("config.refused").get(0).path("error").asText()).contains("invalid JSON");
        Files.writeString(ReloadableUpstreams.config, guarded + " ");
        await().atMost(Duration.ofSeconds(30)).until(() -> ofType("config.applied").size() >= 3);
        JsonNode applied = ofType("config.applied").get(2);
        assertThat(applied.path("routes").toString()).contains("\"default\"");
        assertThat(applied.path("source").asText()).isEqualTo(ReloadableUpstreams.config.toString());

        // A scripted session: every request and both ends of the session, in order, under its key.
        String a = McpHttp.initialize(http, endpoint, VERSION, "scripted");
        assertThat(call(a, "tools/list", "{}", null)).contains("\"result\"");
        for (int i = 0; i < 5; i++) {
            String traceparent = i == 0 ? "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" : null;
            assertThat(
                    call(a, "tools/call", "{\"name\":\"alpha__echo\",\"arguments\":{\"message\":\"m" + i + "\"}}", traceparent))
                    .contains("m" + i);
        }
        assertThat(call(a, "tools/call", "{\"name\":\"alpha__get-sum\",\"arguments\":{\"a\":1,\"b\":2}}", null))
                .contains("\"error\"");
        end(a);
        await().atMost(Duration.ofSeconds(30)).until(() -> ofSession(a).size() >= 9);
        List<JsonNode> events = ofSession(a);
        assertThat(events).extracting(e -> e.path("type").asText()).containsExactly("session.opened", "mcp.request",
                "mcp.request", "mcp.request", "mcp.request", "mcp.request", "mcp.request", "mcp.request", "session.closed");
        assertInOrder(events);
        JsonNode opened = events.get(0);
        assertThat(opened.path("schema").asText()).isEqualTo("mcp-gateway.event");
        assertThat(opened.path("version").asInt()).isEqualTo(1);
        assertThat(opened.path("protocol_version").asText()).isEqualTo(VERSION);
        assertThat(opened.path("client_info").path("name").asText()).isEqualTo("scripted");
        assertThat(opened.path("backends").toString()).isEqualTo("[\"alpha\"]");
        assertThat(events.get(1).path("method").asText()).isEqualTo("tools/list");
        assertThat(events.get(1).path("backend").asText()).isEqualTo("*");
        JsonNode first = events.get(2);
        assertThat(first.path("method").asText()).isEqualTo("tools/call");
        assertThat(first.path("kind").asText()).isEqualTo("tool");
        assertThat(first.path("name").asText()).isEqualTo("alpha__echo");
        assertThat(first.path("backend").asText()).isEqualTo("alpha");
        assertThat(first.path("route").asText()).isEqualTo("default");
        assertThat(first.path("outcome").asText()).isEqualTo("ok");
        assertThat(first.path("authorization").path("rule").asText()).isEqualTo("echo-only");
        assertThat(first.path("authorization").path("decision").asText()).isEqualTo("allow");
        assertThat(first.path("trace_id").asText()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
        assertThat(first.path("duration_ms").asDouble()).isPositive();
        assertThat(first.path("bytes_in").asLong()).isPositive();
        assertThat(first.path("bytes_out").asLong()).isPositive();
        assertThat(first.has("principal")).isFalse();
        assertThat(events.get(3).has("trace_id")).isFalse();
        JsonNode denied = events.get(7);
        assertThat(denied.path("name").asText()).isEqualTo("alpha__get-sum");
        assertThat(denied.path("outcome").asText()).isEqualTo("refused");
        assertThat(denied.path("error_code").asText()).isNotEmpty();
        assertThat(denied.path("authorization").path("decision").asText()).isEqualTo("deny");
        assertThat(events.get(8).path("reason").asText()).isEqualTo("deleted");
        assertThat(KEYS.get(EVENTS.indexOf(opened))).isEqualTo(a);

        // The broker stops: every request is still answered, and what does not fit is counted.
        KafkaBroker.stopBroker();
        String b = McpHttp.initialize(http, endpoint, VERSION, "during-outage");
        for (int i = 0; i < 40; i++) {
            assertThat(call(b, "tools/call", "{\"name\":\"alpha__echo\",\"arguments\":{\"message\":\"o" + i + "\"}}", null))
                    .contains("o" + i);
        }
        assertThat(dropped("buffer_full")).isPositive();
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        JsonNode sink = sinkCheck(MAPPER.readTree(health.body()));
        assertThat(sink.path("status").asText()).isEqualTo("UP");
        assertThat(sink.path("data").path("sink").asText()).isEqualTo("kafka");
        assertThat(sink.path("data").path("dropped_buffer_full").asLong()).isPositive();
        assertThat(sink.path("data").path("state").asText()).isIn("full", "waiting", "failing");

        // The broker is back: events flow again.
        KafkaBroker.startBroker();
        // What waited in the buffer goes out first; until it has, new events may still find it full.
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            JsonNode data = sinkCheck(MAPPER.readTree(
                    http.send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.ofString()).body()))
                    .path("data");
            return data.path("queued").asInt() == 0 && data.path("in_flight").asInt() == 0;
        });
        String c = McpHttp.initialize(http, endpoint, VERSION, "after-outage");
        for (int i = 0; i < 3; i++) {
            call(c, "tools/call", "{\"name\":\"alpha__echo\",\"arguments\":{\"message\":\"c" + i + "\"}}", null);
        }
        end(c);
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> ofSession(c).size() >= 5);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("Events after the outage did not arrive; sink: "
                    + http.send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.ofString()).body()
                    + "\nreceived: " + EVENTS.size(), e);
        }
        assertThat(ofSession(c)).extracting(e -> e.path("type").asText()).containsExactly("session.opened", "mcp.request",
                "mcp.request", "mcp.request", "session.closed");
        assertInOrder(ofSession(c));
    }

    static List<JsonNode> ofType(String type) {
        return EVENTS.stream().filter(e -> type.equals(e.path("type").asText())).toList();
    }

    static List<JsonNode> ofSession(String session) {
        return EVENTS.stream().filter(e -> session.equals(e.path("session").asText())).toList();
    }

    /** One replica numbers its events: within a session's key they arrive in that order. */
    static void assertInOrder(List<JsonNode> events) {
        long last = 0;
        for (JsonNode e : events) {
            assertThat(e.path("seq").asLong()).isGreaterThan(last);
            last = e.path("seq").asLong();
        }
    }

    String call(String session, String method, String params, String traceparent) throws Exception {
        HttpRequest.Builder r = McpHttp.request(endpoint, VERSION).header("Content-Type", "application/json")
                .header("Mcp-Session-Id", session).timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers
                        .ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + method + "\",\"params\":" + params + "}"));
        if (traceparent != null) {
            r.header("traceparent", traceparent);
        }
        HttpResponse<String> response = http.send(r.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    void end(String session) throws Exception {
        HttpResponse<Void> r = http.send(McpHttp.request(endpoint, VERSION).header("Mcp-Session-Id", session).DELETE().build(),
                HttpResponse.BodyHandlers.discarding());
        assertThat(r.statusCode()).isIn(200, 204);
    }

    double dropped(String reason) throws Exception {
        String text = http.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("mcp_gateway_eventstream_dropped_total\\{[^}]*reason=\"" + reason + "\"[^}]*} ([0-9.E]+)")
                .matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    static JsonNode sinkCheck(JsonNode health) {
        for (JsonNode check : health.path("checks")) {
            if ("Event sink".equals(check.path("name").asText())) {
                return check;
            }
        }
        throw new AssertionError("No event sink check in " + health);
    }
}
