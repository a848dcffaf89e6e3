package dev.mcpgateway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * An upstream ({@code flood}) that answers initialize and then, on every GET stream, sends
 * {@link #EVENTS} log notifications of {@link #EVENT_SIZE} bytes as fast as the gateway reads them
 * (it respects its own write queue), then keeps the stream open. A tool call ({@code flood}) sends
 * the same notifications as progress before its result. A real server will not flood on demand.
 */
public class FloodingUpstream implements QuarkusTestResourceLifecycleManager {

    /** Notifications per stream. */
    public static final int EVENTS = 600;
    /** Size of the data of each notification. */
    public static final int EVENT_SIZE = 32 * 1024;
    private static final AtomicInteger SENT = new AtomicInteger();

    private Vertx vertx;
    private Path config;

    /** Notifications written to GET streams so far (all streams). */
    public static int sent() {
        return SENT.get();
    }

    @Override
    public Map<String, String> start() {
        SENT.set(0);
        vertx = Vertx.vertx();
        String filler = "x".repeat(EVENT_SIZE);
        HttpServer server = vertx.createHttpServer().requestHandler(req -> {
            if ("GET".equals(req.method().name())) {
                HttpServerResponse resp = req.response().setChunked(true).putHeader("Content-Type", "text/event-stream");
                resp.write(":\n\n");
                flood(resp, filler, 0, null, SENT);
                return;
            }
            req.body().onSuccess(body -> {
                JsonObject msg = body.toJsonObject();
                Object id = msg.getValue("id");
                if (id == null) {
                    req.response().setStatusCode(202).end();
                    return;
                }
                String method = msg.getString("method");
                JsonObject result = switch (method) {
                    case "initialize" -> new JsonObject().put("protocolVersion", "2025-06-18")
                            .put("capabilities",
                                    new JsonObject().put("tools", new JsonObject()).put("logging", new JsonObject()))
                            .put("serverInfo", new JsonObject().put("name", "flood").put("version", "1"));
                    case "tools/list" -> new JsonObject().put("tools", new JsonArray().add(new JsonObject().put("name", "flood")
                            .put("inputSchema", new JsonObject().put("type", "object"))));
                    default -> null;
                };
                if ("tools/call".equals(method)) {
                    Object token = msg.getJsonObject("params").getJsonObject("_meta", new JsonObject())
                            .getValue("progressToken");
                    HttpServerResponse resp = req.response().setChunked(true).putHeader("Content-Type", "text/event-stream")
                            .putHeader("Mcp-Session-Id", "s-flood");
                    JsonObject reply = new JsonObject().put("jsonrpc", "2.0").put("id", id).put("result",
                            new JsonObject().put("content",
                                    new JsonArray().add(new JsonObject().put("type", "text").put("text", "flooded"))));
                    flood(resp, filler, 0, token == null ? null : new Object[]{token, reply}, new AtomicInteger());
                    return;
                }
                FakeUpstreams.json(req, "s-flood", FakeUpstreams.reply(id, result));
            });
        });
        int port = FakeUpstreams.listen(server);
        try {
            config = Files.createTempFile("flood-", ".json");
            Files.writeString(config, """
                    {"mcpServers": {"flood": {"url": "http://127.0.0.1:%d/mcp"}}}""".formatted(port));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of("mcp-gateway.config-file", config.toString());
    }

    /**
     * Writes notifications from {@code n} on while the write queue has room; {@code progress} (a
     * token and the final reply) turns them into progress and ends with the reply.
     */
    private static void flood(HttpServerResponse resp, String filler, int n, Object[] progress, AtomicInteger counter) {
        int i = n;
        while (i < EVENTS && !resp.writeQueueFull()) {
            JsonObject note = progress == null
                    ? new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/message").put("params",
                            new JsonObject().put("level", "info").put("logger", "flood").put("data", i + ":" + filler))
                    : new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/progress").put("params",
                            new JsonObject().put("progressToken", progress[0]).put("progress", i).put("message", filler));
            resp.write("event: message\ndata: " + note.encode() + "\n\n");
            counter.incrementAndGet();
            i++;
        }
        if (i < EVENTS) {
            int next = i;
            resp.drainHandler(v -> flood(resp, filler, next, progress, counter));
        } else if (progress != null) {
            resp.end("event: message\ndata: " + ((JsonObject) progress[1]).encode() + "\n\n");
        }
    }

    @Override
    public void stop() {
        if (vertx != null) {
            vertx.close();
        }
        NodePeers.deleteQuietly(config);
    }
}
