package dev.mcpgateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.config.BackendConfig;
import dev.mcpgateway.config.OpenApiOperation;
import dev.mcpgateway.config.OpenApiSource;
import dev.mcpgateway.config.ToolFilter;
import dev.mcpgateway.config.TransportKind;
import dev.mcpgateway.jsonrpc.ErrorCodes;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/** The client's own answers: the session it opens, paged tools/list, ping, and methods it has not. */
class OpenApiClientTest {

    static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() {
        vertx.close();
    }

    static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    OpenApiClient client(int operations) {
        List<OpenApiOperation> ops = new ArrayList<>();
        for (int i = 0; i < operations; i++) {
            ops.add(new OpenApiOperation("op" + i, "GET", "/op/" + i, List.of(), null,
                    JSON.objectNode().put("name", "op" + i)));
        }
        BackendConfig b = new BackendConfig("api", TransportKind.OPENAPI, "http://127.0.0.1:1/v1", Map.of(), null,
                List.of(), Map.of(), null, ToolFilter.ALLOW_ALL, Duration.ofSeconds(5))
                .withOpenApi(new OpenApiSource("api.json", "http://127.0.0.1:1/v1", "Title", "3", ops));
        return new OpenApiClient(vertx, b, new UpstreamOptions(Duration.ofSeconds(1), Duration.ofSeconds(30), 4,
                Duration.ofSeconds(1)));
    }

    static JsonRpcRequest request(String method, ObjectNode params) {
        return new JsonRpcRequest(IntNode.valueOf(1), method, params);
    }

    @Test
    void listsEveryToolInPages() throws Exception {
        OpenApiClient client = client(250);
        UpstreamSession session = await(client.open(JSON.objectNode().put("protocolVersion", "2025-06-18")));
        assertThat(session.has("tools")).isTrue();
        assertThat(session.protocolVersion()).isEqualTo("2025-06-18");
        assertThat(session.serverInfo().path("name").asText()).isEqualTo("Title");
        List<String> names = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            ObjectNode params = JSON.objectNode();
            if (cursor != null) {
                params.put("cursor", cursor);
            }
            JsonNode result = await(client.request(session, request("tools/list", params), UpstreamSink.DISCARD)).result();
            result.path("tools").forEach(t -> names.add(t.path("name").asText()));
            cursor = result.path("nextCursor").asText(null);
            pages++;
        } while (cursor != null);
        assertThat(pages).isEqualTo(3);
        assertThat(names).hasSize(250).doesNotHaveDuplicates().startsWith("op0").endsWith("op249");
        JsonRpcResponse bad = await(client.request(session, request("tools/list", JSON.objectNode().put("cursor", "999")),
                UpstreamSink.DISCARD));
        assertThat(bad.error().path("code").asInt()).isEqualTo(ErrorCodes.INVALID_PARAMS);
        client.shutdown();
    }

    @Test
    void pingAnswersOtherMethodsAreNotFound() throws Exception {
        OpenApiClient client = client(1);
        UpstreamSession session = await(client.open(JSON.objectNode()));
        assertThat(await(client.request(session, request("ping", null), UpstreamSink.DISCARD)).isError()).isFalse();
        assertThat(await(client.request(session, request("resources/list", null), UpstreamSink.DISCARD)).error()
                .path("code").asInt()).isEqualTo(ErrorCodes.METHOD_NOT_FOUND);
        JsonRpcResponse unknown = await(client.request(session,
                request("tools/call", JSON.objectNode().put("name", "nope")), UpstreamSink.DISCARD));
        assertThat(unknown.error().path("code").asInt()).isEqualTo(ErrorCodes.INVALID_PARAMS);
        // Nothing listens on port 1: the backend is unavailable, said as a JSON-RPC error naming it.
        Throwable failed = client.request(session, request("tools/call", JSON.objectNode().put("name", "op0")),
                UpstreamSink.DISCARD).toCompletionStage().toCompletableFuture().handle((r, t) -> t).get(10, TimeUnit.SECONDS);
        assertThat(failed).hasMessageContaining("Backend 'api' is unavailable");
        client.shutdown();
    }
}
