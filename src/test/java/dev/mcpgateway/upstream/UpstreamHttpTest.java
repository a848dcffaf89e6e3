package dev.mcpgateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.mcpgateway.config.BackendConfig;
import dev.mcpgateway.config.ToolFilter;
import dev.mcpgateway.config.TransportKind;
import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.impl.ContextInternal;
import io.vertx.core.impl.VertxInternal;

/** The header rules of {@link UpstreamHttp}, as data, and its pools per event loop. */
class UpstreamHttpTest {

    private final Vertx vertx = Vertx.vertx();
    private UpstreamHttp http;

    @AfterEach
    void stop() throws Exception {
        if (http != null) {
            http.shutdown();
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void theHeaderSetsIgnoreCaseAndCannotBeChanged() {
        assertThat(List.of("content-length", "TRANSFER-ENCODING", "Host", "te", "upgrade", "proxy-connection", "Keep-Alive",
                "trailer", "Proxy-Authorization", "Proxy-Authenticate", "connection"))
                .allMatch(UpstreamHttp.HOP_BY_HOP::contains);
        assertThat(List.of("mcp-session-id", "Mcp-Protocol-Version", "MCP-METHOD", "mcp-name", "last-event-id", "accept",
                "content-type")).allMatch(UpstreamHttp.GATEWAY_OWNED::contains);
        assertThat(UpstreamHttp.isForwardable("authorization")).isTrue();
        assertThat(UpstreamHttp.isForwardable("X-Tenant")).isTrue();
        assertThat(UpstreamHttp.isForwardable("transfer-encoding")).isFalse();
        assertThat(UpstreamHttp.isForwardable("MCP-SESSION-ID")).isFalse();
        assertThatThrownBy(() -> UpstreamHttp.HOP_BY_HOP.add("X-Other")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> UpstreamHttp.GATEWAY_OWNED.remove("Accept"))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void configuredThenExtraThenTheGatewaysOwnLast() {
        Map<String, String> configured = new LinkedHashMap<>();
        configured.put("X-Api-Key", "configured");
        configured.put("Authorization", "Bearer configured");
        configured.put("keep-alive", "timeout=5");
        configured.put("mcp-protocol-version", "1999-01-01");
        http = http(configured);
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("authorization", "Bearer caller");
        extra.put("X-Tenant", "acme");
        extra.put("content-length", "5");
        extra.put("upgrade", "h2c");
        extra.put("mcp-session-id", "forged");
        extra.put("LAST-EVENT-ID", "forged-7");

        MultiMap headers = http.headers(extra, MultiMap.caseInsensitiveMultiMap().set("Mcp-Session-Id", "s-1")
                .set("Accept", "text/event-stream"));

        assertThat(headers.getAll("X-Api-Key")).containsExactly("configured");
        // A caller's credential replaces the configured one.
        assertThat(headers.getAll("Authorization")).containsExactly("Bearer caller");
        assertThat(headers.getAll("X-Tenant")).containsExactly("acme");
        assertThat(headers.getAll("Mcp-Session-Id")).containsExactly("s-1");
        assertThat(headers.getAll("Accept")).containsExactly("text/event-stream");
        assertThat(List.of("Keep-Alive", "Content-Length", "Upgrade", "MCP-Protocol-Version", "Last-Event-ID"))
                .noneMatch(headers::contains);
    }

    @Test
    void eachEventLoopCallsThroughConnectionsOfItsOwn() throws Exception {
        Set<Object> connections = ConcurrentHashMap.newKeySet();
        HttpServer server = vertx.createHttpServer().requestHandler(req -> {
            connections.add(req.connection());
            req.response().end("ok");
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        BackendConfig config = new BackendConfig("b", TransportKind.STREAMABLE_HTTP,
                "http://127.0.0.1:" + server.actualPort() + "/mcp", Map.of(), null, List.of(), Map.of(), null,
                ToolFilter.ALLOW_ALL, Duration.ofSeconds(5));
        http = new UpstreamHttp(vertx, config,
                new UpstreamOptions(Duration.ofSeconds(1), Duration.ofSeconds(30), 4, Duration.ofSeconds(4)));
        // New event-loop contexts take the loops in turn.
        Context first = ((VertxInternal) vertx).createEventLoopContext();
        Context second = ((VertxInternal) vertx).createEventLoopContext();
        assertThat(((ContextInternal) first).nettyEventLoop()).isNotSameAs(((ContextInternal) second).nettyEventLoop());

        for (Context context : List.of(first, second, first, second)) {
            String thread = call(context);
            // The answer is handled on the calling loop's own thread.
            assertThat(thread).isEqualTo(onContext(context, () -> Thread.currentThread().getName()));
        }
        // One pooled connection per loop, each reused by its loop's later call.
        assertThat(connections).hasSize(2);
        assertThat(onContext(first, http::requests)).isSameAs(onContext(first, http::requests))
                .isNotSameAs(onContext(second, http::requests));
        server.close();
    }

    private String call(Context context) throws Exception {
        CompletableFuture<String> thread = new CompletableFuture<>();
        context.runOnContext(v -> http.call(http.requests(), http.request(HttpMethod.GET, MultiMap.caseInsensitiveMultiMap()),
                5000, r -> r.send().compose(resp -> resp.body().map(b -> Thread.currentThread().getName())))
                .onComplete(ar -> {
                    if (ar.succeeded()) {
                        thread.complete(ar.result());
                    } else {
                        thread.completeExceptionally(ar.cause());
                    }
                }));
        return thread.get(10, TimeUnit.SECONDS);
    }

    private static <T> T onContext(Context context, java.util.function.Supplier<T> what) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        context.runOnContext(v -> result.complete(what.get()));
        return result.get(10, TimeUnit.SECONDS);
    }

    private UpstreamHttp http(Map<String, String> configured) {
        BackendConfig config = new BackendConfig("b", TransportKind.STREAMABLE_HTTP, "http://127.0.0.1:1/mcp", configured,
                null, List.of(), Map.of(), null, ToolFilter.ALLOW_ALL, Duration.ofSeconds(5));
        return new UpstreamHttp(vertx, config,
                new UpstreamOptions(Duration.ofSeconds(1), Duration.ofSeconds(30), 4, Duration.ofSeconds(4)));
    }
}
