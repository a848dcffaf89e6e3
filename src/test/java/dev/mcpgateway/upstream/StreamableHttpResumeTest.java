package dev.mcpgateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import dev.mcpgateway.config.BackendConfig;
import dev.mcpgateway.config.ToolFilter;
import dev.mcpgateway.config.TransportKind;
import dev.mcpgateway.jsonrpc.JsonRpcMessage;
import dev.mcpgateway.jsonrpc.JsonRpcNotification;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.jsonrpc.McpMethods;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * The resumable event-stream reader against an upstream that ends its streams early: a POST's
 * stream closed before the response is resumed by GET with {@code Last-Event-ID}, and a dropped
 * GET stream is reopened from the last event id, both with the caller's headers.
 */
class StreamableHttpResumeTest {

    private static final UpstreamSession SESSION = new UpstreamSession("polling", "s-1", "2025-11-25",
            JsonNodeFactory.instance.objectNode(), null);
    private static final Map<String, String> CALLER = Map.of("Authorization", "Bearer caller");

    private Vertx vertx;
    private UpstreamClient client;
    private int port;
    /** The headers of every GET the upstream received. */
    private final List<MultiMap> gets = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        port = vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1").toCompletionStage()
                .toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
        BackendConfig config = new BackendConfig("polling", TransportKind.STREAMABLE_HTTP, "http://127.0.0.1:" + port + "/mcp",
                Map.of(), null, List.of(), Map.of(), null, ToolFilter.ALLOW_ALL, Duration.ofSeconds(10));
        client = UpstreamClients.create(vertx, config,
                new UpstreamOptions(Duration.ofSeconds(5), Duration.ofSeconds(30), 10, Duration.ofSeconds(4)));
    }

    @AfterEach
    void stop() throws Exception {
        client.shutdown();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /**
     * POST: a priming event with an id and a short retry, then the stream ends without the response.
     * GET with Last-Event-ID p-1: a progress notification, then the response. GET without one (the
     * standalone stream): an event n-1, then the stream ends; reopened after n-1: event n-2, open.
     */
    private void handle(HttpServerRequest req) {
        HttpServerResponse resp = req.response().putHeader("Content-Type", "text/event-stream").setChunked(true);
        if ("POST".equals(req.method().name())) {
            resp.end("id: p-1\nretry: 20\ndata: \n\n");
            return;
        }
        gets.add(MultiMap.caseInsensitiveMultiMap().addAll(req.headers()));
        String last = req.getHeader("Last-Event-ID");
        if ("p-1".equals(last)) {
            resp.write("id: p-2\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{}}\n\n");
            resp.write("id: p-3\ndata: {\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"done\":true}}\n\n");
        } else if (last == null) {
            resp.end("id: n-1\nretry: 20\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/list_changed\"}\n\n");
        } else {
            resp.write("id: n-2\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/prompts/list_changed\"}\n\n");
        }
    }

    @Test
    void aResponseStreamEndedEarlyIsResumedFromItsLastEventId() throws Exception {
        List<JsonRpcMessage> before = new CopyOnWriteArrayList<>();

        JsonRpcResponse response = client.request(SESSION,
                new JsonRpcRequest(IntNode.valueOf(7), McpMethods.TOOLS_CALL, null), before::add, CALLER)
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

        assertThat(response.result().path("done").asBoolean()).isTrue();
        assertThat(before).extracting(m -> ((JsonRpcNotification) m).method()).containsExactly("notifications/progress");
        assertThat(gets).singleElement().satisfies(h -> {
            assertThat(h.get("Last-Event-ID")).isEqualTo("p-1");
            assertThat(h.get("Mcp-Session-Id")).isEqualTo("s-1");
            assertThat(h.get("Accept")).isEqualTo("text/event-stream");
            assertThat(h.get("Authorization")).isEqualTo("Bearer caller");
        });
    }

    @Test
    void aDroppedListenStreamIsReopenedFromItsLastEventId() throws Exception {
        List<JsonRpcMessage> received = new CopyOnWriteArrayList<>();

        UpstreamListener listener = client.listen(SESSION, null, received::add, CALLER).toCompletionStage()
                .toCompletableFuture().get(10, TimeUnit.SECONDS);

        await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> assertThat(received).hasSize(2));
        assertThat(received).extracting(m -> ((JsonRpcNotification) m).method())
                .containsExactly("notifications/tools/list_changed", "notifications/prompts/list_changed");
        assertThat(listener.lastEventId()).isEqualTo("n-2");
        assertThat(gets).hasSize(2);
        assertThat(gets.get(0).contains("Last-Event-ID")).isFalse();
        assertThat(gets.get(1).get("Last-Event-ID")).isEqualTo("n-1");
        assertThat(gets).allSatisfy(h -> assertThat(h.get("Authorization")).isEqualTo("Bearer caller"));
        listener.close();
    }
}
