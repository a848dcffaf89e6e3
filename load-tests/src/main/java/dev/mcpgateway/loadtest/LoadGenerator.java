package dev.mcpgateway.loadtest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Closed-loop MCP {@code tools/call} load generator with microsecond latency histograms.
 *
 * <p>Each of the C connections is one HTTP/1.1 keep-alive TCP connection <em>and</em> one MCP session
 * ({@code initialize} + {@code notifications/initialized}), then sends {@code tools/call} requests back to back,
 * exactly one in flight. Latency (request start to last byte of the response body) is recorded into an
 * HdrHistogram in microseconds for requests that start after the warm-up and finish before the end.
 *
 * <pre>
 *   load --url http://127.0.0.1:8080/mcp --tool echo__echo --connections 16 --warmup 10s --duration 20s \
 *        --label gateway --out gateway.json
 *   load --url http://127.0.0.1:8080/mcp --sessions 1000 --pid 12345 --out sessions.json
 *   load --url http://127.0.0.1:8080/mcp --sessions 1000 --get-streams --hold-file F --out streams.json
 * </pre>
 *
 * <p>With {@code --protocol-version 2026-07-28} (or later) a connection is a client of that revision: no
 * {@code initialize} and no session; every {@code tools/call} carries the version and the client capabilities in
 * {@code params._meta} and mirrors its method and tool name in the {@code Mcp-Method} and {@code Mcp-Name}
 * headers, as the revision requires.
 */
public final class LoadGenerator {

    static final JsonFactory JSON = new JsonFactory();
    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    static final String ACCEPT = "application/json, text/event-stream";
    static final CharSequence H_SESSION = HttpHeaders.createOptimized("Mcp-Session-Id");
    static final CharSequence H_PROTOCOL = HttpHeaders.createOptimized("MCP-Protocol-Version");
    static final CharSequence H_METHOD = HttpHeaders.createOptimized("Mcp-Method");
    static final CharSequence H_NAME = HttpHeaders.createOptimized("Mcp-Name");
    /** The first revision without sessions: version and capabilities travel in each request's {@code _meta}. */
    static final String SESSIONLESS_VERSION = "2026-07-28";

    // result codes of one tools/call
    static final int OK = 0, HTTP_STATUS = 1, RPC_ERROR = 2, TOOL_ERROR = 3, MALFORMED = 4, TRANSPORT = 5,
            NOT_RESPONSE = 6;
    static final String[] CODE_NAMES = {"ok", "httpStatus", "jsonRpcError", "toolIsError", "malformed",
            "transport", "notResponse"};

    /** Histogram range: 1 µs .. 1 h, 3 significant digits (0.1% value resolution). */
    static Histogram newHistogram() {
        return new Histogram(1, TimeUnit.HOURS.toMicros(1), 3);
    }

    // ---- options ----------------------------------------------------------------------------------------

    static final class Options {
        String url;
        int connections = 16;
        long warmupMs = 10_000;
        long durationMs = 20_000;
        String label = "run";
        Path out;
        String tool = "echo";
        String text = "hello";
        int threads = Runtime.getRuntime().availableProcessors();
        String protocolVersion = "2025-11-25";
        int sessions;
        long pid = -1;
        long settleMs = 3_000;
        boolean keepSessions;
        boolean getStreams;
        Path holdFile;
        long requestTimeoutMs = 30_000;
        boolean quiet;
        /** Each connection's API key: {@code {i}} becomes the connection's index (0, 1, ...). */
        String apiKey;
        String apiKeyHeader = "X-API-Key";
        /** Give consent when a call asks for it (URL elicitation), then call again. */
        boolean consent;
    }

    static Options parse(String[] args) {
        Options o = new Options();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--url" -> { o.url = v; i++; }
                case "--connections", "-c" -> { o.connections = Integer.parseInt(v); i++; }
                case "--warmup" -> { o.warmupMs = parseDurationMs(v); i++; }
                case "--duration", "-d" -> { o.durationMs = parseDurationMs(v); i++; }
                case "--label" -> { o.label = v; i++; }
                case "--out", "-o" -> { o.out = Path.of(v); i++; }
                case "--tool" -> { o.tool = v; i++; }
                case "--text" -> { o.text = v; i++; }
                case "--threads" -> { o.threads = Integer.parseInt(v); i++; }
                case "--protocol-version" -> { o.protocolVersion = v; i++; }
                case "--sessions" -> { o.sessions = Integer.parseInt(v); i++; }
                case "--pid" -> { o.pid = Long.parseLong(v); i++; }
                case "--settle" -> { o.settleMs = parseDurationMs(v); i++; }
                case "--keep-sessions" -> o.keepSessions = true;
                case "--get-streams" -> o.getStreams = true;
                case "--hold-file" -> { o.holdFile = Path.of(v); i++; }
                case "--request-timeout" -> { o.requestTimeoutMs = parseDurationMs(v); i++; }
                case "--quiet", "-q" -> o.quiet = true;
                case "--api-key" -> { o.apiKey = v; i++; }
                case "--api-key-header" -> { o.apiKeyHeader = v; i++; }
                case "--consent" -> o.consent = true;
                default -> throw new IllegalArgumentException("unknown argument: " + a);
            }
        }
        if (o.url == null) {
            throw new IllegalArgumentException("--url is required");
        }
        if (o.connections < 1 || o.threads < 1) {
            throw new IllegalArgumentException("--connections and --threads must be >= 1");
        }
        return o;
    }

    static long parseDurationMs(String s) {
        s = s.trim().toLowerCase(Locale.ROOT);
        if (s.endsWith("ms")) return Long.parseLong(s.substring(0, s.length() - 2));
        if (s.endsWith("s")) return Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 1000);
        if (s.endsWith("m")) return Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 60_000);
        return Math.round(Double.parseDouble(s) * 1000);
    }

    // ---- main -------------------------------------------------------------------------------------------

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = parse(args);
        } catch (RuntimeException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(o.threads).setWorkerPoolSize(1)
                .setBlockedThreadCheckInterval(10_000));
        int rc;
        try {
            rc = o.sessions > 0 ? new LoadGenerator(vertx, o).runSessions() : new LoadGenerator(vertx, o).runLoad();
        } catch (Exception e) {
            System.err.println("[" + o.label + "] FAILED: " + e.getMessage());
            rc = 1;
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        }
        System.exit(rc);
    }

    final Vertx vertx;
    final Options o;
    final String host;
    final int port;
    final String path;
    final boolean ssl;

    LoadGenerator(Vertx vertx, Options o) {
        this.vertx = vertx;
        this.o = o;
        URI u = URI.create(o.url);
        this.ssl = "https".equalsIgnoreCase(u.getScheme());
        this.host = u.getHost();
        this.port = u.getPort() > 0 ? u.getPort() : (ssl ? 443 : 80);
        String p = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
        this.path = u.getRawQuery() == null ? p : p + "?" + u.getRawQuery();
    }

    HttpClient newClient(int poolSize) {
        HttpClientOptions co = new HttpClientOptions()
                .setDefaultHost(host)
                .setDefaultPort(port)
                .setSsl(ssl)
                .setTrustAll(ssl)
                .setVerifyHost(!ssl)
                .setProtocolVersion(HttpVersion.HTTP_1_1)
                .setKeepAlive(true)
                .setPipelining(false)
                .setTcpNoDelay(true)
                .setDecompressionSupported(false)
                .setConnectTimeout(10_000);
        return vertx.createHttpClient(co, new PoolOptions().setHttp1MaxSize(poolSize));
    }

    // ---- MCP session handshake (not on the hot path; uses the tree model) ---------------------------------

    /** One MCP session over an HttpClient. Methods must be called on the client's context. */
    final class Session {
        final HttpClient client;
        /** This session's API key (from {@code --api-key}), or null. */
        final String apiKey;
        String sessionId;
        String protocolVersion;
        String serverName;

        Session(HttpClient client, int index) {
            this.client = client;
            this.apiKey = o.apiKey == null ? null : o.apiKey.replace("{i}", Integer.toString(index));
        }

        /** A 2026-07-28 (or later) client: nothing to open, everything in each request. */
        boolean sessionless() {
            return o.protocolVersion.compareTo(SESSIONLESS_VERSION) >= 0;
        }

        MultiMap headers() {
            MultiMap h = MultiMap.caseInsensitiveMultiMap()
                    .add(HttpHeaders.CONTENT_TYPE, "application/json")
                    .add(HttpHeaders.ACCEPT, ACCEPT);
            if (sessionId != null) h.add(H_SESSION, sessionId);
            if (protocolVersion != null) h.add(H_PROTOCOL, protocolVersion);
            if (apiKey != null) h.add(o.apiKeyHeader, apiKey);
            return h;
        }

        /** Client capabilities: URL-mode elicitation when this client gives consent. */
        String capabilities() {
            return o.consent ? "{\"elicitation\":{\"url\":{}}}" : "{}";
        }

        RequestOptions post() {
            return new RequestOptions().setMethod(HttpMethod.POST).setURI(path).setHeaders(headers())
                    .setIdleTimeout(o.requestTimeoutMs);
        }

        Future<Void> initialize() {
            if (sessionless()) {
                protocolVersion = o.protocolVersion;
                return Future.succeededFuture();
            }
            String body = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\""
                    + o.protocolVersion + "\",\"capabilities\":" + capabilities() + ",\"clientInfo\":{\"name\":\"mcp-gateway-load-tests\","
                    + "\"version\":\"0.1.0\"}}}";
            return client.request(post())
                    .compose(req -> req.send(body))
                    .compose(resp -> resp.body().compose(b -> {
                        if (resp.statusCode() != 200) {
                            return Future.failedFuture("initialize: HTTP " + resp.statusCode() + " " + abbreviate(b.toString()));
                        }
                        JsonNode msg;
                        try {
                            msg = firstResponse(resp.getHeader(HttpHeaders.CONTENT_TYPE), b);
                        } catch (IOException e) {
                            return Future.failedFuture("initialize: unparseable response: " + abbreviate(b.toString()));
                        }
                        if (msg == null || !msg.has("result")) {
                            return Future.failedFuture("initialize: not a JSON-RPC result: " + abbreviate(b.toString()));
                        }
                        sessionId = resp.getHeader(H_SESSION);
                        JsonNode pv = msg.path("result").path("protocolVersion");
                        protocolVersion = pv.isTextual() ? pv.asText() : o.protocolVersion;
                        serverName = msg.path("result").path("serverInfo").path("name").asText(null);
                        return Future.<Void>succeededFuture();
                    }))
                    .compose(v -> client.request(post()))
                    .compose(req -> req.send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"))
                    .compose(resp -> resp.body().compose(b -> resp.statusCode() / 100 == 2
                            ? Future.<Void>succeededFuture()
                            : Future.failedFuture("notifications/initialized: HTTP " + resp.statusCode() + " "
                                    + abbreviate(b.toString()))));
        }

        Future<Integer> delete() {
            if (sessionId == null) return Future.succeededFuture(0);
            return client.request(new RequestOptions().setMethod(HttpMethod.DELETE).setURI(path).setHeaders(headers())
                            .setIdleTimeout(o.requestTimeoutMs))
                    .compose(req -> req.send())
                    .compose(resp -> resp.body().map(b -> resp.statusCode()));
        }
    }

    /** The first JSON-RPC response (object with an id and result/error) in a JSON or SSE body. */
    static JsonNode firstResponse(String contentType, Buffer body) throws IOException {
        if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("text/event-stream")) {
            for (String data : sseData(body.toString(StandardCharsets.UTF_8))) {
                JsonNode n = MAPPER.readTree(data);
                if (n != null && n.has("id") && (n.has("result") || n.has("error"))) return n;
            }
            return null;
        }
        return MAPPER.readTree(body.getBytes());
    }

    /** The data payloads of the events of a complete text/event-stream body. */
    static List<String> sseData(String body) {
        List<String> out = new ArrayList<>(2);
        StringBuilder data = null;
        int i = 0, n = body.length();
        while (i <= n) {
            int eol = body.indexOf('\n', i);
            if (eol < 0) eol = n;
            int end = eol > i && body.charAt(eol - 1) == '\r' ? eol - 1 : eol;
            String line = body.substring(i, end);
            if (line.isEmpty()) {
                if (data != null) {
                    out.add(data.toString());
                    data = null;
                }
            } else if (line.startsWith("data:")) {
                String d = line.length() > 5 && line.charAt(5) == ' ' ? line.substring(6) : line.substring(5);
                if (data == null) data = new StringBuilder(d);
                else data.append('\n').append(d);
            }
            i = eol + 1;
        }
        if (data != null) out.add(data.toString());
        return out;
    }

    static String abbreviate(String s) {
        s = s.replace('\n', ' ');
        return s.length() > 400 ? s.substring(0, 400) + "..." : s;
    }

    // ---- hot path: classify a tools/call response with the streaming parser --------------------------------

    static int classify(HttpClientResponse resp, Buffer body, long expectedId, String expectedText) {
        if (resp.statusCode() != 200) return HTTP_STATUS;
        String ct = resp.getHeader(HttpHeaders.CONTENT_TYPE);
        try {
            if (ct != null && ct.regionMatches(true, 0, "text/event-stream", 0, 17)) {
                for (String data : sseData(body.toString(StandardCharsets.UTF_8))) {
                    if (data.isBlank()) {
                        // A priming event (an id and retry, empty data) opens a streamed answer.
                        continue;
                    }
                    byte[] b = data.getBytes(StandardCharsets.UTF_8);
                    int c = classify(b, 0, b.length, expectedId, expectedText);
                    if (c != NOT_RESPONSE) return c;
                }
                return MALFORMED;
            }
            ByteBuf bb = body.getByteBuf();
            if (bb.hasArray()) {
                return classify(bb.array(), bb.arrayOffset() + bb.readerIndex(), bb.readableBytes(), expectedId, expectedText);
            }
            byte[] b = body.getBytes();
            return classify(b, 0, b.length, expectedId, expectedText);
        } catch (IOException | RuntimeException e) {
            return MALFORMED;
        }
    }

    static int classify(byte[] a, int off, int len, long expectedId, String expectedText) throws IOException {
        try (JsonParser p = JSON.createParser(a, off, len)) {
            if (p.nextToken() != JsonToken.START_OBJECT) return MALFORMED;
            boolean hasResult = false, hasError = false, hasMethod = false, idOk = false, isError = false;
            boolean echoOk = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                JsonToken t = p.nextToken();
                switch (f) {
                    case "id" -> idOk = (t == JsonToken.VALUE_NUMBER_INT && p.getLongValue() == expectedId)
                            || (t == JsonToken.VALUE_STRING && p.getText().equals(Long.toString(expectedId)));
                    case "method" -> hasMethod = true;
                    case "error" -> {
                        hasError = true;
                        p.skipChildren();
                    }
                    case "result" -> {
                        hasResult = true;
                        if (t != JsonToken.START_OBJECT) {
                            p.skipChildren();
                            break;
                        }
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String rf = p.currentName();
                            JsonToken rt = p.nextToken();
                            if ("isError".equals(rf)) {
                                isError = rt == JsonToken.VALUE_TRUE;
                            } else if ("content".equals(rf) && rt == JsonToken.START_ARRAY) {
                                echoOk |= scanContent(p, expectedText);
                            } else {
                                p.skipChildren();
                            }
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            if (hasMethod && !hasResult && !hasError) return NOT_RESPONSE;
            if (hasError) return idOk ? RPC_ERROR : MALFORMED;
            if (!hasResult || !idOk) return MALFORMED;
            if (isError) return TOOL_ERROR;
            return echoOk ? OK : MALFORMED;
        }
    }

    /** Positioned on START_ARRAY of result.content; true if a text item equals the expected text. */
    private static boolean scanContent(JsonParser p, String expectedText) throws IOException {
        boolean found = false;
        while (p.nextToken() == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                JsonToken t = p.nextToken();
                if ("text".equals(f) && t == JsonToken.VALUE_STRING) {
                    found |= expectedText.equals(p.getText());
                } else {
                    p.skipChildren();
                }
            }
        }
        return found;
    }

    // ---- load mode --------------------------------------------------------------------------------------

    final LongAdder progressCompleted = new LongAdder();
    final LongAdder progressErrors = new LongAdder();

    /** One keep-alive connection = one MCP session = one request in flight. Runs on its own context. */
    final class Conn {
        final int index;
        final Context ctx;
        HttpClient client;
        Session session;
        RequestOptions callOptions;
        byte[] prefix;
        byte[] suffix;
        long nextId = 1;

        final Histogram hist = newHistogram();
        final long[] errorKinds = new long[CODE_NAMES.length];
        long completedInWindow;
        long okInWindow;
        long errorsInWindow;
        long errorsTotal;
        String errorSample;

        long warmupEnd;
        long measureEnd;
        Promise<Void> done;

        Conn(int index, Context ctx) {
            this.index = index;
            this.ctx = ctx;
        }

        /** initialize + notifications/initialized (not for 2026-07-28) + one checked tools/call. */
        Future<Void> setUp() {
            client = newClient(1);
            session = new Session(client, index);
            return session.initialize().compose(v -> {
                callOptions = session.post();
                String meta = "";
                if (session.sessionless()) {
                    callOptions.putHeader(H_METHOD, "tools/call").putHeader(H_NAME, o.tool);
                    meta = ",\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":" + jsonString(o.protocolVersion)
                            + ",\"io.modelcontextprotocol/clientCapabilities\":" + session.capabilities()
                            + ",\"io.modelcontextprotocol/clientInfo\":"
                            + "{\"name\":\"mcp-gateway-load-tests\",\"version\":\"0.1.0\"}}";
                }
                prefix = ("{\"jsonrpc\":\"2.0\",\"method\":\"tools/call\",\"params\":{\"name\":" + jsonString(o.tool)
                        + ",\"arguments\":{\"text\":" + jsonString(o.text) + "}" + meta + "},\"id\":")
                        .getBytes(StandardCharsets.UTF_8);
                suffix = "}".getBytes(StandardCharsets.UTF_8);
                return preflight(o.consent);
            });
        }

        /**
         * One checked tools/call. With {@code consent}, an error that carries a URL elicitation
         * ({@code error.data.elicitations[0].url}, whatever the code) is followed as a browser would, and the call
         * is made once more.
         */
        Future<Void> preflight(boolean consent) {
            Promise<Void> p = Promise.promise();
            long id = nextId++;
            AtomicReference<String> bodyText = new AtomicReference<>();
            AtomicReference<String> consentUrl = new AtomicReference<>();
            client.request(callOptions)
                    .compose(req -> req.send(body(id)))
                    .compose(resp -> resp.body().map(b -> {
                        bodyText.set("HTTP " + resp.statusCode() + " " + abbreviate(b.toString()));
                        int code = classify(resp, b, id, o.text);
                        if (code != OK && consent) {
                            consentUrl.set(Consent.elicitationUrl(resp.getHeader(HttpHeaders.CONTENT_TYPE), b));
                        }
                        return code;
                    }))
                    .onSuccess(code -> {
                        if (code == OK) {
                            p.complete();
                        } else if (consentUrl.get() != null) {
                            Future.fromCompletionStage(Consent.follow(consentUrl.get(), o.requestTimeoutMs), ctx)
                                    .compose(v -> preflight(false))
                                    .onComplete(p);
                        } else {
                            p.fail("pre-flight tools/call '" + o.tool + "' returned " + CODE_NAMES[code] + ": "
                                    + bodyText.get());
                        }
                    })
                    .onFailure(t -> p.fail("pre-flight tools/call failed: " + t));
            return p.future();
        }

        Buffer body(long id) {
            return Buffer.buffer(prefix.length + 20 + suffix.length).appendBytes(prefix)
                    .appendString(Long.toString(id)).appendBytes(suffix);
        }

        void begin(long warmupEnd, long measureEnd, Promise<Void> done) {
            this.warmupEnd = warmupEnd;
            this.measureEnd = measureEnd;
            this.done = done;
            fire();
        }

        void fire() {
            final long id = nextId++;
            final Buffer body = body(id);
            final long t0 = System.nanoTime();
            client.request(callOptions)
                    .compose(req -> req.send(body))
                    .compose(resp -> resp.body().map(b -> {
                        int code = classify(resp, b, id, o.text);
                        if (code != OK && errorSample == null) {
                            errorSample = CODE_NAMES[code] + ": HTTP " + resp.statusCode() + " " + abbreviate(b.toString());
                        }
                        return code;
                    }))
                    .onComplete(ar -> {
                        long t1 = System.nanoTime();
                        int code = ar.succeeded() ? ar.result() : TRANSPORT;
                        if (ar.failed() && errorSample == null) errorSample = "transport: " + ar.cause();
                        completed(t0, t1, code);
                    });
        }

        void completed(long t0, long t1, int code) {
            boolean endsInWindow = t1 >= warmupEnd && t1 <= measureEnd;
            progressCompleted.increment();
            if (endsInWindow) completedInWindow++;
            if (code == OK) {
                if (endsInWindow) okInWindow++;
                if (t0 >= warmupEnd && t1 <= measureEnd) {
                    hist.recordValue(Math.max(1, (t1 - t0 + 500) / 1000));
                }
            } else {
                errorsTotal++;
                errorKinds[code]++;
                progressErrors.increment();
                if (endsInWindow) errorsInWindow++;
            }
            if (t1 >= measureEnd) {
                done.complete();
            } else if (code == TRANSPORT) {
                vertx.setTimer(10, x -> fire()); // do not spin on a dead endpoint
            } else {
                fire();
            }
        }
    }

    int runLoad() throws Exception {
        log("connecting " + o.connections + " MCP sessions to " + o.url + " (tool " + o.tool + ", " + o.threads
                + " event loops)");
        List<Context> contexts = eventLoopContexts(o.connections);
        List<Conn> conns = new ArrayList<>(o.connections);
        List<CompletableFuture<Void>> setups = new ArrayList<>();
        for (int i = 0; i < o.connections; i++) {
            Context ctx = contexts.get(i);
            Conn c = new Conn(i, ctx);
            conns.add(c);
            CompletableFuture<Void> f = new CompletableFuture<>();
            ctx.runOnContext(v -> c.setUp().onComplete(ar -> {
                if (ar.succeeded()) f.complete(null);
                else f.completeExceptionally(ar.cause());
            }));
            setups.add(f);
        }
        try {
            CompletableFuture.allOf(setups.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        }
        Session s0 = conns.get(0).session;
        log("sessions ready (protocol " + s0.protocolVersion + ", server " + s0.serverName + ", session id "
                + (s0.sessionId == null ? "none" : "yes") + "); warm-up " + o.warmupMs + " ms, measure "
                + o.durationMs + " ms");

        long start = System.nanoTime();
        long warmupEnd = start + TimeUnit.MILLISECONDS.toNanos(o.warmupMs);
        long measureEnd = warmupEnd + TimeUnit.MILLISECONDS.toNanos(o.durationMs);
        Instant startedAt = Instant.now();
        List<CompletableFuture<Void>> dones = new ArrayList<>();
        for (Conn c : conns) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            c.ctx.runOnContext(v -> {
                Promise<Void> p = Promise.promise();
                p.future().onComplete(ar -> f.complete(null));
                c.begin(warmupEnd, measureEnd, p);
            });
            dones.add(f);
        }
        long progressTimer = vertx.setPeriodic(5_000, new io.vertx.core.Handler<>() {
            long lastCount;
            long lastNanos = start;

            @Override
            public void handle(Long id) {
                long now = System.nanoTime();
                long count = progressCompleted.sum();
                double rate = (count - lastCount) / ((now - lastNanos) / 1e9);
                String phase = lastNanos < warmupEnd ? "warm-up" : "measure";
                lastCount = count;
                lastNanos = now;
                log(String.format(Locale.ROOT, "t=%4.0fs %-8s %,10.0f req/s  errors=%d", (now - start) / 1e9,
                        phase, rate, progressErrors.sum()));
            }
        });
        long waitMs = TimeUnit.NANOSECONDS.toMillis(measureEnd - System.nanoTime()) + o.requestTimeoutMs + 5_000;
        CompletableFuture.allOf(dones.toArray(CompletableFuture[]::new)).get(waitMs, TimeUnit.MILLISECONDS);
        vertx.cancelTimer(progressTimer);

        // Close the sessions politely (best effort, not measured).
        List<CompletableFuture<Void>> deletes = new ArrayList<>();
        for (Conn c : conns) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            c.ctx.runOnContext(v -> c.session.delete().onComplete(ar -> f.complete(null)));
            deletes.add(f);
        }
        try {
            CompletableFuture.allOf(deletes.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // best effort
        }

        Histogram all = newHistogram();
        long completed = 0, ok = 0, errorsInWindow = 0, errorsTotal = 0, callsSent = 0;
        long[] kinds = new long[CODE_NAMES.length];
        String sample = null;
        for (Conn c : conns) {
            all.add(c.hist);
            completed += c.completedInWindow;
            ok += c.okInWindow;
            errorsInWindow += c.errorsInWindow;
            errorsTotal += c.errorsTotal;
            for (int k = 0; k < kinds.length; k++) kinds[k] += c.errorKinds[k];
            if (sample == null) sample = c.errorSample;
            callsSent += c.nextId - 1;
        }
        double seconds = o.durationMs / 1000.0;
        double throughput = ok / seconds;

        ObjectNode r = MAPPER.createObjectNode();
        r.put("label", o.label);
        r.put("mode", "tools-call");
        r.put("url", o.url);
        r.put("tool", o.tool);
        r.put("connections", o.connections);
        r.put("threads", o.threads);
        r.put("warmupSeconds", o.warmupMs / 1000.0);
        r.put("durationSeconds", seconds);
        r.put("requests", completed);
        r.put("successful", ok);
        r.put("errors", errorsInWindow);
        r.put("errorsIncludingWarmup", errorsTotal);
        r.put("callsSent", callsSent); // every tools/call sent: pre-flight, warm-up and measured
        r.put("sessionsUsed", conns.size());
        ObjectNode ek = r.putObject("errorKinds");
        for (int k = 1; k < kinds.length; k++) if (kinds[k] > 0) ek.put(CODE_NAMES[k], kinds[k]);
        if (sample != null) r.put("errorSample", sample);
        r.put("throughput", Math.round(throughput * 10) / 10.0);
        r.put("recorded", all.getTotalCount());
        r.put("unit", "microseconds");
        r.put("min", all.getMinValue());
        r.put("mean", Math.round(all.getMean() * 10) / 10.0);
        r.put("p50", all.getValueAtPercentile(50));
        r.put("p90", all.getValueAtPercentile(90));
        r.put("p99", all.getValueAtPercentile(99));
        r.put("p999", all.getValueAtPercentile(99.9));
        r.put("max", all.getMaxValue());
        r.put("stddev", Math.round(all.getStdDeviation() * 10) / 10.0);
        r.put("protocolVersion", s0.protocolVersion);
        r.put("server", s0.serverName);
        r.put("startedAt", startedAt.toString());
        r.put("java", System.getProperty("java.version"));
        r.put("histogram", encode(all));
        write(r);
        System.out.println(String.format(Locale.ROOT,
                "[%s] %d conns: %,.0f req/s  p50=%dus p90=%dus p99=%dus p99.9=%dus max=%dus  requests=%d errors=%d",
                o.label, o.connections, throughput, all.getValueAtPercentile(50), all.getValueAtPercentile(90),
                all.getValueAtPercentile(99), all.getValueAtPercentile(99.9), all.getMaxValue(), completed,
                errorsInWindow));
        if (errorsTotal > 0) {
            System.err.println("[" + o.label + "] " + errorsTotal + " errors; first: " + sample);
        }
        return ok == 0 ? 1 : 0;
    }

    /**
     * {@code n} distinct event-loop contexts, spread round-robin over the event loops. (From a non-Vert.x
     * thread {@code getOrCreateContext()} is sticky, so we deploy trivial verticles to get fresh contexts.)
     */
    List<Context> eventLoopContexts(int n) throws Exception {
        List<Context> out = java.util.Collections.synchronizedList(new ArrayList<>(n));
        vertx.deployVerticle(() -> new io.vertx.core.AbstractVerticle() {
                    @Override
                    public void start() {
                        out.add(context);
                    }
                }, new io.vertx.core.DeploymentOptions().setInstances(n))
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        return new ArrayList<>(out);
    }

    // ---- sessions mode ----------------------------------------------------------------------------------

    int runSessions() throws Exception {
        int n = o.sessions;
        int concurrency = Math.min(o.connections, n);
        long rssBefore = readRssKb(o.pid);
        long fdsBefore = countFds(o.pid);
        log("opening " + n + " MCP sessions on " + o.url + " (" + concurrency + " at a time)"
                + (o.pid > 0 ? ", RSS of pid " + o.pid + " before: " + rssBefore + " kB" : ""));
        Context ctx = vertx.getOrCreateContext();
        HttpClient client = newClient(concurrency);
        List<Session> opened = new ArrayList<>(n);
        AtomicInteger nextIndex = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        AtomicReference<String> sample = new AtomicReference<>();
        CompletableFuture<Void> all = new CompletableFuture<>();
        AtomicInteger running = new AtomicInteger(concurrency);
        long t0 = System.nanoTime();
        ctx.runOnContext(v -> {
            for (int w = 0; w < concurrency; w++) {
                openNext(client, n, nextIndex, opened, errors, sample, () -> {
                    if (running.decrementAndGet() == 0) all.complete(null);
                });
            }
        });
        all.get(Math.max(60, n / 10), TimeUnit.SECONDS);
        double openSeconds = (System.nanoTime() - t0) / 1e9;
        log(opened.size() + " sessions open in " + String.format(Locale.ROOT, "%.2f", openSeconds) + " s ("
                + errors.get() + " errors)");
        long rssSessions = readRssKb(o.pid);
        long fdsSessions = countFds(o.pid);
        Streams streams = o.getStreams ? openStreams(ctx, opened) : null;
        log("settling " + o.settleMs + " ms");
        Thread.sleep(o.settleMs);
        long rssAfter = readRssKb(o.pid);
        long fdsAfter = countFds(o.pid);
        if (o.holdFile != null) {
            // Someone else measures now: tell them the sessions are open, and wait until they delete the file.
            Files.writeString(o.holdFile, opened.size() + "\n");
            log("sessions open; holding them until " + o.holdFile + " is deleted");
            long holdUntil = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            while (Files.exists(o.holdFile) && System.nanoTime() < holdUntil) {
                Thread.sleep(100);
            }
        }

        int streamsDropped = 0;
        if (streams != null) {
            streamsDropped = streams.dropped.get();
            streams.client.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        int deleted = 0;
        if (!o.keepSessions) {
            List<CompletableFuture<Integer>> fs = new ArrayList<>();
            for (Session s : opened) {
                CompletableFuture<Integer> f = new CompletableFuture<>();
                ctx.runOnContext(v -> s.delete().onComplete(ar -> f.complete(ar.succeeded() ? ar.result() : -1)));
                fs.add(f);
            }
            for (CompletableFuture<Integer> f : fs) {
                int st = f.get(60, TimeUnit.SECONDS);
                if (st / 100 == 2) deleted++;
            }
        }

        ObjectNode r = MAPPER.createObjectNode();
        r.put("label", o.label);
        r.put("mode", "sessions");
        r.put("url", o.url);
        r.put("sessionsRequested", n);
        r.put("sessionsOpened", opened.size());
        r.put("errors", errors.get());
        if (sample.get() != null) r.put("errorSample", sample.get());
        r.put("openSeconds", Math.round(openSeconds * 1000) / 1000.0);
        r.put("pid", o.pid);
        r.put("rssBeforeKb", rssBefore);
        r.put("rssAfterKb", rssAfter);
        r.put("fdsBefore", fdsBefore);
        r.put("fdsAfter", fdsAfter);
        if (streams != null) {
            r.put("rssSessionsOnlyKb", rssSessions);
            r.put("fdsSessionsOnly", fdsSessions);
            r.put("streamsRequested", opened.size());
            r.put("streamsOpened", streams.opened.get());
            r.put("streamErrors", streams.errors.get());
            r.put("streamsDroppedWhileHeld", streamsDropped);
            if (streams.sample.get() != null) r.put("streamErrorSample", streams.sample.get());
        }
        if (rssBefore > 0 && rssAfter > 0) {
            r.put("rssDeltaKb", rssAfter - rssBefore);
            if (!opened.isEmpty()) {
                r.put("rssDeltaPerSessionKb", Math.round((rssAfter - rssBefore) * 100.0 / opened.size()) / 100.0);
            }
        }
        r.put("sessionsDeleted", deleted);
        r.put("startedAt", Instant.now().toString());
        write(r);
        System.out.println("[" + o.label + "] sessions opened=" + opened.size() + " errors=" + errors.get()
                + " rssBeforeKb=" + rssBefore + " rssAfterKb=" + rssAfter + " deleted=" + deleted);
        if (sample.get() != null) System.err.println("[" + o.label + "] first error: " + sample.get());
        return opened.size() == n && (streams == null || streams.opened.get() == opened.size()) ? 0 : 1;
    }

    /** The standalone GET streams opened in sessions mode, one connection each. */
    record Streams(HttpClient client, AtomicInteger opened, AtomicInteger errors, AtomicInteger dropped,
                   AtomicReference<String> sample) {
    }

    /** Opens the standalone stream ({@code GET}) of every session and waits until each answered its headers. */
    Streams openStreams(Context ctx, List<Session> sessions) throws Exception {
        Streams st = new Streams(newClient(Math.max(1, sessions.size())), new AtomicInteger(), new AtomicInteger(),
                new AtomicInteger(), new AtomicReference<>());
        CompletableFuture<Void> all = new CompletableFuture<>();
        AtomicInteger pending = new AtomicInteger(sessions.size());
        long t0 = System.nanoTime();
        Runnable oneDone = () -> {
            if (pending.decrementAndGet() == 0) all.complete(null);
        };
        if (sessions.isEmpty()) all.complete(null);
        ctx.runOnContext(v -> {
            for (Session s : sessions) {
                MultiMap h = MultiMap.caseInsensitiveMultiMap().add(HttpHeaders.ACCEPT, "text/event-stream");
                if (s.sessionId != null) h.add(H_SESSION, s.sessionId);
                if (s.protocolVersion != null) h.add(H_PROTOCOL, s.protocolVersion);
                st.client().request(new RequestOptions().setMethod(HttpMethod.GET).setURI(path).setHeaders(h))
                        .compose(req -> req.send())
                        .onSuccess(resp -> {
                            if (resp.statusCode() == 200) {
                                st.opened().incrementAndGet();
                                resp.handler(b -> { });
                                resp.exceptionHandler(t -> { });
                                resp.endHandler(x -> st.dropped().incrementAndGet());
                            } else {
                                st.errors().incrementAndGet();
                                resp.body().onComplete(b -> st.sample().compareAndSet(null, "GET: HTTP " + resp.statusCode()
                                        + (b.succeeded() ? " " + abbreviate(b.result().toString()) : "")));
                            }
                            oneDone.run();
                        })
                        .onFailure(t -> {
                            st.errors().incrementAndGet();
                            st.sample().compareAndSet(null, "GET: " + t);
                            oneDone.run();
                        });
            }
        });
        all.get(Math.max(60, sessions.size() / 10), TimeUnit.SECONDS);
        log(st.opened().get() + " GET streams open in "
                + String.format(Locale.ROOT, "%.2f", (System.nanoTime() - t0) / 1e9) + " s (" + st.errors().get()
                + " errors)");
        return st;
    }

    private void openNext(HttpClient client, int n, AtomicInteger nextIndex, List<Session> opened,
                          AtomicInteger errors, AtomicReference<String> sample, Runnable workerDone) {
        if (nextIndex.getAndIncrement() >= n) {
            workerDone.run();
            return;
        }
        Session s = new Session(client, nextIndex.get() - 1);
        s.initialize().onComplete(ar -> {
            if (ar.succeeded()) {
                opened.add(s); // single context: no synchronization needed
            } else {
                errors.incrementAndGet();
                sample.compareAndSet(null, String.valueOf(ar.cause().getMessage()));
            }
            openNext(client, n, nextIndex, opened, errors, sample, workerDone);
        });
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    /** VmRSS of a process in kB, or -1. */
    static long readRssKb(long pid) {
        if (pid <= 0) return -1;
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** Open file descriptors of a process, or -1. */
    static long countFds(long pid) {
        if (pid <= 0) return -1;
        try (var s = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return s.count();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    static String encode(Histogram h) {
        ByteBuffer buf = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int len = h.encodeIntoCompressedByteBuffer(buf);
        return Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buf.array(), len));
    }

    static Histogram decode(String base64) throws java.util.zip.DataFormatException {
        return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(base64)), 0);
    }

    static String jsonString(String s) {
        try {
            return MAPPER.writeValueAsString(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    void write(ObjectNode r) throws IOException {
        String json = MAPPER.writeValueAsString(r);
        if (o.out != null) {
            Path parent = o.out.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            Files.writeString(o.out, json + "\n");
        } else if (!o.quiet) {
            System.out.println(json);
        }
    }

    void log(String msg) {
        if (!o.quiet) System.err.println("[" + o.label + "] " + msg);
    }
}
