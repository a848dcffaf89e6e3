package dev.mcpgateway.upstream;

import static dev.mcpgateway.upstream.StdioClientTest.echo;
import static dev.mcpgateway.upstream.StdioClientTest.failure;
import static dev.mcpgateway.upstream.StdioClientTest.get;
import static dev.mcpgateway.upstream.StdioClientTest.longRunning;
import static dev.mcpgateway.upstream.StdioClientTest.progress;
import static dev.mcpgateway.upstream.StdioClientTest.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import dev.mcpgateway.config.BackendConfig;
import dev.mcpgateway.config.ToolFilter;
import dev.mcpgateway.config.TransportKind;
import dev.mcpgateway.jsonrpc.ErrorCodes;
import dev.mcpgateway.jsonrpc.JsonRpcCodec;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import dev.mcpgateway.jsonrpc.JsonRpcMessage;
import dev.mcpgateway.jsonrpc.JsonRpcNotification;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.jsonrpc.McpMethods;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * Against server-everything in its {@code sse} mode (the 2024-11-05 transport), plus a small
 * hand-written server for the faults server-everything cannot produce (silence, a dropped stream, a
 * foreign endpoint).
 */
class LegacySseClientTest {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final Path NODE_DIR = Path.of("src/test/node").toAbsolutePath();
    private static final Path EVERYTHING = NODE_DIR
            .resolve("node_modules/@modelcontextprotocol/server-everything/dist/index.js");
    private static Process everything;
    private static int everythingPort;

    private Vertx vertx;
    private final List<LegacySseClient> clients = new ArrayList<>();

    @BeforeAll
    static void startEverything() throws Exception {
        if (!Files.isRegularFile(EVERYTHING)) {
            fail("server-everything is not installed at " + EVERYTHING + "; run `npm ci` in " + NODE_DIR);
        }
        Path pinned = NODE_DIR.resolve("node_modules/.bin/node");
        String node = Files.isExecutable(pinned) ? pinned.toString() : "node";
        everythingPort = freePort();
        // localhost-only.cjs makes its listen() bind 127.0.0.1 instead of every interface.
        ProcessBuilder pb = new ProcessBuilder(node, "--require", NODE_DIR.resolve("localhost-only.cjs").toString(),
                EVERYTHING.toString(), "sse")
                .directory(NODE_DIR.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("PORT", Integer.toString(everythingPort));
        everything = pb.start();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
            assertThat(everything.isAlive()).as("server-everything exited").isTrue();
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", everythingPort), 500);
                return true;
            } catch (IOException e) {
                return false;
            }
        });
    }

    @AfterAll
    static void stopEverything() throws Exception {
        if (everything != null) {
            everything.destroy();
            if (!everything.waitFor(5, TimeUnit.SECONDS)) {
                everything.destroyForcibly();
            }
        }
    }

    @BeforeEach
    void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stop() throws Exception {
        clients.forEach(LegacySseClient::shutdown);
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    // ---- server-everything --------------------------------------------------------------------

    @Test
    void opensListsAndCallsTools() throws Exception {
        LegacySseClient client = client("everything", "http://127.0.0.1:" + everythingPort + "/sse", Duration.ofSeconds(10));

        UpstreamSession session = get(client.open(initParams()));

        assertThat(session.sessionId()).startsWith("http://127.0.0.1:" + everythingPort + "/message?sessionId=");
        assertThat(session.protocolVersion()).isEqualTo("2024-11-05");
        assertThat(session.has("tools")).isTrue();

        JsonRpcResponse tools = get(client.request(session,
                new JsonRpcRequest(TextNode.valueOf("list"), McpMethods.TOOLS_LIST, null), UpstreamSink.DISCARD));
        assertThat(tools.id()).isEqualTo(TextNode.valueOf("list"));
        List<String> names = new ArrayList<>();
        tools.result().path("tools").forEach(t -> names.add(t.path("name").asText()));
        assertThat(names).contains("echo", "get-sum");

        JsonRpcResponse echoed = get(client.request(session, echo(IntNode.valueOf(7), "over legacy SSE"),
                UpstreamSink.DISCARD));
        assertThat(echoed.id()).isEqualTo(IntNode.valueOf(7));
        assertThat(text(echoed)).isEqualTo("Echo: over legacy SSE");
    }

    @Test
    void progressReachesTheSinkWithTheClientsToken() throws Exception {
        LegacySseClient client = client("everything", "http://127.0.0.1:" + everythingPort + "/sse", Duration.ofSeconds(15));
        UpstreamSession session = get(client.open(initParams()));
        List<JsonRpcMessage> seen = Collections.synchronizedList(new ArrayList<>());

        JsonRpcResponse done = get(client.request(session,
                longRunning(TextNode.valueOf("lr"), 1, 3, TextNode.valueOf("client-token")), seen::add));

        assertThat(done.id()).isEqualTo(TextNode.valueOf("lr"));
        assertThat(text(done)).contains("Steps: 3");
        assertThat(progress(seen)).containsExactly(1, 2, 3);
        assertThat(seen).allSatisfy(m -> assertThat(((JsonRpcNotification) m).params()
                .get("progressToken")).isEqualTo(TextNode.valueOf("client-token")));
    }

    @Test
    void eachSessionHasItsOwnStreamAndCloseEndsIt() throws Exception {
        LegacySseClient client = client("everything", "http://127.0.0.1:" + everythingPort + "/sse", Duration.ofSeconds(10));
        UpstreamSession a = get(client.open(initParams()));
        UpstreamSession b = get(client.open(initParams()));
        assertThat(a.sessionId()).isNotEqualTo(b.sessionId());

        get(client.close(a));

        Throwable error = failure(client.request(a, echo(IntNode.valueOf(1), "gone"), UpstreamSink.DISCARD));
        assertThat(UpstreamErrors.isSessionExpired(error)).isTrue();
        assertThat(text(get(client.request(b, echo(IntNode.valueOf(1), "alive"), UpstreamSink.DISCARD))))
                .isEqualTo("Echo: alive");
    }

    @Test
    void aSessionThisProcessDoesNotHoldHasExpired() {
        LegacySseClient client = client("everything", "http://127.0.0.1:" + everythingPort + "/sse", Duration.ofSeconds(10));
        UpstreamSession foreign = new UpstreamSession("everything",
                "http://127.0.0.1:" + everythingPort + "/message?sessionId=elsewhere", "2024-11-05", JSON.objectNode(), null);

        Throwable error = failure(client.request(foreign, echo(IntNode.valueOf(1), "x"), UpstreamSink.DISCARD));

        assertThat(UpstreamErrors.isSessionExpired(error)).isTrue();
        assertThat(error.getMessage()).contains("'everything'");
    }

    // ---- faults, from a hand-written server ---------------------------------------------------

    @Test
    void silenceTimesOutAndTheUpstreamIsToldToCancel() throws Exception {
        FakeServer fake = new FakeServer();
        LegacySseClient client = client("fake", fake.url("/sse"), Duration.ofMillis(800));
        UpstreamSession session = get(client.open(initParams()));

        Throwable error = failure(client.request(session, tool(IntNode.valueOf(3), "silent"), UpstreamSink.DISCARD));

        assertThat(error).isInstanceOf(JsonRpcException.class);
        assertThat(((JsonRpcException) error).error().code()).isEqualTo(ErrorCodes.UPSTREAM_TIMEOUT);
        assertThat(error.getMessage()).contains("'fake'");
        await().atMost(Duration.ofSeconds(5)).until(() -> fake.received(McpMethods.NOTIFICATIONS_CANCELLED) != null);
        JsonNode silentId = fake.received(McpMethods.TOOLS_CALL).get("id");
        assertThat(fake.received(McpMethods.NOTIFICATIONS_CANCELLED).path("params").get("requestId")).isEqualTo(silentId);
    }

    @Test
    void aDroppedStreamFailsPendingRequestsAndForgetsTheSession() throws Exception {
        FakeServer fake = new FakeServer();
        LegacySseClient client = client("fake", fake.url("/sse"), Duration.ofSeconds(10));
        UpstreamSession session = get(client.open(initParams()));
        var pending = client.request(session, tool(IntNode.valueOf(4), "silent"), UpstreamSink.DISCARD);
        await().atMost(Duration.ofSeconds(5)).until(() -> fake.received(McpMethods.TOOLS_CALL) != null);

        fake.dropStreams();

        Throwable error = failure(pending);
        assertThat(((JsonRpcException) error).error().code()).isEqualTo(ErrorCodes.UPSTREAM_UNAVAILABLE);
        assertThat(error.getMessage()).contains("'fake'").contains("event stream");
        Throwable after = failure(client.request(session, tool(IntNode.valueOf(5), "echo"), UpstreamSink.DISCARD));
        assertThat(UpstreamErrors.isSessionExpired(after)).isTrue();
    }

    @Test
    void idsAreRewrittenOnTheWireAndRestoredInTheAnswer() throws Exception {
        FakeServer fake = new FakeServer();
        LegacySseClient client = client("fake", fake.url("/sse"), Duration.ofSeconds(10));
        UpstreamSession session = get(client.open(initParams()));

        JsonRpcResponse response = get(client.request(session, tool(TextNode.valueOf("client-id"), "echo"),
                UpstreamSink.DISCARD));

        assertThat(response.id()).isEqualTo(TextNode.valueOf("client-id"));
        assertThat(fake.received(McpMethods.TOOLS_CALL).get("id").isIntegralNumber()).isTrue();
        assertThat(fake.received(McpMethods.NOTIFICATIONS_INITIALIZED)).isNotNull();
    }

    @Test
    void anEndpointOnAnotherOriginIsRefused() throws Exception {
        FakeServer fake = new FakeServer();
        LegacySseClient client = client("fake", fake.url("/evil"), Duration.ofSeconds(10));

        Throwable error = failure(client.open(initParams()));

        assertThat(error.getMessage()).contains("'fake'").contains("http://elsewhere.invalid/message");
        assertThat(fake.received(McpMethods.INITIALIZE)).isNull();
    }

    // ---- helpers ------------------------------------------------------------------------------

    private LegacySseClient client(String name, String url, Duration timeout) {
        BackendConfig config = new BackendConfig(name, TransportKind.SSE, url, Map.of("X-Test", "legacy"), null,
                List.of(), Map.of(), null, ToolFilter.ALLOW_ALL, timeout);
        LegacySseClient client = new LegacySseClient(vertx, config,
                new UpstreamOptions(Duration.ofSeconds(5), Duration.ofSeconds(30), 10, Duration.ofSeconds(4)));
        clients.add(client);
        return client;
    }

    private static ObjectNode initParams() {
        ObjectNode params = StdioClientTest.initParams(false);
        params.put("protocolVersion", "2024-11-05");
        return params;
    }

    private static JsonRpcRequest tool(JsonNode id, String name) {
        ObjectNode params = JSON.objectNode().put("name", name);
        params.putObject("arguments");
        return new JsonRpcRequest(id, McpMethods.TOOLS_CALL, params);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * A 2024-11-05 server in a few lines: GET /sse names /message?sessionId=N; POSTs answer 202
     * and their responses go on that stream. Tool "echo" answers, tool "silent" never does; GET
     * /evil names an endpoint on another origin.
     */
    private final class FakeServer {
        private final HttpServer server;
        private final Map<String, HttpServerResponse> streams = new ConcurrentHashMap<>();
        private final Map<String, ObjectNode> received = new ConcurrentHashMap<>();
        private final AtomicInteger sessions = new AtomicInteger();

        FakeServer() throws Exception {
            server = vertx.createHttpServer().requestHandler(this::handle);
            get(server.listen(0, "127.0.0.1"));
        }

        String url(String path) {
            return "http://127.0.0.1:" + server.actualPort() + path;
        }

        ObjectNode received(String method) {
            return received.get(method);
        }

        void dropStreams() {
            streams.values().forEach(r -> r.reset());
        }

        private void handle(HttpServerRequest req) {
            if ("/sse".equals(req.path()) || "/evil".equals(req.path())) {
                String id = Integer.toString(sessions.incrementAndGet());
                HttpServerResponse resp = req.response().setChunked(true)
                        .putHeader("Content-Type", "text/event-stream").putHeader("Cache-Control", "no-cache");
                streams.put(id, resp);
                String endpoint = "/evil".equals(req.path()) ? "http://elsewhere.invalid/message?sessionId=" + id
                        : "/message?sessionId=" + id;
                resp.write(": hello\n\nevent: endpoint\ndata: " + endpoint + "\n\n");
                return;
            }
            if (!"/message".equals(req.path())) {
                req.response().setStatusCode(404).end();
                return;
            }
            req.body().onSuccess(body -> {
                HttpServerResponse stream = streams.get(req.getParam("sessionId"));
                if (stream == null || !"legacy".equals(req.getHeader("X-Test"))) {
                    req.response().setStatusCode(404).end("Could not find session");
                    return;
                }
                ObjectNode msg = (ObjectNode) JsonRpcCodec.parseTree(body.getBytes());
                received.put(msg.path("method").asText("response"), msg);
                req.response().setStatusCode(202).end("Accepted");
                JsonNode id = msg.get("id");
                String method = msg.path("method").asText();
                JsonRpcResponse answer = null;
                if (McpMethods.INITIALIZE.equals(method)) {
                    ObjectNode result = JSON.objectNode().put("protocolVersion", "2024-11-05");
                    result.putObject("capabilities").putObject("tools");
                    result.putObject("serverInfo").put("name", "fake").put("version", "1");
                    answer = JsonRpcResponse.result(id, result);
                } else if (McpMethods.TOOLS_CALL.equals(method) && "echo".equals(msg.path("params").path("name").asText())) {
                    ObjectNode result = JSON.objectNode();
                    result.putArray("content").addObject().put("type", "text").put("text", "echo from fake");
                    answer = JsonRpcResponse.result(id, result);
                }
                if (answer != null) {
                    stream.write("event: message\ndata: " + JsonRpcCodec.writeString(JsonRpcCodec.toJson(answer)) + "\n\n");
                }
            });
        }
    }
}
