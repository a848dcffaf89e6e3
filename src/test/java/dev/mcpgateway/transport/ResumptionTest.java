package dev.mcpgateway.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.mcpgateway.testing.EverythingUpstreams;
import dev.mcpgateway.testing.McpHttp;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Cuts a POST event stream mid-way with raw HTTP and resumes it with {@code Last-Event-ID}: every
 * event arrives exactly once, in order, and only that stream's events.
 */
@QuarkusTest
@WithTestResource(EverythingUpstreams.class)
class ResumptionTest {

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final String V = "2025-11-25";

    @TestHTTPResource("/mcp")
    URI endpoint;

    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
            .build();
    String session;

    record Event(String id, String data) {
    }

    HttpRequest.Builder request() {
        return McpHttp.request(endpoint, V);
    }

    @BeforeEach
    void initialize() throws Exception {
        session = McpHttp.initialize(http, endpoint, V, "resume-test");
    }

    /**
     * Reads events until {@code stopAfter} events with data were read, or for 0 until the first event
     * of any kind; -1 reads to the end of the stream.
     */
    static List<Event> read(InputStream in, int stopAfter) throws Exception {
        List<Event> events = new ArrayList<>();
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String id = null;
        StringBuilder data = new StringBuilder();
        int withData = 0;
        String line;
        while ((line = reader.readLine()) != null) {
            if (line.isEmpty()) {
                if (id != null || !data.isEmpty()) {
                    events.add(new Event(id, data.toString()));
                    if (stopAfter == 0 || (!data.isEmpty() && ++withData == stopAfter)) {
                        return events;
                    }
                }
                id = null;
                data.setLength(0);
            } else if (line.startsWith("id:")) {
                id = line.substring(3).trim();
            } else if (line.startsWith("data:")) {
                data.append(line.substring(5).trim());
            }
        }
        return events;
    }

    InputStream longCall(int steps) throws Exception {
        String body = """
                {"jsonrpc":"2.0","id":42,"method":"tools/call","params":{"name":"beta__trigger-long-running-operation",
                 "arguments":{"duration":2,"steps":%d},"_meta":{"progressToken":"tok"}}}""".formatted(steps);
        HttpResponse<InputStream> resp = http.send(request().header("Content-Type", "application/json")
                .header("Mcp-Session-Id", session).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(resp.statusCode()).isEqualTo(200);
        assertThat(resp.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        return resp.body();
    }

    InputStream resume(String lastEventId) throws Exception {
        HttpResponse<InputStream> resp = http.send(request().header("Mcp-Session-Id", session)
                .header("Last-Event-ID", lastEventId).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(resp.statusCode()).isEqualTo(200);
        return resp.body();
    }

    static List<JsonNode> messages(List<Event> events) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (Event e : events) {
            if (!e.data().isEmpty()) {
                out.add(MAPPER.readTree(e.data()));
            }
        }
        return out;
    }

    @Test
    void cutStreamResumesWithEveryEventOnceInOrder() throws Exception {
        InputStream first = longCall(6);
        List<Event> before = read(first, 2);
        first.close();
        assertThat(before.get(0).data()).as("priming event").isEmpty();
        assertThat(before.get(0).id()).endsWith(":0");
        String last = before.get(before.size() - 1).id();

        List<Event> after;
        try (InputStream second = resume(last)) {
            after = read(second, -1);
        }
        List<JsonNode> all = messages(before);
        all.addAll(messages(after));
        List<Double> progress = new ArrayList<>();
        int responses = 0;
        for (JsonNode m : all) {
            if ("notifications/progress".equals(m.path("method").asText())) {
                assertThat(m.path("params").path("progressToken").asText()).isEqualTo("tok");
                progress.add(m.path("params").path("progress").asDouble());
            } else if (m.has("result")) {
                responses++;
                assertThat(m.path("id").asInt()).isEqualTo(42);
            }
        }
        assertThat(progress).containsExactly(1.0, 2.0, 3.0, 4.0, 5.0, 6.0);
        assertThat(responses).isEqualTo(1);
        // Event ids of one stream, strictly increasing across the cut.
        List<Long> seqs = new ArrayList<>();
        String stream = last.substring(0, last.lastIndexOf(':'));
        for (Event e : before) {
            seqs.add(Long.parseLong(e.id().substring(e.id().lastIndexOf(':') + 1)));
            assertThat(e.id()).startsWith(stream + ":");
        }
        for (Event e : after) {
            assertThat(e.id()).startsWith(stream + ":");
            seqs.add(Long.parseLong(e.id().substring(e.id().lastIndexOf(':') + 1)));
        }
        assertThat(seqs).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void resumingFromThePrimingEventReplaysEverything() throws Exception {
        InputStream first = longCall(3);
        List<Event> priming = read(first, 0);
        first.close();
        assertThat(priming).isNotEmpty();
        List<Event> all;
        try (InputStream again = resume(priming.get(0).id())) {
            all = read(again, -1);
        }
        List<JsonNode> messages = messages(all);
        assertThat(messages).hasSize(4);
        assertThat(messages.get(3).path("result").path("content").get(0).path("text").asText()).contains("Steps: 3");
    }

    @Test
    void anotherSessionCannotResumeTheStream() throws Exception {
        InputStream first = longCall(2);
        List<Event> events = read(first, 1);
        first.close();
        String mine = session;
        initialize();
        assertThat(session).isNotEqualTo(mine);
        HttpResponse<String> resp = http.send(request().header("Mcp-Session-Id", session)
                .header("Last-Event-ID", events.get(events.size() - 1).id()).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(resp.statusCode()).isEqualTo(404);
    }
}
