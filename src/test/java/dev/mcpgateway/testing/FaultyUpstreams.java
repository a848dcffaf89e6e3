package dev.mcpgateway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;

/**
 * Upstreams that fail in ways a real server will not on demand: {@code slow} never answers a tool
 * call, {@code garbage} answers one with bytes that are not JSON, {@code broken} with HTTP 500,
 * {@code dead} listens nowhere. {@code ok} works. All but the dead one answer initialize properly.
 */
public class FaultyUpstreams implements QuarkusTestResourceLifecycleManager {

    private Vertx vertx;
    private Path config;

    @Override
    public Map<String, String> start() {
        vertx = Vertx.vertx();
        HttpServer server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
            String kind = req.path().substring(1);
            if (!"POST".equals(req.method().name())) {
                req.response().setStatusCode(405).end();
                return;
            }
            JsonObject msg = body.toJsonObject();
            String method = msg.getString("method");
            Object id = msg.getValue("id");
            if (id == null) {
                req.response().setStatusCode(202).end();
                return;
            }
            JsonObject result = switch (method) {
                case "initialize" -> new JsonObject().put("protocolVersion", "2025-06-18")
                        .put("capabilities", new JsonObject().put("tools", new JsonObject()))
                        .put("serverInfo", new JsonObject().put("name", kind).put("version", "1"));
                case "tools/list" -> new JsonObject().put("tools", new io.vertx.core.json.JsonArray()
                        .add(new JsonObject().put("name", "work").put("inputSchema", new JsonObject().put("type", "object"))));
                default -> null;
            };
            if (result == null && "tools/call".equals(method)) {
                switch (kind) {
                    case "slow" -> {
                        return; // never answers
                    }
                    case "garbage" -> {
                        req.response().putHeader("Content-Type", "application/json").end("this is not json");
                        return;
                    }
                    case "broken" -> {
                        req.response().setStatusCode(500).end("upstream exploded");
                        return;
                    }
                    default -> {
                        String tenant = req.getHeader("X-Tenant");
                        result = new JsonObject().put("content", new io.vertx.core.json.JsonArray()
                                .add(new JsonObject().put("type", "text").put("text",
                                        tenant == null ? "done" : "done for " + tenant)));
                    }
                }
            }
            FakeUpstreams.json(req, "s-" + kind, FakeUpstreams.reply(id, result));
        }));
        int port = FakeUpstreams.listen(server);
        int deadPort = NodePeers.freePort();
        String base = "http://127.0.0.1:" + port + "/";
        String json = """
                {"mcpServers": {
                  "ok": {"url": "%sok", "forwardHeaders": ["X-Tenant"]},
                  "plain": {"url": "%splain"},
                  "slow": {"url": "%sslow", "timeout": "1s"},
                  "garbage": {"url": "%sgarbage"},
                  "broken": {"url": "%sbroken"},
                  "dead": {"url": "http://127.0.0.1:%d/mcp"}
                }}""".formatted(base, base, base, base, base, deadPort);
        try {
            config = Files.createTempFile("faulty-", ".json");
            Files.writeString(config, json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of("mcp-gateway.config-file", config.toString());
    }

    @Override
    public void stop() {
        if (vertx != null) {
            vertx.close();
        }
        NodePeers.deleteQuietly(config);
    }
}
