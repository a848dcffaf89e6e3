package dev.mcpgateway.robustness;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.mcpgateway.testing.EverythingUpstreams;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Sends 13,000 generated requests (malformed JSON-RPC, wrong types, huge and deep bodies, bad
 * headers, batches, forged sessions and ids, random bytes) at a gateway fronting real
 * server-everything upstreams over Streamable HTTP and stdio, eight at a time. The gateway must
 * answer every one with a status below 500, within 10 s, without dropping a connection, and still
 * serve a normal client afterwards. The outcome per category goes to {@code target/fuzz-report.md};
 * {@code -Dfuzz.seed=N} replays another run, {@code -Dfuzz.only=I} sends request I alone.
 */
@QuarkusTest
@WithTestResource(EverythingUpstreams.class)
class HttpFuzzTest {

    static final long SEED = Long.getLong("fuzz.seed", 1975L);
    static final int CONCURRENCY = 8;
    static final Duration ANSWER_WITHIN = Duration.ofSeconds(10);
    static final String INIT = """
            {"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"%s",
             "capabilities":{},"clientInfo":{"name":"fuzz","version":"1"}}}""";

    @TestHTTPResource("/mcp")
    URI mcp;

    @TestHTTPResource("/q/health")
    URI health;

    static HttpClient http;

    @BeforeAll
    static void client() {
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void close() {
        if (http != null) {
            http.close();
        }
    }

    @Test
    void thousandsOfBadRequestsGetA4xxOrAnErrorNeverA5xxAHangOrAReset() throws Exception {
        List<String> sessions = new ArrayList<>();
        String modern = initialize("2025-06-18", sessions);
        String legacy = initialize("2025-03-26", sessions);
        String latest = initialize("2025-11-25", sessions);
        FuzzRequests requests = new FuzzRequests(SEED, modern, legacy, latest);
        FuzzTally tally = new FuzzTally();
        Integer only = Integer.getInteger("fuzz.only");

        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(CONCURRENCY);
        try {
            List<Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < FuzzRequests.total(); i++) {
                if (only != null && only != i) {
                    continue;
                }
                FuzzRequests.Fuzz fuzz = requests.request(i);
                sent.add(pool.submit(() -> send(fuzz, tally)));
            }
            for (Future<?> f : sent) {
                f.get();
            }
        } finally {
            pool.shutdown();
            pool.awaitTermination(1, TimeUnit.MINUTES);
        }
        long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        Path report = Path.of("target", "fuzz-report.md");
        Files.createDirectories(report.getParent());
        Files.writeString(report, tally.markdown(SEED, CONCURRENCY, elapsed));

        assertThat(tally.failures()).as("5xx, resets or hangs; see %s", report.toAbsolutePath()).isEmpty();
        if (only == null) {
            FuzzRequests.CATEGORIES.forEach((category, count) -> assertThat(tally.count(category)).as(category)
                    .isEqualTo(count.longValue()));
        }
        assertStillServesANormalClient();
    }

    private void send(FuzzRequests.Fuzz fuzz, FuzzTally tally) {
        HttpRequest.Builder b = HttpRequest.newBuilder(mcp).timeout(ANSWER_WITHIN);
        fuzz.headers().forEach(b::header);
        b.method(fuzz.method(), fuzz.body() == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(fuzz.body()));
        long start = System.nanoTime();
        try {
            HttpResponse<byte[]> response = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            String body = new String(response.body(), StandardCharsets.UTF_8);
            tally.answered(fuzz, response.statusCode(), body, millis);
            // The client's timeout covers the head only; a stream may still take long to end.
            if (millis > ANSWER_WITHIN.toMillis()) {
                tally.failed(fuzz, "over-10s", new IllegalStateException(millis + " ms: " + FuzzTally.abbreviate(body)),
                        millis);
            }
        } catch (HttpTimeoutException e) {
            tally.failed(fuzz, "timeout", e, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        } catch (IOException e) {
            tally.failed(fuzz, "connection-error", e, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String initialize(String version, List<String> sessions) throws Exception {
        HttpResponse<String> r = post(null, version, INIT.formatted(version));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String id = r.headers().firstValue("Mcp-Session-Id").orElseThrow();
        sessions.add(id);
        post(id, version, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        return id;
    }

    private HttpResponse<String> post(String session, String version, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(mcp).timeout(ANSWER_WITHIN)
                .header("Accept", FuzzRequests.ACCEPT).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (session != null) {
            b.header("Mcp-Session-Id", session).header("MCP-Protocol-Version", version);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Found by this run: such a request used to reach a stdio backend that never answered it. */
    @Test
    void metaThatIsNotAnObjectIsRefusedBeforeItReachesABackend() throws Exception {
        String session = initialize("2025-06-18", new ArrayList<>());
        for (String meta : List.of("\"x\"", "null", "[1]", "7")) {
            HttpResponse<String> r = post(session, "2025-06-18", """
                    {"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"gamma__echo","arguments":{"message":"m"},
                     "_meta":%s}}""".formatted(meta));

            assertThat(r.statusCode()).as(meta).isEqualTo(400);
            assertThat(r.body()).as(meta).contains("\"code\":-32602").doesNotContain("gamma");
        }
    }

    /** A normal client still gets through: initialize, list, call; and health is UP. */
    private void assertStillServesANormalClient() throws Exception {
        String session = initialize("2025-06-18", new ArrayList<>());
        HttpResponse<String> list = post(session, "2025-06-18", "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}");
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(list.body()).contains("\"alpha__echo\"", "\"gamma__echo\"", "\"beta__get-sum\"");
        for (String tool : List.of("alpha__echo", "gamma__echo")) {
            HttpResponse<String> call = post(session, "2025-06-18",
                    """
                            {"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"%s","arguments":{"message":"still here"}}}"""
                            .formatted(tool));
            assertThat(call.statusCode()).isEqualTo(200);
            JsonNode answer = dev.mcpgateway.jsonrpc.JsonRpcCodec
                    .parseTree(lastJson(call.body()).getBytes(StandardCharsets.UTF_8));
            assertThat(answer.path("result").path("content").path(0).path("text").asText()).as(call.body())
                    .isEqualTo("Echo: still here");
        }
        HttpResponse<String> up = http.send(HttpRequest.newBuilder(health).timeout(ANSWER_WITHIN).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(up.statusCode()).as(up.body()).isEqualTo(200);
        assertThat(up.body()).contains("\"status\": \"UP\"");
    }

    /** The JSON of a plain JSON answer, or of the last data line of an event stream. */
    static String lastJson(String body) {
        if (body.startsWith("{")) {
            return body;
        }
        String last = null;
        for (String line : body.split("\r\n|\r|\n")) {
            if (line.startsWith("data:")) {
                last = line.substring(5).trim();
            }
        }
        return last == null ? body : last;
    }

    static Map<String, Integer> categories() {
        return FuzzRequests.CATEGORIES;
    }
}
