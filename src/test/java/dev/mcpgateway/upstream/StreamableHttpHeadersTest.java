package dev.mcpgateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.config.TransportKind;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.jsonrpc.McpMethods;
import dev.mcpgateway.upstream.UpstreamTestKit.VertxPerTest;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;

/**
 * Extra headers (a forwarded client header, a credential for the caller) and configured headers
 * never carry framing, hop-by-hop or gateway-owned headers to a backend: a recording upstream sees
 * the gateway's own values, and the one pooled connection stays in step for the next call.
 */
class StreamableHttpHeadersTest {

    /** Far below the backend's timeout: a desynchronised connection makes the call wait that long. */
    private static final long PROMPTLY_SECONDS = 5;
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    /** What a careless route might pass on from a client's request. */
    private static final Map<String, String> HOSTILE = Map.of(
            "Content-Length", "5",
            "Host", "evil.example",
            "Transfer-Encoding", "chunked",
            "Connection", "close",
            "Mcp-Session-Id", "forged",
            "MCP-Protocol-Version", "2024-11-05",
            "Accept", "text/plain",
            "Authorization", "Bearer for-this-caller",
            "X-Tenant", "acme");

    @RegisterExtension
    final VertxPerTest peers = new VertxPerTest();
    private UpstreamClient client;
    private int port;
    /** Every request the upstream received: its headers, and whether its body was whole JSON. */
    private final List<Seen> seen = new CopyOnWriteArrayList<>();

    record Seen(String method, MultiMap headers, boolean wholeJson) {
    }

    @BeforeEach
    void start() throws Exception {
        port = peers.listen(peers.vertx().createHttpServer().requestHandler(req -> req.body().onComplete(b -> {
            MultiMap headers = MultiMap.caseInsensitiveMultiMap().addAll(req.headers());
            JsonObject msg;
            try {
                msg = b.result().toJsonObject();
            } catch (RuntimeException e) {
                seen.add(new Seen(null, headers, false));
                req.response().setStatusCode(400).end("not JSON");
                return;
            }
            String method = msg.getString("method");
            seen.add(new Seen(method, headers, true));
            if (msg.getValue("id") == null) {
                req.response().setStatusCode(202).end();
                return;
            }
            JsonObject reply = new JsonObject().put("jsonrpc", "2.0").put("id", msg.getValue("id"));
            if (McpMethods.SERVER_DISCOVER.equals(method)) {
                // A server of 2025-06-18: no discovery, so the gateway initializes.
                reply.put("error", new JsonObject().put("code", -32601).put("message", "Method not found"));
                req.response().putHeader("Content-Type", "application/json").end(reply.encode());
                return;
            }
            JsonObject result = McpMethods.INITIALIZE.equals(method)
                    ? new JsonObject().put("protocolVersion", "2025-06-18").put("capabilities", new JsonObject())
                            .put("serverInfo", new JsonObject().put("name", "recorder").put("version", "1"))
                    : new JsonObject().put("echo", msg.getJsonObject("params"));
            req.response().putHeader("Content-Type", "application/json").putHeader("Mcp-Session-Id", "s-1")
                    .end(reply.put("result", result).encode());
        })));
    }

    @Test
    void extraHeadersCannotReplaceTheGatewaysOwnNorTheFraming() throws Exception {
        client = client(Map.of());
        UpstreamSession session = promptly(client.open(initParams(), HOSTILE));

        JsonRpcResponse first = promptly(client.request(session, call(1, "first"), UpstreamSink.DISCARD, HOSTILE));
        // One pooled connection: the second call goes over the connection the first one used.
        JsonRpcResponse second = promptly(client.request(session, call(2, "second"), UpstreamSink.DISCARD, HOSTILE));

        assertThat(session.sessionId()).isEqualTo("s-1");
        assertThat(first.result().path("echo").path("arguments").path("text").asText()).isEqualTo("first");
        assertThat(second.result().path("echo").path("arguments").path("text").asText()).isEqualTo("second");
        assertThat(seen).extracting(Seen::method).containsExactly(McpMethods.SERVER_DISCOVER, McpMethods.INITIALIZE,
                McpMethods.NOTIFICATIONS_INITIALIZED, McpMethods.TOOLS_CALL, McpMethods.TOOLS_CALL);
        assertThat(seen).allSatisfy(s -> {
            assertThat(s.wholeJson()).isTrue();
            MultiMap h = s.headers();
            assertThat(h.getAll("Host")).containsExactly("127.0.0.1:" + port);
            assertThat(h.contains("Transfer-Encoding")).isFalse();
            assertThat(h.getAll("Content-Length")).hasSize(1).noneMatch("5"::equals);
            assertThat(h.contains("Connection")).isFalse();
            assertThat(h.getAll("Accept")).containsExactly("application/json, text/event-stream");
            assertThat(h.getAll("Content-Type")).containsExactly("application/json");
            // What the gateway does not own passes: the router adds Authorization only where a route says so.
            assertThat(h.get("Authorization")).isEqualTo("Bearer for-this-caller");
            assertThat(h.get("X-Tenant")).isEqualTo("acme");
        });
        // Discovery and initialize carry no session yet, whatever an extra header claims.
        assertThat(seen.subList(0, 2)).allSatisfy(s -> assertThat(s.headers().contains("Mcp-Session-Id")).isFalse());
        assertThat(seen.get(0).headers().getAll("MCP-Protocol-Version")).containsExactly("2026-07-28");
        assertThat(seen.get(0).headers().getAll("Mcp-Method")).containsExactly(McpMethods.SERVER_DISCOVER);
        assertThat(seen.get(1).headers().contains("MCP-Protocol-Version")).isFalse();
        assertThat(seen.subList(2, 5)).allSatisfy(s -> {
            assertThat(s.headers().getAll("Mcp-Session-Id")).containsExactly("s-1");
            assertThat(s.headers().getAll("MCP-Protocol-Version")).containsExactly("2025-06-18");
        });
    }

    @Test
    void configuredHeadersFollowTheSameRules() throws Exception {
        client = client(Map.of("Content-Length", "3", "Accept", "text/html", "Mcp-Session-Id", "configured",
                "X-Api-Key", "k-1"));
        UpstreamSession session = promptly(client.open(initParams()));

        promptly(client.request(session, call(1, "first"), UpstreamSink.DISCARD));
        promptly(client.request(session, call(2, "second"), UpstreamSink.DISCARD));

        assertThat(seen).hasSize(5).allSatisfy(s -> {
            assertThat(s.wholeJson()).isTrue();
            assertThat(s.headers().getAll("Content-Length")).hasSize(1).noneMatch("3"::equals);
            assertThat(s.headers().getAll("Accept")).containsExactly("application/json, text/event-stream");
            assertThat(s.headers().get("X-Api-Key")).isEqualTo("k-1");
        });
        assertThat(seen.get(1).headers().contains("Mcp-Session-Id")).isFalse();
        assertThat(seen.get(4).headers().getAll("Mcp-Session-Id")).containsExactly("s-1");
    }

    // ---- helpers ------------------------------------------------------------------------------

    private UpstreamClient client(Map<String, String> headers) {
        // One connection per backend, so every call reuses the one before it.
        return peers.client(UpstreamTestKit.httpBackend("recorder", TransportKind.STREAMABLE_HTTP,
                "http://127.0.0.1:" + port + "/mcp", headers, Duration.ofSeconds(60)), UpstreamTestKit.options(1));
    }

    private static ObjectNode initParams() {
        return UpstreamTestKit.initParams("2025-06-18", "headers-test");
    }

    private static JsonRpcRequest call(int id, String text) {
        ObjectNode params = JSON.objectNode().put("name", "echo");
        params.putObject("arguments").put("text", text);
        return new JsonRpcRequest(IntNode.valueOf(id), McpMethods.TOOLS_CALL, params);
    }

    private static <T> T promptly(Future<T> future) throws Exception {
        return UpstreamTestKit.promptly(future, PROMPTLY_SECONDS);
    }
}
