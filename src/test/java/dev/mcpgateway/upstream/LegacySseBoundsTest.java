package dev.mcpgateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.config.TransportKind;
import dev.mcpgateway.jsonrpc.ErrorCodes;
import dev.mcpgateway.jsonrpc.JsonRpcCodec;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import dev.mcpgateway.jsonrpc.JsonRpcNotification;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.jsonrpc.McpMethods;
import dev.mcpgateway.upstream.UpstreamTestKit.VertxPerTest;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * The legacy HTTP+SSE client within the bounds every HTTP upstream has: an event past the message
 * size ends its session, a POST past the backend's timeout is cut off, and no configured header
 * replaces the framing the gateway writes. Against a hand-written 2024-11-05 server, since these are
 * faults a real one does not produce.
 */
class LegacySseBoundsTest {

    /** Far below the timeouts of the calls that must not wait for them. */
    private static final long PROMPTLY_SECONDS = 5;
    private static final long MAX_MESSAGE = 64 * 1024;
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    @RegisterExtension
    final VertxPerTest peers = new VertxPerTest();
    private LegacyServer server;
    private UpstreamClient client;

    @BeforeEach
    void start() throws Exception {
        server = new LegacyServer();
    }

    @Test
    void anEndlessEventEndsTheSessionAndFailsItsCallsWithTheLimit() throws Exception {
        client = client(Map.of(), Duration.ofSeconds(60), 10);
        UpstreamSession session = promptly(client.open(initParams()));
        Future<JsonRpcResponse> waiting = client.request(session, tool(1, "silent"), UpstreamSink.DISCARD);

        Future<JsonRpcResponse> flooding = client.request(session, tool(2, "flood"), UpstreamSink.DISCARD);

        for (Future<JsonRpcResponse> call : List.of(waiting, flooding)) {
            JsonRpcException error = promptlyFailed(call);
            assertThat(error.error().code()).isEqualTo(ErrorCodes.UPSTREAM_UNAVAILABLE);
            assertThat(error.getMessage()).contains("'legacy'").contains(Long.toString(MAX_MESSAGE))
                    .contains("mcp-gateway.upstream.max-message-size");
        }
        assertThat(UpstreamErrors.isSessionExpired(
                promptlyFailed(client.request(session, tool(3, "echo"), UpstreamSink.DISCARD)))).isTrue();
        // The stream's connection is closed, so the upstream stops sending.
        await().atMost(Duration.ofSeconds(PROMPTLY_SECONDS)).until(() -> server.open(server.streams.values()) == 0);
    }

    @Test
    void aPostThatIsAcceptedButNeverAnsweredFailsWithinTheTimeout() throws Exception {
        // One pooled connection: a POST left hanging would hold it from every later call.
        client = client(Map.of(), Duration.ofSeconds(1), 1);
        UpstreamSession session = promptly(client.open(initParams()));
        server.hangPosts = true;

        JsonRpcException sendError = promptlyFailed(client.send(session,
                new JsonRpcNotification(McpMethods.NOTIFICATIONS_ROOTS_LIST_CHANGED, null)));
        JsonRpcException callError = promptlyFailed(client.request(session, tool(1, "echo"), UpstreamSink.DISCARD));

        for (JsonRpcException error : List.of(sendError, callError)) {
            assertThat(error.error().code()).isEqualTo(ErrorCodes.UPSTREAM_TIMEOUT);
            assertThat(error.getMessage()).contains("'legacy'").contains("1000 ms");
        }
        server.hangPosts = false;
        // Both hanging POSTs were cut off, so the one connection is free again.
        await().atMost(Duration.ofSeconds(PROMPTLY_SECONDS)).until(() -> server.open(server.hanging.keySet()) == 0);
        JsonRpcResponse echoed = promptly(client.request(session, tool(2, "echo"), UpstreamSink.DISCARD));
        assertThat(echoed.result().path("content").path(0).path("text").asText()).isEqualTo("echo from legacy");
    }

    @Test
    void configuredHeadersNeverReplaceTheFramingNorTheGatewaysOwn() throws Exception {
        client = client(Map.of("Content-Length", "3", "Host", "evil.example", "Accept", "text/html",
                "Content-Type", "text/plain", "X-Api-Key", "k-1"), Duration.ofSeconds(3), 1);
        UpstreamSession session = promptly(client.open(initParams()));

        promptly(client.request(session, tool(1, "echo"), UpstreamSink.DISCARD));
        promptly(client.request(session, tool(2, "echo"), UpstreamSink.DISCARD));

        String host = "127.0.0.1:" + server.port();
        assertThat(server.seen).extracting(Seen::method).containsExactly("GET", McpMethods.INITIALIZE,
                McpMethods.NOTIFICATIONS_INITIALIZED, McpMethods.TOOLS_CALL, McpMethods.TOOLS_CALL);
        assertThat(server.seen).allSatisfy(s -> {
            assertThat(s.headers().getAll("Host")).containsExactly(host);
            assertThat(s.headers().getAll("Content-Length")).noneMatch("3"::equals);
            assertThat(s.headers().getAll("X-Api-Key")).containsExactly("k-1");
        });
        assertThat(server.seen.get(0).headers().getAll("Accept")).containsExactly("text/event-stream");
        // A session's stream has a connection of its own, closed when the stream ends.
        assertThat(server.seen.get(0).headers().get("Connection")).isEqualToIgnoringCase("close");
        assertThat(server.seen.subList(1, 5)).allSatisfy(s -> {
            assertThat(s.headers().getAll("Content-Type")).containsExactly("application/json");
            assertThat(s.headers().contains("Accept")).isFalse();
        });
    }

    @Test
    void extraHeadersGoWithTheStreamAndEachPost() throws Exception {
        client = client(Map.of(), Duration.ofSeconds(3), 1);
        UpstreamSession session = promptly(client.open(initParams(),
                Map.of("Authorization", "Bearer opener", "Content-Length", "2", "Connection", "close")));

        promptly(client.request(session, tool(1, "echo"), UpstreamSink.DISCARD,
                Map.of("Authorization", "Bearer caller", "Transfer-Encoding", "chunked")));

        assertThat(server.seen).extracting(Seen::method).containsExactly("GET", McpMethods.INITIALIZE,
                McpMethods.NOTIFICATIONS_INITIALIZED, McpMethods.TOOLS_CALL);
        assertThat(server.seen.subList(0, 3))
                .allSatisfy(s -> assertThat(s.headers().getAll("Authorization")).containsExactly("Bearer opener"));
        assertThat(server.seen.get(3).headers().getAll("Authorization")).containsExactly("Bearer caller");
        assertThat(server.seen.get(3).headers().contains("Transfer-Encoding")).isFalse();
    }

    // ---- helpers ------------------------------------------------------------------------------

    private UpstreamClient client(Map<String, String> headers, Duration timeout, int connections) {
        return peers.client(UpstreamTestKit.httpBackend("legacy", TransportKind.SSE, server.url("/sse"), headers, timeout),
                UpstreamTestKit.options(connections, MAX_MESSAGE, Duration.ofMinutes(10), new ProcessBudget(4)));
    }

    private static ObjectNode initParams() {
        return UpstreamTestKit.initParams("2024-11-05", "bounds-test");
    }

    private static JsonRpcRequest tool(int id, String name) {
        ObjectNode params = JSON.objectNode().put("name", name);
        params.putObject("arguments");
        return new JsonRpcRequest(IntNode.valueOf(id), McpMethods.TOOLS_CALL, params);
    }

    private static <T> T promptly(Future<T> future) throws Exception {
        return UpstreamTestKit.promptly(future, PROMPTLY_SECONDS);
    }

    private static JsonRpcException promptlyFailed(Future<?> future) throws Exception {
        return UpstreamTestKit.promptlyFailed(future, PROMPTLY_SECONDS);
    }

    /** One request the server received: GET for the stream, else the JSON-RPC method POSTed. */
    record Seen(String method, MultiMap headers) {
    }

    /**
     * A 2024-11-05 server: GET /sse names /message?sessionId=N; POSTs answer 202 and their responses
     * go on that stream. Tool "echo" answers, "silent" never does, "flood" makes the stream send one
     * event without end. With {@link #hangPosts}, a POST is accepted (202) and its body never ends,
     * a byte now and then keeping the connection busy.
     */
    private final class LegacyServer {
        private final HttpServer http;
        final Map<String, HttpServerResponse> streams = new ConcurrentHashMap<>();
        final Map<HttpServerResponse, Boolean> hanging = new ConcurrentHashMap<>();
        private final AtomicInteger sessions = new AtomicInteger();
        final List<Seen> seen = new CopyOnWriteArrayList<>();
        volatile boolean hangPosts;

        LegacyServer() throws Exception {
            http = peers.vertx().createHttpServer().requestHandler(this::handle);
            promptly(http.listen(0, "127.0.0.1"));
        }

        int port() {
            return http.actualPort();
        }

        String url(String path) {
            return "http://127.0.0.1:" + port() + path;
        }

        /** How many of these responses are still open. */
        long open(java.util.Collection<HttpServerResponse> responses) {
            return responses.stream().filter(r -> !r.closed()).count();
        }

        private void handle(HttpServerRequest req) {
            MultiMap headers = MultiMap.caseInsensitiveMultiMap().addAll(req.headers());
            if ("/sse".equals(req.path())) {
                seen.add(new Seen("GET", headers));
                String id = Integer.toString(sessions.incrementAndGet());
                HttpServerResponse resp = req.response().setChunked(true)
                        .putHeader("Content-Type", "text/event-stream").putHeader("Cache-Control", "no-cache");
                streams.put(id, resp);
                resp.write("event: endpoint\ndata: /message?sessionId=" + id + "\n\n");
                return;
            }
            req.body().onSuccess(body -> {
                HttpServerResponse stream = streams.get(String.valueOf(req.getParam("sessionId")));
                ObjectNode msg;
                try {
                    msg = (ObjectNode) JsonRpcCodec.parseTree(body.getBytes());
                } catch (RuntimeException e) {
                    seen.add(new Seen("not JSON", headers));
                    req.response().setStatusCode(400).end("not JSON");
                    return;
                }
                seen.add(new Seen(msg.path("method").asText("response"), headers));
                if (stream == null) {
                    req.response().setStatusCode(404).end("Could not find session");
                    return;
                }
                // Cancellations are answered, so the next call does not wait behind one for the connection.
                if (hangPosts && !McpMethods.NOTIFICATIONS_CANCELLED.equals(msg.path("method").asText())) {
                    drip(req.response().setStatusCode(202).setChunked(true));
                    return;
                }
                req.response().setStatusCode(202).end("Accepted");
                answer(stream, msg);
            });
        }

        private void answer(HttpServerResponse stream, ObjectNode msg) {
            JsonNode id = msg.get("id");
            String method = msg.path("method").asText();
            String tool = msg.path("params").path("name").asText();
            ObjectNode result = JSON.objectNode();
            if (McpMethods.INITIALIZE.equals(method)) {
                result.put("protocolVersion", "2024-11-05").putObject("capabilities").putObject("tools");
                result.putObject("serverInfo").put("name", "legacy").put("version", "1");
            } else if (McpMethods.TOOLS_CALL.equals(method) && "echo".equals(tool)) {
                result.putArray("content").addObject().put("type", "text").put("text", "echo from legacy");
            } else if (McpMethods.TOOLS_CALL.equals(method) && "flood".equals(tool)) {
                stream.write("event: message\ndata: ");
                flood(stream);
                return;
            } else {
                return;
            }
            stream.write("event: message\ndata: " + JsonRpcCodec.writeString(JsonRpcCodec.toJson(
                    JsonRpcResponse.result(id, result))) + "\n\n");
        }

        /** One event's data, without end, as fast as the client reads it. */
        private void flood(HttpServerResponse stream) {
            Buffer chunk = Buffer.buffer("x".repeat(16 * 1024));
            while (!stream.closed() && !stream.writeQueueFull()) {
                stream.write(chunk);
            }
            if (!stream.closed()) {
                stream.drainHandler(v -> flood(stream));
            }
        }

        /** A body that never ends: a byte every 100 ms while the connection lasts. */
        private void drip(HttpServerResponse resp) {
            hanging.put(resp, true);
            resp.write(".");
            peers.vertx().setPeriodic(100, timer -> {
                if (resp.closed()) {
                    peers.vertx().cancelTimer(timer);
                } else {
                    resp.write(".");
                }
            });
        }
    }
}
