package dev.mcpgateway.security;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A small MCP server that records the {@code Authorization} header of every request it gets, so a
 * test can tell which credential reached the upstream (as {@code "PATH AUTHORIZATION"}; give each
 * backend its own path). Tools: echo, read, admin, deploy, transfer;
 * one prompt, greet; one resource, test://doc.
 */
public final class RecordingUpstream implements AutoCloseable {

    public static final List<String> AUTHORIZATIONS = new CopyOnWriteArrayList<>();

    private final Vertx vertx = Vertx.vertx();
    private final int port;

    public RecordingUpstream() {
        HttpServer server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
            String auth = req.getHeader("Authorization");
            AUTHORIZATIONS.add(req.path() + " " + (auth == null ? "" : auth));
            if (!"POST".equals(req.method().name())) {
                req.response().setStatusCode(405).end();
                return;
            }
            JsonObject msg = body.toJsonObject();
            Object id = msg.getValue("id");
            if (id == null) {
                req.response().setStatusCode(202).end();
                return;
            }
            JsonObject result = switch (msg.getString("method")) {
                case "initialize" -> new JsonObject().put("protocolVersion", "2025-06-18")
                        .put("capabilities", new JsonObject().put("tools", new JsonObject())
                                .put("prompts", new JsonObject()).put("resources", new JsonObject()))
                        .put("serverInfo", new JsonObject().put("name", "recording").put("version", "1"));
                case "tools/list" -> {
                    JsonArray tools = new JsonArray();
                    for (String t : List.of("echo", "read", "admin", "deploy", "transfer")) {
                        tools.add(new JsonObject().put("name", t).put("inputSchema", new JsonObject().put("type", "object")));
                    }
                    yield new JsonObject().put("tools", tools);
                }
                case "tools/call" -> new JsonObject().put("content", new JsonArray().add(new JsonObject()
                        .put("type", "text").put("text", "called " + msg.getJsonObject("params").getString("name"))));
                case "prompts/list" ->
                    new JsonObject().put("prompts", new JsonArray().add(new JsonObject().put("name", "greet")));
                case "prompts/get" -> new JsonObject().put("messages", new JsonArray().add(new JsonObject().put("role", "user")
                        .put("content", new JsonObject().put("type", "text").put("text", "hello"))));
                case "resources/list" -> new JsonObject().put("resources",
                        new JsonArray().add(new JsonObject().put("uri", "test://doc").put("name", "doc")));
                case "resources/templates/list" -> new JsonObject().put("resourceTemplates", new JsonArray());
                case "resources/read" -> new JsonObject().put("contents", new JsonArray()
                        .add(new JsonObject().put("uri", "test://doc").put("text", "the doc")));
                case "ping" -> new JsonObject();
                default -> null;
            };
            JsonObject reply = new JsonObject().put("jsonrpc", "2.0").put("id", id);
            if (result == null) {
                reply.put("error", new JsonObject().put("code", -32601).put("message", "Method not found"));
            } else {
                reply.put("result", result);
            }
            req.response().putHeader("Content-Type", "application/json").putHeader("Mcp-Session-Id", "rec-1")
                    .end(reply.encode());
        }));
        try {
            port = server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get().actualPort();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    @Override
    public void close() {
        vertx.close();
    }
}
