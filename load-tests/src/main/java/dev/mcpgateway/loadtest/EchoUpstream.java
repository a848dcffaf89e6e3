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
 */
public final class EchoUpstream {

    static final String[] SUPPORTED_VERSIONS = {"2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"};
    static final String LATEST_VERSION = "2025-11-25";

    private static final JsonFactory JSON = new JsonFactory();
    private static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");
    private static final CharSequence MCP_SESSION_ID = HttpHeaders.createOptimized("Mcp-Session-Id");

    /** Answer requests as a one-event text/event-stream instead of application/json (to exercise SSE paths). */
    static boolean sse; // set before the servers are deployed

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
            req.body().onSuccess(body -> onPost(req.response(), body))
                    .onFailure(t -> req.response().setStatusCode(400).end());
        } else if (m == HttpMethod.DELETE) {
            req.response().setStatusCode(200).end();
        } else {
            req.response().setStatusCode(405).putHeader(HttpHeaders.ALLOW, "POST, DELETE").end();
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
    }

    static void onPost(HttpServerResponse resp, Buffer body) {
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
