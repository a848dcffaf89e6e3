package dev.mcpgateway.loadtest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.netty.buffer.ByteBuf;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A minimal, fast MCP server (Streamable HTTP, JSON responses only) with a single {@code echo} tool.
 *
 * <p>It exists to be the "infinitely fast upstream" of the benchmark: whatever latency a request sees
 * through the gateway minus what it sees here directly is the gateway's cost. It therefore parses requests
 * with Jackson's streaming parser (no tree), writes responses with a streaming generator, and keeps no
 * per-session state. It is lenient: it never rejects a request for a missing or unknown
 * {@code Mcp-Session-Id}.
 *
 * <pre>
 *   java -cp load-tests.jar dev.mcpgateway.loadtest.EchoUpstream [--port N|N] [--threads N] [--sse]
 * </pre>
 *
 * Prints {@code READY port=N} on stdout once listening on 127.0.0.1.
 *
 * <p>With {@code --streams} it also serves each session's standalone stream ({@code GET /mcp}, otherwise 405) and
 * offers a second tool, {@code ticker} ({@code intervalMs}, default 20; {@code count}, default 0 = until the
 * session is deleted): a source of {@code notifications/message} on that stream, each one carrying its sequence
 * number and emission time ({@code data: {"seq": N, "t": epochMillis}}) under SSE id {@code N}. Events are kept
 * per session (the newest {@value Tickers#KEEP}), so a GET with {@code Last-Event-ID} gets what it missed: the
 * gateway's resumption after a replica dies can be timed end to end. The JSON hot path is unchanged.
 */
public final class EchoUpstream {

    static final String[] SUPPORTED_VERSIONS = {"2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"};
    static final String LATEST_VERSION = "2025-11-25";

    private static final JsonFactory JSON = new JsonFactory();
    private static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");
    private static final CharSequence MCP_SESSION_ID = HttpHeaders.createOptimized("Mcp-Session-Id");

    /** Answer requests as a one-event text/event-stream instead of application/json (to exercise SSE paths). */
    static boolean sse; // set before the servers are deployed

    /** Serve GET streams and the {@code ticker} tool (see the class comment). */
    static boolean streams; // set before the servers are deployed

    private static final CharSequence TEXT_EVENT_STREAM = HttpHeaders.createOptimized("text/event-stream");
    private static final byte[] SSE_PREFIX = "event: message\ndata: ".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    private static final byte[] SSE_SUFFIX = "\n\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    private EchoUpstream() {}

    public static void main(String[] args) throws Exception {
        int port = 0;
        int threads = Runtime.getRuntime().availableProcessors();
        String host = "127.0.0.1";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--host" -> host = args[++i];
                case "--sse" -> sse = true;
                case "--streams" -> streams = true;
                default -> {
                    if (args[i].matches("\\d+")) {
                        port = Integer.parseInt(args[i]);
                    } else {
                        System.err.println("unknown argument: " + args[i]);
                        System.exit(2);
                    }
                }
            }
        }
        threads = Math.max(1, threads);
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(threads).setWorkerPoolSize(1));

        // One server instance per event loop, all bound to the same host:port: Vert.x then shares one listening
        // socket and spreads accepted connections over the instances. Sharing needs an explicit port, so for
        // port 0 we ask the OS for a free one first (and retry if someone else grabs it meanwhile).
        int actualPort = -1;
        for (int attempt = 0; attempt < 10 && actualPort < 0; attempt++) {
            int p = port != 0 ? port : freePort(host);
            JsonObject cfg = new JsonObject().put("host", host).put("port", p);
            try {
                await(vertx.deployVerticle(ServerVerticle.class,
                        new DeploymentOptions().setConfig(cfg).setInstances(threads)));
                actualPort = p;
            } catch (Exception e) {
                if (port != 0 || attempt == 9) {
                    System.err.println("cannot listen on " + host + ":" + p + ": " + e.getMessage());
                    System.exit(1); // Vert.x threads are not daemons: exit explicitly
                }
            }
        }
        Tickers.VERTX = vertx;
        System.out.println("READY port=" + actualPort);
        System.out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            CountDownLatch l = new CountDownLatch(1);
            vertx.close().onComplete(ar -> l.countDown());
            try {
                l.await(2, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }));
    }

    private static int freePort(String host) throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new java.net.InetSocketAddress(host, 0));
            return s.getLocalPort();
        }
    }

    private static <T> T await(io.vertx.core.Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    /** One HTTP server on one event loop. */
    public static final class ServerVerticle extends AbstractVerticle {
        @Override
        public void start(Promise<Void> startPromise) {
            HttpServerOptions opts = new HttpServerOptions()
                    .setHost(config().getString("host", "127.0.0.1"))
                    .setPort(config().getInteger("port", 0))
                    .setTcpNoDelay(true)
                    .setTcpFastOpen(false)
                    .setCompressionSupported(false)
                    .setDecompressionSupported(false)
                    .setAcceptBacklog(4096)
                    .setIdleTimeout(0);
            vertx.createHttpServer(opts)
                    .requestHandler(EchoUpstream::handle)
                    .listen()
                    .onSuccess(s -> startPromise.complete())
                    .onFailure(startPromise::fail);
        }
    }

    static void handle(HttpServerRequest req) {
        String path = req.path();
        if (!"/mcp".equals(path) && !"/mcp/".equals(path)) {
            req.response().setStatusCode(404).end();
            return;
        }
        HttpMethod m = req.method();
        if (m == HttpMethod.POST) {
            req.body().onSuccess(body -> onPost(req, req.response(), body))
                    .onFailure(t -> req.response().setStatusCode(400).end());
        } else if (m == HttpMethod.DELETE) {
            if (streams) {
                Tickers.end(req.getHeader(MCP_SESSION_ID));
            }
            req.response().setStatusCode(200).end();
        } else if (m == HttpMethod.GET && streams) {
            Tickers.get(req);
        } else {
            req.response().setStatusCode(405).putHeader(HttpHeaders.ALLOW, streams ? "GET, POST, DELETE" : "POST, DELETE")
                    .end();
        }
    }

    /** What we need out of one JSON-RPC message. */
    static final class Msg {
        boolean hasId;
        String idNumber; // raw numeric text, written back verbatim
        String idString;
        String method;
        boolean isResponse;
        String protocolVersion;
        String toolName;
        String text;
        boolean hasText;
        long intervalMs = -1;
        long count = -1;
    }

    static void onPost(HttpServerRequest req, HttpServerResponse resp, Buffer body) {
        Msg msg = new Msg();
        try {
            ByteBuf bb = body.getByteBuf();
            JsonParser p = bb.hasArray()
                    ? JSON.createParser(bb.array(), bb.arrayOffset() + bb.readerIndex(), bb.readableBytes())
                    : JSON.createParser(body.getBytes());
            try (p) {
                JsonToken first = p.nextToken();
                if (first != JsonToken.START_OBJECT) {
                    // Batches were removed from MCP in 2025-06-18; we do not support them.
                    sendJson(resp, 400, error(null, -32600, "Invalid Request: expected a single JSON-RPC object"));
                    return;
                }
                parseMessage(p, msg);
            }
        } catch (IOException | RuntimeException e) {
            sendJson(resp, 400, error(null, -32700, "Parse error"));
            return;
        }

        if (!msg.hasId || msg.isResponse) {
            // Notification (e.g. notifications/initialized, notifications/cancelled) or a response: accepted.
            resp.setStatusCode(202).end();
            return;
        }
        if (msg.method == null) {
            sendJson(resp, 400, error(msg, -32600, "Invalid Request"));
            return;
        }
        switch (msg.method) {
            case "tools/call" -> {
                if ("echo".equals(msg.toolName)) {
                    sendJson(resp, 200, echoResult(msg));
                } else if (streams && "ticker".equals(msg.toolName)) {
                    String session = req.getHeader(MCP_SESSION_ID);
                    if (session == null) {
                        sendJson(resp, 200, error(msg, -32602, "ticker needs a session"));
                        return;
                    }
                    Tickers.start(session, msg.intervalMs > 0 ? msg.intervalMs : 20, Math.max(0, msg.count));
                    msg.text = "ticking";
                    msg.hasText = true;
                    sendJson(resp, 200, echoResult(msg));
                } else {
                    sendJson(resp, 200, error(msg, -32602, "Unknown tool: " + msg.toolName));
                }
            }
            case "initialize" -> {
                resp.putHeader(MCP_SESSION_ID, UUID.randomUUID().toString());
                sendJson(resp, 200, initializeResult(msg));
            }
            case "ping" -> sendJson(resp, 200, emptyResult(msg));
            case "tools/list" -> sendJson(resp, 200, toolsListResult(msg));
            default -> sendJson(resp, 200, error(msg, -32601, "Method not found: " + msg.method));
        }
    }

    static void parseMessage(JsonParser p, Msg msg) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken t = p.nextToken();
            switch (field) {
                case "id" -> {
                    msg.hasId = true;
                    if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
                        msg.idNumber = p.getText();
                    } else if (t == JsonToken.VALUE_STRING) {
                        msg.idString = p.getText();
                    } else if (t == JsonToken.VALUE_NULL) {
                        msg.hasId = false; // treat id:null like a notification
                    } else {
                        p.skipChildren();
                    }
                }
                case "method" -> msg.method = t == JsonToken.VALUE_STRING ? p.getText() : null;
                case "params" -> {
                    if (t == JsonToken.START_OBJECT) {
                        parseParams(p, msg);
                    } else {
                        p.skipChildren();
                    }
                }
                case "result", "error" -> {
                    msg.isResponse = true;
                    p.skipChildren();
                }
                default -> p.skipChildren();
            }
        }
    }

    private static void parseParams(JsonParser p, Msg msg) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken t = p.nextToken();
            switch (field) {
                case "name" -> msg.toolName = t == JsonToken.VALUE_STRING ? p.getText() : null;
                case "protocolVersion" -> msg.protocolVersion = t == JsonToken.VALUE_STRING ? p.getText() : null;
                case "arguments" -> {
                    if (t == JsonToken.START_OBJECT) {
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String af = p.currentName();
                            JsonToken at = p.nextToken();
                            if ("text".equals(af) && at.isScalarValue()) {
                                msg.text = p.getText();
                                msg.hasText = true;
                            } else if ("intervalMs".equals(af) && at.isNumeric()) {
                                msg.intervalMs = p.getLongValue();
                            } else if ("count".equals(af) && at.isNumeric()) {
                                msg.count = p.getLongValue();
                            } else {
                                p.skipChildren();
                            }
                        }
                    } else {
                        p.skipChildren();
                    }
                }
                default -> p.skipChildren();
            }
        }
    }

    // ---- response writers -------------------------------------------------------------------------------

    private static JsonGenerator start(ByteArrayBuilder out, Msg msg) throws IOException {
        JsonGenerator g = JSON.createGenerator(out);
        g.writeStartObject();
        g.writeStringField("jsonrpc", "2.0");
        g.writeFieldName("id");
        if (msg == null || (msg.idNumber == null && msg.idString == null)) {
            g.writeNull();
        } else if (msg.idNumber != null) {
            g.writeNumber(msg.idNumber);
        } else {
            g.writeString(msg.idString);
        }
        return g;
    }

    private static byte[] finish(JsonGenerator g, ByteArrayBuilder out) throws IOException {
        g.writeEndObject();
        g.close();
        return out.toByteArray();
    }

    static byte[] echoResult(Msg msg) {
        try {
            ByteArrayBuilder out = new ByteArrayBuilder(128 + (msg.text == null ? 0 : msg.text.length()));
            JsonGenerator g = start(out, msg);
            g.writeObjectFieldStart("result");
            g.writeArrayFieldStart("content");
            g.writeStartObject();
            g.writeStringField("type", "text");
            g.writeStringField("text", msg.hasText ? msg.text : "");
            g.writeEndObject();
            g.writeEndArray();
            g.writeBooleanField("isError", false);
            g.writeEndObject();
            return finish(g, out);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] initializeResult(Msg msg) {
        String version = LATEST_VERSION;
        for (String v : SUPPORTED_VERSIONS) {
            if (v.equals(msg.protocolVersion)) {
                version = v;
                break;
            }
        }
        try {
            ByteArrayBuilder out = new ByteArrayBuilder(256);
            JsonGenerator g = start(out, msg);
            g.writeObjectFieldStart("result");
            g.writeStringField("protocolVersion", version);
            g.writeObjectFieldStart("capabilities");
            g.writeObjectFieldStart("tools");
            g.writeEndObject();
            if (streams) {
                g.writeObjectFieldStart("logging");
                g.writeEndObject();
            }
            g.writeEndObject();
            g.writeObjectFieldStart("serverInfo");
            g.writeStringField("name", "echo-upstream");
            g.writeStringField("version", "0.1.0");
            g.writeEndObject();
            g.writeEndObject();
            return finish(g, out);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] toolsListResult(Msg msg) {
        try {
            ByteArrayBuilder out = new ByteArrayBuilder(384);
            JsonGenerator g = start(out, msg);
            g.writeObjectFieldStart("result");
            g.writeArrayFieldStart("tools");
            g.writeStartObject();
            g.writeStringField("name", "echo");
            g.writeStringField("description", "Returns the given text unchanged.");
            g.writeObjectFieldStart("inputSchema");
            g.writeStringField("type", "object");
            g.writeObjectFieldStart("properties");
            g.writeObjectFieldStart("text");
            g.writeStringField("type", "string");
            g.writeEndObject();
            g.writeEndObject();
            g.writeEndObject();
            g.writeEndObject();
            if (streams) {
                g.writeStartObject();
                g.writeStringField("name", "ticker");
                g.writeStringField("description", "Emits notifications/message on the session's GET stream: one every "
                        + "intervalMs (default 20), count of them (default 0 = until the session ends).");
                g.writeObjectFieldStart("inputSchema");
                g.writeStringField("type", "object");
                g.writeObjectFieldStart("properties");
                g.writeObjectFieldStart("intervalMs");
                g.writeStringField("type", "integer");
                g.writeEndObject();
                g.writeObjectFieldStart("count");
                g.writeStringField("type", "integer");
                g.writeEndObject();
                g.writeEndObject();
                g.writeEndObject();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
            return finish(g, out);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] emptyResult(Msg msg) {
        try {
            ByteArrayBuilder out = new ByteArrayBuilder(64);
            JsonGenerator g = start(out, msg);
            g.writeObjectFieldStart("result");
            g.writeEndObject();
            return finish(g, out);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] error(Msg msg, int code, String message) {
        try {
            ByteArrayBuilder out = new ByteArrayBuilder(128);
            JsonGenerator g = start(out, msg);
            g.writeObjectFieldStart("error");
            g.writeNumberField("code", code);
            g.writeStringField("message", message);
            g.writeEndObject();
            return finish(g, out);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Per-session notification sources and GET streams ({@code --streams}). A session's ticker runs on a Vert.x
     * timer whether or not a GET stream is attached; its events are numbered and kept, so a reconnect with
     * {@code Last-Event-ID} replays exactly what was missed. Only one GET stream per session: a new one replaces
     * the old one (the gateway's new pump after a replica died), which is closed.
     */
    static final class Tickers {
        static final int KEEP = 20_000;
        /** Tickers stop on their own after this long, whatever {@code count} says. */
        static final long MAX_MILLIS = TimeUnit.MINUTES.toMillis(10);
        static final java.util.concurrent.ConcurrentHashMap<String, Ticker> SESSIONS =
                new java.util.concurrent.ConcurrentHashMap<>();

        static final class Ticker {
            final String session;
            final java.util.ArrayDeque<long[]> events = new java.util.ArrayDeque<>(); // {seq, t}
            long seq;
            long timer = -1;
            long remaining;
            long stopAt;
            HttpServerResponse reader;

            Ticker(String session) {
                this.session = session;
            }

            synchronized void tick() {
                if (remaining == 0 || System.currentTimeMillis() > stopAt) {
                    stop();
                    return;
                }
                if (remaining > 0) {
                    remaining--;
                }
                long[] e = {++seq, System.currentTimeMillis()};
                events.addLast(e);
                if (events.size() > KEEP) {
                    events.removeFirst();
                }
                write(e);
            }

            synchronized void stop() {
                if (timer >= 0) {
                    vertx().cancelTimer(timer);
                    timer = -1;
                }
            }

            void write(long[] e) {
                HttpServerResponse r = reader;
                if (r == null || r.ended() || r.closed()) {
                    return;
                }
                r.write("id: " + e[0] + "\nevent: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\","
                        + "\"params\":{\"level\":\"info\",\"logger\":\"ticker\",\"data\":{\"seq\":" + e[0] + ",\"t\":" + e[1]
                        + "}}}\n\n");
            }
        }

        static io.vertx.core.Vertx vertx() {
            return io.vertx.core.Vertx.currentContext() != null ? io.vertx.core.Vertx.currentContext().owner() : VERTX;
        }

        static volatile io.vertx.core.Vertx VERTX;

        static void start(String session, long intervalMs, long count) {
            Ticker t = SESSIONS.computeIfAbsent(session, Ticker::new);
            synchronized (t) {
                t.stop();
                t.remaining = count > 0 ? count : -1;
                t.stopAt = System.currentTimeMillis() + MAX_MILLIS;
                t.timer = vertx().setPeriodic(Math.max(1, intervalMs), id -> t.tick());
            }
        }

        static void get(HttpServerRequest req) {
            String session = req.getHeader(MCP_SESSION_ID);
            HttpServerResponse resp = req.response();
            if (session == null) {
                resp.setStatusCode(400).end();
                return;
            }
            Ticker t = SESSIONS.computeIfAbsent(session, Ticker::new);
            long after = -1;
            String last = req.getHeader("Last-Event-ID");
            if (last != null) {
                try {
                    after = Long.parseLong(last.trim());
                } catch (NumberFormatException e) {
                    after = -1;
                }
            }
            resp.setStatusCode(200).setChunked(true).putHeader(HttpHeaders.CONTENT_TYPE, TEXT_EVENT_STREAM)
                    .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache");
            resp.write(": stream open\n\n");
            synchronized (t) {
                HttpServerResponse old = t.reader;
                t.reader = resp;
                if (old != null && !old.ended() && !old.closed()) {
                    old.end();
                }
                if (after >= 0) {
                    for (long[] e : t.events) {
                        if (e[0] > after) {
                            t.write(e);
                        }
                    }
                }
            }
            resp.closeHandler(v -> {
                synchronized (t) {
                    if (t.reader == resp) {
                        t.reader = null;
                    }
                }
            });
        }

        static void end(String session) {
            Ticker t = session == null ? null : SESSIONS.remove(session);
            if (t != null) {
                synchronized (t) {
                    t.stop();
                    if (t.reader != null && !t.reader.ended() && !t.reader.closed()) {
                        t.reader.end();
                    }
                    t.reader = null;
                }
            }
        }
    }

    private static void sendJson(HttpServerResponse resp, int status, byte[] json) {
        if (sse && status == 200) {
            resp.setStatusCode(200).putHeader(HttpHeaders.CONTENT_TYPE, TEXT_EVENT_STREAM)
                    .end(Buffer.buffer(SSE_PREFIX.length + json.length + SSE_SUFFIX.length)
                            .appendBytes(SSE_PREFIX).appendBytes(json).appendBytes(SSE_SUFFIX));
            return;
        }
        resp.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON).end(Buffer.buffer(json));
    }
}
