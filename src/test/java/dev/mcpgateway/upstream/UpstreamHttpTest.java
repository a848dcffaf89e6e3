package dev.mcpgateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.mcpgateway.config.BackendConfig;
import dev.mcpgateway.config.ToolFilter;
import dev.mcpgateway.config.TransportKind;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;

/** The header rules of {@link UpstreamHttp}, as data. */
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

    private UpstreamHttp http(Map<String, String> configured) {
        BackendConfig config = new BackendConfig("b", TransportKind.STREAMABLE_HTTP, "http://127.0.0.1:1/mcp", configured,
                null, List.of(), Map.of(), null, ToolFilter.ALLOW_ALL, Duration.ofSeconds(5));
        return new UpstreamHttp(vertx, config,
                new UpstreamOptions(Duration.ofSeconds(1), Duration.ofSeconds(30), 4, Duration.ofSeconds(4)));
    }
}
