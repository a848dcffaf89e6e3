package dev.mcpgateway.testing;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Backends with resilience settings (mcp-servers.json):
 * <ul>
 * <li>{@code everything}: a real server-everything over HTTP that a test may stop and start again
 * ({@link #stopEverything()}, {@link #startEverything()}); circuit after 2 failures, open 1 s, tools
 * stay listed;</li>
 * <li>{@code bounded}: another server-everything, at most 1 request in flight;</li>
 * <li>{@code flaky}: a hand-written upstream whose tool {@code work} answers HTTP 503 when called
 * with {@code {"fail": true}} (a fault on demand no real server offers); circuit after 3 failures,
 * open 1 s, tools hidden while open; {@code GET /count} says how many tool calls reached it;</li>
 * <li>{@code dead}: listens nowhere; circuit after 1 failure, open 1 h, fail open.</li>
 * </ul>
 */
public class ResilientUpstreams implements QuarkusTestResourceLifecycleManager {

    public static final long OPEN_FOR_MILLIS = 1000;

    private static volatile int everythingPort;
    private static volatile Process everything;
    private Process bounded;
    private Vertx vertx;
    private Path config;

    @Override
    public Map<String, String> start() {
        everythingPort = NodePeers.freePort();
        int boundedPort = NodePeers.freePort();
        startEverything();
        bounded = NodePeers.startEverythingHttp(boundedPort);
        vertx = Vertx.vertx();
        AtomicInteger calls = new AtomicInteger();
        HttpServer server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
            if ("GET".equals(req.method().name()) && req.path().equals("/count")) {
                req.response().end(Integer.toString(calls.get()));
                return;
            }
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
                        .put("capabilities", new JsonObject().put("tools", new JsonObject()))
                        .put("serverInfo", new JsonObject().put("name", "flaky").put("version", "1"));
                case "tools/list" -> new JsonObject().put("tools", new JsonArray()
                        .add(new JsonObject().put("name", "work").put("inputSchema", new JsonObject().put("type", "object"))));
                case "tools/call" -> {
                    calls.incrementAndGet();
                    JsonObject args = msg.getJsonObject("params").getJsonObject("arguments", new JsonObject());
                    if (args.getBoolean("fail", false)) {
                        req.response().setStatusCode(503).end("overloaded");
                        yield null;
                    }
                    yield new JsonObject().put("content",
                            new JsonArray().add(new JsonObject().put("type", "text").put("text", "done")));
                }
                default -> null;
            };
            if (!req.response().ended()) {
                FakeUpstreams.json(req, "s-flaky", FakeUpstreams.reply(id, result));
            }
        }));
        int flakyPort = FakeUpstreams.listen(server);
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        ObjectNode servers = root.putObject("mcpServers");
        ObjectNode e = servers.putObject("everything").put("url", "http://127.0.0.1:" + everythingPort + "/mcp");
        e.putObject("circuitBreaker").put("failureThreshold", 2).put("openFor", OPEN_FOR_MILLIS + "ms");
        servers.putObject("bounded").put("url", "http://127.0.0.1:" + boundedPort + "/mcp").put("maxConcurrent", 1);
        ObjectNode f = servers.putObject("flaky").put("url", "http://127.0.0.1:" + flakyPort + "/mcp")
                .put("hideToolsWhenOpen", true);
        f.putObject("circuitBreaker").put("failureThreshold", 3).put("openFor", OPEN_FOR_MILLIS + "ms");
        ObjectNode d = servers.putObject("dead").put("url", "http://127.0.0.1:" + NodePeers.freePort() + "/mcp")
                .put("failureMode", "failOpen");
        d.putObject("circuitBreaker").put("failureThreshold", 1).put("openFor", "1h");
        config = NodePeers.writeConfig("resilient-", root);
        return Map.of("mcp-gateway.config-file", config.toString(), "test.flaky.count",
                "http://127.0.0.1:" + flakyPort + "/count");
    }

    /** Starts (again) the server-everything behind {@code everything}, on the same port. */
    public static void startEverything() {
        everything = NodePeers.startEverythingHttp(everythingPort);
    }

    /** Stops the server-everything behind {@code everything}: connections to it are refused. */
    public static void stopEverything() {
        NodePeers.stop(everything);
    }

    @Override
    public void stop() {
        NodePeers.stop(everything);
        NodePeers.stop(bounded);
        if (vertx != null) {
            vertx.close();
        }
        NodePeers.deleteQuietly(config);
    }
}
