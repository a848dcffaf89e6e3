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

    /** A REST server that never answers {@code /slow}, sends 64 KiB for {@code /big} and echoes headers on {@code /echo}. */
    int restServer() throws Exception {
        return vertx.createHttpServer().requestHandler(req -> {
            switch (req.path()) {
                case "/v1/slow" -> {
                    // never answers
                }
                case "/v1/big" -> req.response().putHeader("Content-Type", "text/plain").end("x".repeat(64 * 1024));
                default -> {
                    ObjectNode headers = JSON.objectNode();
                    req.headers().forEach(h -> headers.put(h.getKey().toLowerCase(java.util.Locale.ROOT), h.getValue()));
                    req.response().putHeader("Content-Type", "application/json").end(headers.toString());
                }
            }
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
    }

    @Test
    void callsAreBoundedInTimeAndSizeAndArgumentsNeverReplaceConfiguredHeaders() throws Exception {
        int port = restServer();
        String base = "http://127.0.0.1:" + port + "/v1";
        List<OpenApiOperation> ops = List.of(
                new OpenApiOperation("slow", "GET", "/slow", List.of(), null, JSON.objectNode()),
                new OpenApiOperation("big", "GET", "/big", List.of(), null, JSON.objectNode()),
                new OpenApiOperation("echo", "GET", "/echo", List.of(
                        new OpenApiOperation.Parameter("X-Api-Key", "key", "header", "simple", false, false),
                        new OpenApiOperation.Parameter("X-Mine", "mine", "header", "simple", false, false)), null,
                        JSON.objectNode()));
        BackendConfig b = new BackendConfig("api", TransportKind.OPENAPI, base, Map.of("X-Api-Key", "configured"), null,
                List.of(), Map.of(), null, ToolFilter.ALLOW_ALL, Duration.ofMillis(500))
                .withOpenApi(new OpenApiSource("api.json", base, null, null, ops));
        OpenApiClient client = new OpenApiClient(vertx, b, new UpstreamOptions(Duration.ofSeconds(1), Duration.ofSeconds(30),
                4, Duration.ofSeconds(1), 1024, Duration.ofMinutes(1), new ProcessBudget(1)));
        UpstreamSession session = await(client.open(JSON.objectNode()));

        Throwable slow = failure(client.request(session, call("slow", "{}"), UpstreamSink.DISCARD, Map.of()));
        assertThat(UpstreamErrors.isTimeout(slow)).isTrue();
        assertThat(slow).hasMessageContaining("did not answer within 500 ms");
        Throwable big = failure(client.request(session, call("big", "{}"), UpstreamSink.DISCARD, Map.of()));
        assertThat(big).hasMessageContaining("larger than 1024 bytes").hasMessageContaining("max-message-size");

        JsonNode echo = await(client.request(session, call("echo", "{\"key\": \"from-model\", \"mine\": \"m\"}"),
                UpstreamSink.DISCARD, Map.of("Authorization", "Bearer t"))).result().path("structuredContent");
        assertThat(echo.path("x-api-key").asText()).isEqualTo("configured");
        assertThat(echo.path("authorization").asText()).isEqualTo("Bearer t");
        assertThat(echo.path("x-mine").asText()).isEqualTo("m");
        client.shutdown();
    }

    static JsonRpcRequest call(String tool, String arguments) throws Exception {
        ObjectNode params = JSON.objectNode().put("name", tool);
        params.set("arguments", new com.fasterxml.jackson.databind.ObjectMapper().readTree(arguments));
        return request("tools/call", params);
    }

    static Throwable failure(Future<?> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().handle((r, t) -> t).get(10, TimeUnit.SECONDS);
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
