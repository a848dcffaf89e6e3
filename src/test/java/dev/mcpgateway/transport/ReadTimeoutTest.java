package dev.mcpgateway.transport;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.mcpgateway.testing.FaultyUpstreams;
import dev.mcpgateway.testing.RawHttp;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/**
 * Clients that trickle: a request head sent a line at a time, a body that stops half-way. With
 * one-second limits each connection is answered 408 and closed within a few seconds, while a body
 * that keeps coming, however slowly, and an open event stream are left alone.
 */
@QuarkusTest
@TestProfile(ReadTimeoutTest.OneSecond.class)
@WithTestResource(FaultyUpstreams.class)
class ReadTimeoutTest {

    static final String INIT = """
            {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",
             "capabilities":{},"clientInfo":{"name":"read-timeout-test","version":"1"}}}""";

    /** Limits small enough to see at work. */
    public static class OneSecond implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("mcp-gateway.limits.header-timeout", "1s", "mcp-gateway.limits.body-stall-timeout", "1s");
        }
    }

    @TestHTTPResource("/mcp")
    URI endpoint;

    final ScheduledExecutorService trickler = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stopTrickling() {
        trickler.shutdownNow();
    }

    /** Sends {@code pieces} one every {@code everyMillis}, from the first; stops at the first failure. */
    void trickle(Socket socket, String[] pieces, long everyMillis) {
        AtomicInteger next = new AtomicInteger();
        trickler.scheduleAtFixedRate(() -> {
            int i = next.getAndIncrement();
            if (i >= pieces.length) {
                throw new IllegalStateException("done"); // ends the schedule
            }
            try {
                RawHttp.send(socket, pieces[i]);
            } catch (IOException e) {
                throw new IllegalStateException("closed", e);
            }
        }, 0, everyMillis, TimeUnit.MILLISECONDS);
    }

    /** Everything the server sends until it closes the connection (a read timeout fails the test). */
    static String untilClosed(Socket socket) throws IOException {
        socket.setSoTimeout(15_000);
        InputStream in = new BufferedInputStream(socket.getInputStream());
        StringBuilder out = new StringBuilder();
        byte[] buf = new byte[4096];
        int n;
        try {
            while ((n = in.read(buf)) >= 0) {
                out.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
            }
        } catch (java.net.SocketException reset) {
            // closed with a reset: what came before is in out
        }
        return out.toString();
    }

    @Test
    void aTricklingHeadIsAnswered408AndClosed() throws Exception {
        String[] lines = new String[100];
        lines[0] = "POST /mcp HTTP/1.1\r\n";
        for (int i = 1; i < lines.length; i++) {
            lines[i] = "X-Trickle-" + i + ": still coming\r\n";
        }
        try (Socket socket = RawHttp.connect(endpoint, 0)) {
            long start = System.nanoTime();
            // A line every 300 ms: the head would take 30 s.
            trickle(socket, lines, 300);
            String answer = untilClosed(socket);
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            assertThat(answer).startsWith("HTTP/1.1 408");
            assertThat(seconds).as("seconds until closed, with a one-second header timeout").isLessThan(10);
        }
    }

    @Test
    void aConnectionThatSendsNothingIsClosed() throws Exception {
        try (Socket socket = RawHttp.connect(endpoint, 0)) {
            assertThat(untilClosed(socket)).startsWith("HTTP/1.1 408");
        }
    }

    @Test
    void aStalledChunkedBodyIsAnswered408AndClosed() throws Exception {
        try (Socket socket = RawHttp.connect(endpoint, 0)) {
            RawHttp.send(socket, "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json, text/event-stream\r\n"
                    + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\n");
            assertThat(untilClosed(socket)).startsWith("HTTP/1.1 408");
        }
    }

    @Test
    void aSlowBodyThatKeepsComingIsServed() throws Exception {
        byte[] body = INIT.getBytes(StandardCharsets.UTF_8);
        int pieces = 10;
        String[] parts = new String[pieces + 1];
        parts[0] = "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json, text/event-stream\r\n"
                + "Content-Type: application/json\r\nConnection: close\r\nContent-Length: " + body.length + "\r\n\r\n";
        int size = (body.length + pieces - 1) / pieces;
        for (int i = 0; i < pieces; i++) {
            int from = Math.min(body.length, i * size);
            parts[i + 1] = new String(body, from, Math.min(body.length, from + size) - from, StandardCharsets.UTF_8);
        }
        try (Socket socket = RawHttp.connect(endpoint, 0)) {
            // 3 s in all, longer than both limits, but never a second without a byte.
            trickle(socket, parts, 300);
            String answer = untilClosed(socket);
            assertThat(answer).startsWith("HTTP/1.1 200").contains("\"protocolVersion\":\"2025-06-18\"");
        }
    }

    @Test
    void normalRequestsAndOpenStreamsAreUnaffected() throws Exception {
        String session = given().basePath("/mcp").header("Accept", "application/json, text/event-stream")
                .contentType(ContentType.JSON).body(INIT).post().then().statusCode(200).extract().header("Mcp-Session-Id");
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<InputStream> stream = http.send(HttpRequest.newBuilder(endpoint).header("Accept", "text/event-stream")
                .header("Mcp-Session-Id", session).header("MCP-Protocol-Version", "2025-06-18").GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(stream.statusCode()).isEqualTo(200);
        AtomicBoolean ended = new AtomicBoolean();
        Thread.ofVirtual().start(() -> {
            try (InputStream in = stream.body()) {
                while (in.read() >= 0) {
                    // keep reading
                }
            } catch (IOException e) {
                // ended
            }
            ended.set(true);
        });
        // An event stream outlives both limits: it is a response in progress, not a waiting head or body.
        await().during(Duration.ofMillis(3_000)).atMost(Duration.ofSeconds(5)).until(() -> !ended.get());
        stream.body().close();
        given().basePath("/mcp").header("Accept", "application/json, text/event-stream").contentType(ContentType.JSON)
                .header("Mcp-Session-Id", session).header("MCP-Protocol-Version", "2025-06-18")
                .body("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}").post().then().statusCode(200);
    }
}
