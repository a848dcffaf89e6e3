package dev.mcpgateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import dev.mcpgateway.config.TransportKind;
import dev.mcpgateway.jsonrpc.ErrorCodes;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import dev.mcpgateway.jsonrpc.JsonRpcMessage;
import dev.mcpgateway.jsonrpc.JsonRpcNotification;
import dev.mcpgateway.upstream.UpstreamTestKit.VertxPerTest;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;

/**
 * Every Streamable HTTP call has a deadline, even against an upstream that accepts the connection
 * and then says nothing: a raw TCP server stands in for it. A GET stream's deadline covers its
 * response headers only.
 */
class StreamableHttpDeadlineTest {

    private static final Duration TIMEOUT = Duration.ofMillis(500);
    /** Far beyond the backend's timeout: without a deadline the call is still waiting here. */
    private static final long PATIENCE_SECONDS = 10;
    private static final UpstreamSession SESSION = new UpstreamSession("stalled", "s-1", "2025-06-18",
            JsonNodeFactory.instance.objectNode(), null);

    @RegisterExtension
    final VertxPerTest peers = new VertxPerTest();
    private UpstreamClient client;
    /** Each connection the server accepted, and whether the client has closed it since. */
    private final List<AtomicBoolean> connections = new CopyOnWriteArrayList<>();

    @Test
    void sendFailsAtTheDeadlineWhenTheUpstreamNeverAnswers() throws Exception {
        client = clientOf(server((socket, request) -> {
            // Reads the request and never answers.
        }));

        Throwable error = failure(client.send(SESSION, new JsonRpcNotification("notifications/progress", null)));

        assertTimeout(error);
        await().atMost(5, TimeUnit.SECONDS)
                .untilAsserted(() -> assertThat(connections).hasSize(1).allMatch(AtomicBoolean::get));
    }

    @Test
    void sendFailsAtTheDeadlineWhenTheBodyNeverCompletes() throws Exception {
        client = clientOf(server((socket, request) -> socket.write(
                "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")));

        Throwable error = failure(client.send(SESSION, new JsonRpcNotification("notifications/progress", null)));

        assertTimeout(error);
        await().atMost(5, TimeUnit.SECONDS)
                .untilAsserted(() -> assertThat(connections).hasSize(1).allMatch(AtomicBoolean::get));
    }

    @Test
    void listenFailsAtTheDeadlineWhenNoHeadersArrive() throws Exception {
        client = clientOf(server((socket, request) -> {
            // Half a status line, then nothing.
            socket.write("HTTP/1.1 2");
        }));

        Throwable error = failure(client.listen(SESSION, UpstreamSink.DISCARD));

        assertTimeout(error);
        await().atMost(5, TimeUnit.SECONDS)
                .untilAsserted(() -> assertThat(connections).hasSize(1).allMatch(AtomicBoolean::get));
    }

    @Test
    void aListenStreamThatStaysSilentPastTheTimeoutStaysOpen() throws Exception {
        String event = "data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/list_changed\"}\n\n";
        client = clientOf(server((socket, request) -> {
            socket.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
            // Silent for several times the backend's timeout, then an event.
            peers.vertx().setTimer(TIMEOUT.multipliedBy(3).toMillis(),
                    id -> socket.write(Integer.toHexString(event.length()) + "\r\n" + event + "\r\n"));
        }));
        List<JsonRpcMessage> received = new CopyOnWriteArrayList<>();

        UpstreamListener listener = client.listen(SESSION, received::add).toCompletionStage().toCompletableFuture()
                .get(PATIENCE_SECONDS, TimeUnit.SECONDS);

        // The deadline was on the headers only: the stream outlived it.
        await().atMost(PATIENCE_SECONDS, TimeUnit.SECONDS).untilAsserted(() -> assertThat(received).hasSize(1));
        assertThat(connections).hasSize(1);
        assertThat(connections.get(0)).isFalse();
        listener.close();
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static void assertTimeout(Throwable error) {
        assertThat(error).isInstanceOf(JsonRpcException.class);
        JsonRpcException e = (JsonRpcException) error;
        assertThat(e.error().code()).isEqualTo(ErrorCodes.UPSTREAM_TIMEOUT);
        assertThat(e.getMessage()).isEqualTo("Backend 'stalled' did not answer within 500 ms");
        assertThat(e.error().data().path("backend").asText()).isEqualTo("stalled");
    }

    /**
     * A TCP server that hands the first bytes of each connection to {@code onRequest}, and notes when
     * the client closes the connection.
     */
    private int server(BiConsumer<NetSocket, Buffer> onRequest) throws Exception {
        return peers.listen(peers.vertx().createNetServer().connectHandler(socket -> {
            AtomicBoolean closed = new AtomicBoolean();
            connections.add(closed);
            AtomicBoolean seen = new AtomicBoolean();
            socket.handler(bytes -> {
                if (seen.compareAndSet(false, true)) {
                    onRequest.accept(socket, bytes);
                }
            });
            socket.closeHandler(v -> closed.set(true));
        }));
    }

    private UpstreamClient clientOf(int port) {
        return peers.client(UpstreamTestKit.httpBackend("stalled", TransportKind.STREAMABLE_HTTP,
                "http://127.0.0.1:" + port + "/mcp", Map.of(), TIMEOUT), UpstreamTestKit.options());
    }

    private static Throwable failure(Future<?> future) throws InterruptedException {
        return UpstreamTestKit.failureWithin(future, PATIENCE_SECONDS,
                "no answer " + PATIENCE_SECONDS + " s after a deadline of " + TIMEOUT.toMillis() + " ms");
    }
}
