package dev.mcpgateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import dev.mcpgateway.config.TransportKind;
import dev.mcpgateway.jsonrpc.ErrorCodes;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.McpMethods;
import dev.mcpgateway.upstream.UpstreamTestKit.VertxPerTest;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.NetServer;

/**
 * What an upstream sends is bounded by the message size: a body or an event over it fails the call
 * (or ends the stream) with an error naming the backend and the limit, without reading on.
 */
class StreamableHttpLimitsTest {

    private static final long LIMIT = 1024 * 1024;
    private static final int TEN_MB = 10 * 1024 * 1024;
    /** Well within the backend's timeout: a call still waiting here read on past the limit. */
    private static final long PATIENCE_SECONDS = 15;
    private static final UpstreamSession SESSION = new UpstreamSession("bulky", "s-1", "2025-06-18",
            JsonNodeFactory.instance.objectNode(), null);
    private static final JsonRpcRequest CALL = new JsonRpcRequest(IntNode.valueOf(7), McpMethods.TOOLS_CALL,
            JsonNodeFactory.instance.objectNode().put("name", "big"));

    @RegisterExtension
    final VertxPerTest peers = new VertxPerTest();
    private UpstreamClient client;
    /** Bytes the upstream handed to its socket, and whether the client hung up. */
    private final AtomicLong written = new AtomicLong();
    private final AtomicBoolean hungUp = new AtomicBoolean();

    @Test
    void aJsonBodyOfTenMegabytesFailsTheRequest() throws Exception {
        client = clientOf(server(req -> endless(req.response().putHeader("Content-Type", "application/json").setChunked(true),
                "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"text\":\"", "x", TEN_MB, "\"}}")));

        assertTooLarge(failure(client.request(SESSION, CALL, UpstreamSink.DISCARD)), "a response body");
        await().atMost(5, TimeUnit.SECONDS).untilTrue(hungUp);
    }

    @Test
    void aBodyWhoseContentLengthIsOverTheLimitIsNotRead() throws Exception {
        String head = "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"text\":\"";
        String tail = "\"}}";
        client = clientOf(server(req -> endless(req.response().putHeader("Content-Type", "application/json")
                .putHeader("Content-Length", Integer.toString(head.length() + TEN_MB + tail.length())), head, "x", TEN_MB,
                tail)));

        assertTooLarge(failure(client.request(SESSION, CALL, UpstreamSink.DISCARD)), "a response body");
        await().atMost(5, TimeUnit.SECONDS).untilTrue(hungUp);
    }

    @Test
    void anEventThatNeverEndsFailsTheRequest() throws Exception {
        client = clientOf(server(req -> endless(req.response().putHeader("Content-Type", "text/event-stream").setChunked(true),
                "data: {\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"text\":\"", "x", Long.MAX_VALUE, "")));

        assertTooLarge(failure(client.request(SESSION, CALL, UpstreamSink.DISCARD)), "an event-stream line");
        await().atMost(5, TimeUnit.SECONDS).untilTrue(hungUp);
    }

    @Test
    void anEventOfManyShortLinesFailsTheRequest() throws Exception {
        // Every line is short; the event they make never ends.
        client = clientOf(server(req -> endless(req.response().putHeader("Content-Type", "text/event-stream").setChunked(true),
                "", "data: 0123456789abcdef\n", Long.MAX_VALUE, "")));

        assertTooLarge(failure(client.request(SESSION, CALL, UpstreamSink.DISCARD)), "an event");
        await().atMost(5, TimeUnit.SECONDS).untilTrue(hungUp);
    }

    @Test
    void aListenStreamWithAnEventThatNeverEndsIsCutOff() throws Exception {
        client = clientOf(server(req -> endless(req.response().putHeader("Content-Type", "text/event-stream").setChunked(true),
                "data: ", "x", Long.MAX_VALUE, "")));

        UpstreamListener listener = client.listen(SESSION, UpstreamSink.DISCARD).toCompletionStage().toCompletableFuture()
                .get(PATIENCE_SECONDS, TimeUnit.SECONDS);

        await().atMost(PATIENCE_SECONDS, TimeUnit.SECONDS).untilTrue(hungUp);
        listener.close();
    }

    @Test
    void aRawUpstreamThatDeclaresAHugeBodyIsRefusedBeforeItSendsIt() throws Exception {
        NetServer raw = peers.vertx().createNetServer().connectHandler(socket -> {
            socket.closeHandler(v -> hungUp.set(true));
            socket.handler(bytes -> socket.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                    + TEN_MB + "\r\n\r\n"));
        });
        client = clientOf(peers.listen(raw));

        assertTooLarge(failure(client.request(SESSION, CALL, UpstreamSink.DISCARD)), "a response body");
        await().atMost(5, TimeUnit.SECONDS).untilTrue(hungUp);
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static void assertTooLarge(Throwable error, String what) {
        assertThat(error).isInstanceOf(JsonRpcException.class);
        JsonRpcException e = (JsonRpcException) error;
        assertThat(e.error().code()).isEqualTo(ErrorCodes.UPSTREAM_UNAVAILABLE);
        assertThat(e.getMessage()).startsWith("Backend 'bulky' sent " + what + " larger than 1048576 bytes")
                .contains("max-message-size");
        assertThat(e.error().data().path("backend").asText()).isEqualTo("bulky");
        assertThat(e.error().data().path("limit").asLong()).isEqualTo(LIMIT);
    }

    /**
     * Writes {@code head}, then {@code filler} over and over up to {@code size} bytes (forever for
     * Long.MAX_VALUE), then {@code tail}, as fast as the client reads it.
     */
    private void endless(HttpServerResponse response, String head, String filler, long size, String tail) {
        response.closeHandler(v -> hungUp.set(true));
        response.write(head);
        Buffer chunk = Buffer.buffer(filler.repeat(64 * 1024 / filler.length()));
        Runnable[] more = new Runnable[1];
        more[0] = () -> {
            while (!hungUp.get() && !response.writeQueueFull()) {
                if (written.get() >= size) {
                    response.end(tail);
                    return;
                }
                response.write(chunk);
                written.addAndGet(chunk.length());
            }
            if (!hungUp.get()) {
                response.drainHandler(v -> more[0].run());
            }
        };
        more[0].run();
    }

    private int server(Handler<HttpServerRequest> handler) throws Exception {
        return peers
                .listen(peers.vertx().createHttpServer().requestHandler(req -> req.body().onSuccess(b -> handler.handle(req))));
    }

    private UpstreamClient clientOf(int port) {
        return peers.client(UpstreamTestKit.httpBackend("bulky", TransportKind.STREAMABLE_HTTP,
                "http://127.0.0.1:" + port + "/mcp", Map.of(), Duration.ofSeconds(60)),
                UpstreamTestKit.options(10, LIMIT, Duration.ofMinutes(10), new ProcessBudget(4)));
    }

    private static Throwable failure(Future<?> future) throws InterruptedException {
        return UpstreamTestKit.failureWithin(future, PATIENCE_SECONDS,
                "no answer within " + PATIENCE_SECONDS + " s: the client read on past the limit");
    }
}
