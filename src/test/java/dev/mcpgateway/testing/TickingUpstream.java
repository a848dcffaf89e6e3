package dev.mcpgateway.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A resumable Streamable HTTP upstream whose GET stream carries numbered ticks: once its tool
 * {@code start} was called in a session and a GET stream of that session is open, it emits a {@code notifications/message} every
 * {@code intervalMillis} (data: {@code {"tick": n, "at": epoch millis}}, event id {@code t-n}), keeps
 * every tick, and replays those after {@code Last-Event-ID} to a GET that resumes, whether or not
 * a stream was open when they were emitted. So a client of the gateway can tell exactly which ticks
 * it missed and which it got twice. Every stream is served from the same log, however many GETs
 * overlap.
 */
public final class TickingUpstream implements AutoCloseable {

    private final Vertx vertx = Vertx.vertx();
    private final long intervalMillis;
    private final Map<String, Ticks> sessions = new ConcurrentHashMap<>();
    private final int port;

    /** The ticks of one upstream session and the GET streams following them. Guarded by itself. */
    private static final class Ticks {
        final List<String> events = new ArrayList<>();
        final Set<HttpServerResponse> streams = ConcurrentHashMap.newKeySet();
        long timer = -1;
        boolean started;
    }

    public TickingUpstream(long intervalMillis) {
        this.intervalMillis = intervalMillis;
        HttpServer server = vertx.createHttpServer().requestHandler(this::handle);
        this.port = FakeUpstreams.listen(server);
    }

    public String url() {
        return "http://127.0.0.1:" + port + "/mcp";
    }

    private void handle(HttpServerRequest req) {
        String sessionId = req.getHeader("Mcp-Session-Id");
        switch (req.method().name()) {
            case "GET" -> stream(req, sessions.get(sessionId == null ? "" : sessionId));
            case "DELETE" -> {
                Ticks t = sessionId == null ? null : sessions.remove(sessionId);
                if (t != null) {
                    stop(t);
                }
                req.response().end();
            }
            default -> req.body().onSuccess(body -> post(req, sessionId, body.toJsonObject()));
        }
    }

    private void post(HttpServerRequest req, String sessionId, JsonObject msg) {
        Object id = msg.getValue("id");
        String method = msg.getString("method", "");
        if ("initialize".equals(method)) {
            String fresh = UUID.randomUUID().toString();
            sessions.put(fresh, new Ticks());
            String version = msg.getJsonObject("params").getString("protocolVersion");
            FakeUpstreams.json(req, fresh, FakeUpstreams.reply(id, new JsonObject().put("protocolVersion", version)
                    .put("capabilities", new JsonObject().put("tools", new JsonObject()).put("logging", new JsonObject()))
                    .put("serverInfo", new JsonObject().put("name", "ticker").put("version", "1"))));
            return;
        }
        Ticks ticks = sessionId == null ? null : sessions.get(sessionId);
        if (ticks == null) {
            req.response().setStatusCode(404).end();
            return;
        }
        if (id == null) {
            req.response().setStatusCode(202).end();
            return;
        }
        JsonObject result = switch (method) {
            case "tools/list" -> new JsonObject().put("tools", new JsonArray()
                    .add(new JsonObject().put("name", "start").put("inputSchema", new JsonObject().put("type", "object")))
                    .add(new JsonObject().put("name", "stop").put("inputSchema", new JsonObject().put("type", "object"))));
            case "tools/call" -> {
                String tool = msg.getJsonObject("params").getString("name");
                if ("start".equals(tool)) {
                    start(ticks);
                } else {
                    stop(ticks);
                }
                yield new JsonObject().put("content",
                        new JsonArray().add(new JsonObject().put("type", "text").put("text", tool)));
            }
            case "ping" -> new JsonObject();
            default -> null;
        };
        FakeUpstreams.json(req, sessionId, FakeUpstreams.reply(id, result));
    }

    private void stream(HttpServerRequest req, Ticks ticks) {
        if (ticks == null) {
            req.response().setStatusCode(404).end();
            return;
        }
        HttpServerResponse resp = req.response().setChunked(true).putHeader("Content-Type", "text/event-stream");
        String last = req.getHeader("Last-Event-ID");
        int after = last != null && last.startsWith("t-") ? Integer.parseInt(last.substring(2)) : -1;
        synchronized (ticks) {
            resp.write(":\n\n");
            if (after >= 0) {
                for (int n = after + 1; n <= ticks.events.size(); n++) {
                    resp.write(ticks.events.get(n - 1));
                }
            }
            ticks.streams.add(resp);
            if (ticks.started && ticks.timer < 0) {
                ticks.timer = vertx.setPeriodic(intervalMillis, t -> tick(ticks));
            }
        }
        resp.closeHandler(v -> ticks.streams.remove(resp));
    }

    private void start(Ticks ticks) {
        synchronized (ticks) {
            ticks.started = true;
            if (ticks.timer < 0 && !ticks.streams.isEmpty()) {
                ticks.timer = vertx.setPeriodic(intervalMillis, t -> tick(ticks));
            }
        }
    }

    private void stop(Ticks ticks) {
        synchronized (ticks) {
            ticks.started = false;
            if (ticks.timer >= 0) {
                vertx.cancelTimer(ticks.timer);
                ticks.timer = -1;
            }
        }
    }

    private void tick(Ticks ticks) {
        synchronized (ticks) {
            int n = ticks.events.size() + 1;
            JsonObject note = new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/message").put("params",
                    new JsonObject().put("level", "info").put("logger", "ticker")
                            .put("data", new JsonObject().put("tick", n).put("at", System.currentTimeMillis())));
            String event = "id: t-" + n + "\nevent: message\ndata: " + note.encode() + "\n\n";
            ticks.events.add(event);
            ticks.streams.forEach(s -> s.write(event));
        }
    }

    /** Ticks emitted so far, in all sessions. */
    public int emitted() {
        int n = 0;
        for (Ticks t : sessions.values()) {
            synchronized (t) {
                n += t.events.size();
            }
        }
        return n;
    }

    @Override
    public void close() {
        vertx.close();
    }
}
