package dev.mcpgateway.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.mcpgateway.session.EventLog.StoredEvent;
import dev.mcpgateway.testing.FloodingUpstream;
import dev.mcpgateway.testing.McpHttp;
import dev.mcpgateway.testing.RawHttp;
import dev.mcpgateway.testing.RawHttp.SseEvent;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * A client that stops reading while its upstream floods it with large notifications: the gateway
 * holds at most {@code limits.stream-write-queue} bytes for that stream, then closes it; the
 * client resumes with {@code Last-Event-ID} and the log replays what it missed, in order.
 */
@QuarkusTest
@TestProfile(SlowReaderTest.SmallWriteQueue.class)
@WithTestResource(FloodingUpstream.class)
class SlowReaderTest {

    static final long BOUND = 256 * 1024;
    /** More than the whole flood: a stream that was never closed reads this much and fails. */
    static final long MAX_READ = 64L * 1024 * 1024;
    static final String V = "2025-11-25";
    static final ObjectMapper MAPPER = new ObjectMapper();

    /**
     * A bound small enough that the flood passes it many times over; a log that keeps every event of
     * the flood (the upstream may be listened to more than once), so a resume finds them all.
     */
    public static class SmallWriteQueue implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("mcp-gateway.limits.stream-write-queue", "256K", "mcp-gateway.max-events-per-stream", "10000");
        }
    }

    @TestHTTPResource("/mcp")
    URI endpoint;

    @Inject
    SseWriters writers;

    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    String session;

    HttpRequest.Builder request() {
        return McpHttp.request(endpoint, V);
    }

    @BeforeEach
    void initialize() throws Exception {
        session = McpHttp.initialize(http, endpoint, V, "slow-reader");
        writers.resetStatistics();
    }

    @Test
    void getStreamOfAReaderThatStopsIsClosedAtTheBoundAndResumesFromTheLog() throws Exception {
        List<SseEvent> received;
        try (Socket socket = RawHttp.connect(endpoint, 4096)) {
            RawHttp.send(socket, "GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                    + "Mcp-Session-Id: " + session + "\r\nMCP-Protocol-Version: " + V + "\r\n\r\n");
            // The upstream sends everything (the gateway reads it into the log) while this client reads nothing.
            await().atMost(Duration.ofSeconds(60)).until(() -> FloodingUpstream.sent() >= FloodingUpstream.EVENTS);
            await().atMost(Duration.ofSeconds(20)).until(() -> writers.overflows() >= 1);
            assertThat(writers.peakQueuedBytes()).as("bytes waiting for the slow stream").isPositive()
                    .isLessThanOrEqualTo(BOUND);
            // What the kernel buffered before the close, then the end of the stream (not an endless wait).
            socket.setSoTimeout(20_000);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            assertThat(RawHttp.readHead(in)).startsWith("HTTP/1.1 200");
            received = RawHttp.events(RawHttp.readChunkedToEnd(in, MAX_READ));
        }
        List<SseEvent> logged = received.stream().filter(e -> !e.data().isEmpty()).toList();
        assertThat(logged).as("events before the close").isNotEmpty().hasSizeLessThan(FloodingUpstream.EVENTS);
        String lastId = logged.get(logged.size() - 1).id();
        StoredEvent last = StoredEvent.parseId(lastId);

        List<SseEvent> resumed = resume(lastId, 5);
        assertThat(resumed).hasSize(5);
        for (int i = 0; i < resumed.size(); i++) {
            StoredEvent e = StoredEvent.parseId(resumed.get(i).id());
            assertThat(e.streamId()).isEqualTo(last.streamId());
            assertThat(e.seq()).as("resumed event %d", i).isEqualTo(last.seq() + 1 + i);
        }
        int lastIndex = index(logged.get(logged.size() - 1));
        assertThat(index(resumed.get(0))).as("the notification after the last one read").isEqualTo(lastIndex + 1);
    }

    @Test
    void postStreamOfAReaderThatStopsIsClosedAtTheBoundAndItsResponseReplays() throws Exception {
        String body = """
                {"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"flood__flood","arguments":{},
                 "_meta":{"progressToken":"p"}}}""";
        List<SseEvent> received;
        try (Socket socket = RawHttp.connect(endpoint, 4096)) {
            RawHttp.send(socket, "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json, text/event-stream\r\n"
                    + "Content-Type: application/json\r\nMcp-Session-Id: " + session + "\r\nMCP-Protocol-Version: " + V
                    + "\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body);
            await().atMost(Duration.ofSeconds(60)).until(() -> writers.overflows() >= 1);
            assertThat(writers.peakQueuedBytes()).isPositive().isLessThanOrEqualTo(BOUND);
            socket.setSoTimeout(20_000);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            assertThat(RawHttp.readHead(in)).startsWith("HTTP/1.1 200");
            received = RawHttp.events(RawHttp.readChunkedToEnd(in, MAX_READ));
        }
        assertThat(received).isNotEmpty();
        String lastId = received.get(received.size() - 1).id();
        assertThat(lastId).isNotNull();
        // Resuming reads the rest of the stream, up to the response, and the stream ends there. While
        // the flood is still being logged, a resumed stream may itself fall behind and be cut: resume again.
        List<SseEvent> rest = resume(lastId, -1);
        JsonNode response = MAPPER.readTree(rest.get(rest.size() - 1).data());
        assertThat(response.path("id").asInt()).isEqualTo(7);
        assertThat(response.path("result").path("content").get(0).path("text").asText()).isEqualTo("flooded");
        long firstSeq = StoredEvent.parseId(rest.get(0).id()).seq();
        assertThat(firstSeq).isEqualTo(StoredEvent.parseId(lastId).seq() + 1);
        assertThat(received.size() - 1 + rest.size()).as("priming, every progress notification and the response")
                .isEqualTo(FloodingUpstream.EVENTS + 1);
    }

    /** The flood's own counter, at the start of each notification's data. */
    static int index(SseEvent e) throws Exception {
        String data = MAPPER.readTree(e.data()).path("params").path("data").asText();
        return Integer.parseInt(data.substring(0, data.indexOf(':')));
    }

    /**
     * Resumes after {@code lastEventId} (until it has {@code count} events with data), once more after
     * the last event read when the stream is cut; -1 reads one stream to its end or cut.
     */
    List<SseEvent> resume(String lastEventId, int count) throws Exception {
        List<SseEvent> out = new ArrayList<>();
        String from = lastEventId;
        for (int attempt = 0; attempt < 20; attempt++) {
            HttpResponse<InputStream> resp = http.send(request().header("Mcp-Session-Id", session)
                    .header("Last-Event-ID", from).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(resp.statusCode()).isEqualTo(200);
            boolean cut = false;
            try (InputStream in = resp.body()) {
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                String id = null;
                StringBuilder data = new StringBuilder();
                String line;
                while ((count < 0 || out.size() < count) && (line = reader.readLine()) != null) {
                    if (line.isEmpty()) {
                        if (!data.isEmpty()) {
                            out.add(new SseEvent(id, data.toString()));
                            from = id;
                        }
                        id = null;
                        data.setLength(0);
                    } else if (line.startsWith("id:")) {
                        id = line.substring(3).trim();
                    } else if (line.startsWith("data:")) {
                        data.append(line.substring(5).trim());
                    }
                }
            } catch (java.io.IOException e) {
                cut = true;
            }
            if (!cut || count >= 0 && out.size() >= count) {
                return out;
            }
        }
        return out;
    }
}
