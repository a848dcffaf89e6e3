package dev.mcpgateway.testing;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A minimal MCP server over Streamable HTTP (JSON answers, no session) that records the method and
 * headers of every request it receives, so a test can tell what the gateway sent it. One tool,
 * {@code ping_me}.
 */
public final class HeaderRecordingUpstream implements AutoCloseable {

    /** One request as received. */
    public record Seen(String method, Map<String, String> headers) {
    }

    public final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final Vertx vertx = Vertx.vertx();
    private final int port;

    public HeaderRecordingUpstream() {
        HttpServer server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
            if (!"POST".equals(req.method().name())) {
                req.response().setStatusCode(405).end();
                return;
            }
            JsonObject msg = body.toJsonObject();
            Map<String, String> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            req.headers().forEach(h -> headers.put(h.getKey(), h.getValue()));
            seen.add(new Seen(msg.getString("method"), headers));
            Object id = msg.getValue("id");
            if (id == null) {
                req.response().setStatusCode(202).end();
                return;
            }
            JsonObject result = switch (msg.getString("method")) {
                case "initialize" -> new JsonObject().put("protocolVersion", "2025-06-18")
                        .put("capabilities", new JsonObject().put("tools", new JsonObject()))
                        .put("serverInfo", new JsonObject().put("name", "header-recorder").put("version", "1"));
                case "tools/list" -> new JsonObject().put("tools", new JsonArray().add(new JsonObject().put("name", "ping_me")
                        .put("inputSchema", new JsonObject().put("type", "object"))));
                case "tools/call" -> new JsonObject().put("content",
                        new JsonArray().add(new JsonObject().put("type", "text").put("text", "pong")));
                default -> new JsonObject();
            };
            req.response().putHeader("Content-Type", "application/json")
                    .end(new JsonObject().put("jsonrpc", "2.0").put("id", id).put("result", result).encode());
        }));
        this.port = server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().join().actualPort();
    }

    public String url() {
        return "http://127.0.0.1:" + port + "/mcp";
    }

    /** The headers of the first request with this method, or null. */
    public Map<String, String> first(String method) {
        return seen.stream().filter(s -> method.equals(s.method())).map(Seen::headers).findFirst().orElse(null);
    }

    @Override
    public void close() {
        vertx.close();
    }
}
