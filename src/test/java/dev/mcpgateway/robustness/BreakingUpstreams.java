package dev.mcpgateway.robustness;

import static dev.mcpgateway.testing.FakeUpstreams.reply;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.testing.FakeUpstreams;
import dev.mcpgateway.testing.NodePeers;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Upstreams that break in the middle of a call, each in its own way. All answer initialize and
 * tools/list properly (one tool, {@code work}); what happens on tools/call is named by the path:
 * {@code reset} (the connection dies halfway through the JSON), {@code html} (200 text/html),
 * {@code truncated-sse} (an event stream that ends inside an event), {@code sse-no-answer} (a
 * resumable stream that ends cleanly without the answer; GET is refused), {@code empty} (200 with
 * no body), {@code wrong-id} (an answer to another request), {@code binary} (bytes that are not
 * UTF-8), {@code oversized} (a body over the upstream message limit); {@code ok} works.
 * {@code victim} is a real server-everything over Streamable HTTP that a test kills mid-call (its
 * pid is {@code test.victim.pid}); {@code crashy} is a stdio server that exits while answering a
 * tools/call. Every backend keeps the default 60 s timeout, so an answer that waited for it shows.
 */
public class BreakingUpstreams implements QuarkusTestResourceLifecycleManager {

    static final List<String> HTTP_FAULTS = List.of("reset", "html", "truncated-sse", "sse-no-answer", "empty", "wrong-id",
            "binary", "oversized");

    /** A stdio MCP server that answers initialize and tools/list, and dies half-way through a tools/call. */
    static final String CRASHY = """
            const rl = require('readline').createInterface({input: process.stdin});
            rl.on('line', line => {
              const m = JSON.parse(line);
              if (m.id === undefined) return;
              const send = r => process.stdout.write(JSON.stringify({jsonrpc: '2.0', id: m.id, result: r}) + '\\n');
              if (m.method === 'initialize') send({protocolVersion: m.params.protocolVersion, capabilities: {tools: {}},
                  serverInfo: {name: 'crashy', version: '1'}});
              else if (m.method === 'tools/list') send({tools: [{name: 'work', inputSchema: {type: 'object'}}]});
              else if (m.method === 'tools/call') { process.stdout.write('{"jsonrpc":"2.0","id":' + JSON.stringify(m.id)); process.exit(3); }
              else process.stdout.write(JSON.stringify({jsonrpc: '2.0', id: m.id, error: {code: -32601, message: 'nope'}}) + '\\n');
            });
            """;

    private Vertx vertx;
    private Process victim;
    private Path config;

    @Override
    public Map<String, String> start() {
        vertx = Vertx.vertx();
        HttpServer server = vertx.createHttpServer().requestHandler(this::handle);
        int port = FakeUpstreams.listen(server);
        int victimPort = NodePeers.freePort();
        victim = NodePeers.startEverythingHttp(victimPort);

        ObjectNode root = new ObjectMapper().createObjectNode();
        ObjectNode servers = root.putObject("mcpServers");
        servers.putObject("ok").put("url", "http://127.0.0.1:" + port + "/ok");
        for (String fault : HTTP_FAULTS) {
            servers.putObject(fault).put("url", "http://127.0.0.1:" + port + "/" + fault);
        }
        servers.putObject("victim").put("url", "http://127.0.0.1:" + victimPort + "/mcp");
        ObjectNode crashy = servers.putObject("crashy").put("command", NodePeers.node());
        ArrayNode args = crashy.putArray("args");
        args.add("-e").add(CRASHY);
        config = NodePeers.writeConfig("breaking-", root);
        Map<String, String> props = new HashMap<>();
        props.put("mcp-gateway.config-file", config.toString());
        props.put("test.victim.pid", Long.toString(victim.pid()));
        return props;
    }

    private void handle(HttpServerRequest req) {
        String kind = req.path().substring(1);
        if (!"POST".equals(req.method().name())) {
            req.response().setStatusCode(405).end();
            return;
        }
        req.body().onSuccess(body -> {
            JsonObject msg = body.toJsonObject();
            Object id = msg.getValue("id");
            if (id == null) {
                req.response().setStatusCode(202).end();
                return;
            }
            switch (msg.getString("method")) {
                case "initialize" -> json(req, reply(id, new JsonObject().put("protocolVersion", "2025-06-18")
                        .put("capabilities", new JsonObject().put("tools", new JsonObject()))
                        .put("serverInfo", new JsonObject().put("name", kind).put("version", "1"))));
                case "tools/list" -> json(req, reply(id, new JsonObject().put("tools", new JsonArray()
                        .add(new JsonObject().put("name", "work").put("inputSchema",
                                new JsonObject().put("type", "object"))))));
                case "tools/call" -> toolsCall(req, kind, id);
                default -> json(req, new JsonObject().put("jsonrpc", "2.0").put("id", id)
                        .put("error", new JsonObject().put("code", -32601).put("message", "Method not found")));
            }
        });
    }

    private void toolsCall(HttpServerRequest req, String kind, Object id) {
        var resp = req.response().putHeader("Mcp-Session-Id", "s-" + kind);
        String answer = reply(id, new JsonObject().put("content", new JsonArray()
                .add(new JsonObject().put("type", "text").put("text", "done")))).encode();
        switch (kind) {
            case "reset" -> {
                resp.setChunked(true).putHeader("Content-Type", "application/json");
                resp.write(answer.substring(0, answer.length() / 2)).onComplete(x -> req.connection().close());
            }
            case "html" -> resp.putHeader("Content-Type", "text/html").end("<html><body>Service Unavailable</body></html>");
            case "truncated-sse" -> resp.putHeader("Content-Type", "text/event-stream")
                    .end("event: message\ndata: " + answer.substring(0, answer.length() / 2));
            case "sse-no-answer" -> resp.putHeader("Content-Type", "text/event-stream").end("id: e1\nretry: 100\ndata: \n\n"
                    + "id: e2\nevent: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":"
                    + "{\"level\":\"info\",\"data\":\"about to go\"}}\n\n");
            case "empty" -> resp.putHeader("Content-Type", "application/json").end();
            case "wrong-id" -> json(req, reply(987654, new JsonObject().put("content", new JsonArray())));
            case "binary" -> resp.putHeader("Content-Type", "application/json")
                    .end(Buffer.buffer(new byte[]{'{', '"', (byte) 0xC3, (byte) 0x28, (byte) 0xFF, 0, '"', ':'}));
            case "oversized" -> {
                resp.setChunked(true).putHeader("Content-Type", "application/json");
                String chunk = "x".repeat(64 * 1024);
                resp.write("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"");
                for (int i = 0; i < 80; i++) { // 5 MB, over the 4M upstream message limit
                    resp.write(chunk);
                }
                resp.end("\"}]}}");
            }
            default -> json(req, reply(id, new JsonObject().put("content", new JsonArray()
                    .add(new JsonObject().put("type", "text").put("text", "done")))));
        }
    }

    private static void json(HttpServerRequest req, JsonObject body) {
        FakeUpstreams.json(req, "s-" + req.path().substring(1), body);
    }

    @Override
    public void stop() {
        NodePeers.stop(victim);
        if (vertx != null) {
            vertx.close();
        }
        NodePeers.deleteQuietly(config);
    }
}
