package dev.mcpgateway.upstream;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import dev.mcpgateway.config.BackendConfig;
import dev.mcpgateway.jsonrpc.JsonRpcCodec;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import dev.mcpgateway.jsonrpc.JsonRpcMessage;
import dev.mcpgateway.jsonrpc.JsonRpcNotification;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.jsonrpc.McpHeaders;
import dev.mcpgateway.jsonrpc.McpMethods;
import dev.mcpgateway.jsonrpc.ModernMeta;
import dev.mcpgateway.jsonrpc.ProtocolVersions;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

/**
 * Streamable HTTP upstream (2025-03-26 and later). Requests are independent POSTs carrying the
 * upstream's {@code Mcp-Session-Id}, so any replica can send them. Client ids pass through
 * unchanged: an upstream session belongs to exactly one client session, whose ids are unique. Every
 * call has the backend's timeout as its deadline; a GET stream's deadline covers its headers only.
 */
final class StreamableHttpClient implements UpstreamClient {

    private static final Logger LOG = Logger.getLogger(StreamableHttpClient.class);
    static final String SESSION_HEADER = "Mcp-Session-Id";
    static final String VERSION_HEADER = "MCP-Protocol-Version";
    static final String LAST_EVENT_ID = "Last-Event-ID";
    static final String ACCEPT_BOTH = "application/json, text/event-stream";
    static final String EVENT_STREAM = "text/event-stream";
    private static final JsonNode DISCOVER_ID = TextNode.valueOf("mcp-gateway-discover");

    private final BackendConfig config;
    private final Vertx vertx;
    private final UpstreamHttp http;
    private final long timeoutMillis;
    /** The upstream's era, once known: true for 2026-07-28 and later, false for initialize-based ones. */
    private volatile Boolean modern;

    StreamableHttpClient(Vertx vertx, BackendConfig config, UpstreamOptions options) {
        this.vertx = vertx;
        this.config = config;
        this.http = new UpstreamHttp(vertx, config, options);
        this.timeoutMillis = config.timeout().toMillis();
    }

    @Override
    public BackendConfig config() {
        return config;
    }

    @Override
    public Future<UpstreamSession> open(ObjectNode initializeParams) {
        return open(initializeParams, Map.of());
    }

    @Override
    public Future<UpstreamSession> open(ObjectNode initializeParams, Map<String, String> extra) {
        if (Boolean.FALSE.equals(modern)) {
            return initialize(initializeParams, extra);
        }
        return discover(initializeParams, extra).compose(found -> {
            if (found != null) {
                modern = true;
                return Future.succeededFuture(found);
            }
            if (modern == null) {
                LOG.infof("Backend %s speaks a revision before %s: using initialize and sessions", config.name(),
                        ProtocolVersions.V2026_07_28);
            }
            modern = false;
            return initialize(initializeParams, extra);
        });
    }

    /**
     * Asks with {@code server/discover} whether the upstream speaks a stateless revision. Answers
     * its session record (no session id) when it does, null when it is of an earlier era: any
     * refusal that is not a 2026-07-28 error means the upstream expects {@code initialize}.
     */
    private Future<UpstreamSession> discover(ObjectNode initializeParams, Map<String, String> extra) {
        ObjectNode params = JsonRpcCodec.MAPPER.createObjectNode();
        ObjectNode meta = params.putObject("_meta");
        meta.put(ModernMeta.PROTOCOL_VERSION, ProtocolVersions.V2026_07_28);
        JsonNode caps = initializeParams.get("capabilities");
        meta.set(ModernMeta.CLIENT_CAPABILITIES, caps == null ? JsonRpcCodec.MAPPER.createObjectNode() : caps);
        if (initializeParams.get("clientInfo") != null) {
            meta.set(ModernMeta.CLIENT_INFO, initializeParams.get("clientInfo"));
        }
        JsonRpcRequest probe = new JsonRpcRequest(DISCOVER_ID, McpMethods.SERVER_DISCOVER, params);
        RequestOptions req = post(null, ProtocolVersions.V2026_07_28, extra, probe);
        return http.call(http.requests(), req, timeoutMillis, r -> r.send(Buffer.buffer(JsonRpcCodec.encode(probe)))
                .compose(resp -> http.body(resp).map(body -> {
                    String type = resp.getHeader(HttpHeaders.CONTENT_TYPE);
                    JsonNode tree;
                    try {
                        tree = type != null && type.startsWith(EVENT_STREAM) ? lastSseMessage(body)
                                : JsonRpcCodec.parseTree(body.getBytes());
                    } catch (JsonRpcException e) {
                        return null;
                    }
                    JsonNode result = tree == null ? null : tree.get("result");
                    if (result == null || !result.has("supportedVersions")) {
                        return null;
                    }
                    boolean speaks = false;
                    for (JsonNode v : result.get("supportedVersions")) {
                        speaks |= ProtocolVersions.isModern(v.asText());
                    }
                    if (!speaks) {
                        return null;
                    }
                    JsonNode upstreamCaps = result.get("capabilities");
                    return new UpstreamSession(config.name(), null, ProtocolVersions.V2026_07_28,
                            upstreamCaps == null ? JsonRpcCodec.MAPPER.createObjectNode() : upstreamCaps,
                            result.path("_meta").get(ModernMeta.SERVER_INFO));
                })));
    }

    /** The last JSON-RPC message of an event stream read whole (and so already bounded). */
    private static JsonNode lastSseMessage(Buffer body) {
        JsonNode[] last = new JsonNode[1];
        SseParser parser = new SseParser(event -> {
            if (!event.data().isEmpty()) {
                try {
                    last[0] = JsonRpcCodec.parseTree(event.data().getBytes(StandardCharsets.UTF_8));
                } catch (JsonRpcException ignored) {
                    // Not JSON-RPC: not a modern upstream's answer.
                }
            }
        });
        parser.feed(body);
        return last[0];
    }

    private Future<UpstreamSession> initialize(ObjectNode initializeParams, Map<String, String> extra) {
        Promise<UpstreamSession> done = Promise.promise();
        String[] sessionId = new String[1];
        exchange(null, null, Initialization.request(initializeParams), UpstreamSink.DISCARD, sessionId, extra)
                .onFailure(done::fail)
                .onSuccess(response -> {
                    UpstreamSession session;
                    try {
                        session = Initialization.session(config.name(), sessionId[0], response);
                    } catch (JsonRpcException e) {
                        done.fail(e);
                        return;
                    }
                    send(session, Initialization.initialized(), extra).onComplete(ignored -> done.complete(session));
                });
        return done.future();
    }

    @Override
    public Future<JsonRpcResponse> request(UpstreamSession session, JsonRpcRequest request, UpstreamSink sink) {
        return request(session, request, sink, Map.of());
    }

    @Override
    public Future<JsonRpcResponse> request(UpstreamSession session, JsonRpcRequest request, UpstreamSink sink,
            Map<String, String> extra) {
        return exchange(session.sessionId(), session.protocolVersion(), request, sink, null, extra);
    }

    @Override
    public Future<Void> send(UpstreamSession session, JsonRpcMessage message) {
        return send(session, message, Map.of());
    }

    @Override
    public Future<Void> send(UpstreamSession session, JsonRpcMessage message, Map<String, String> extra) {
        if (ProtocolVersions.isModern(session.protocolVersion())) {
            // 2026-07-28 over HTTP has no client notifications (closing a stream cancels) and no
            // server requests to answer.
            return Future.succeededFuture();
        }
        RequestOptions req = post(session.sessionId(), session.protocolVersion(), extra, null);
        return http.call(http.requests(), req, timeoutMillis, r -> r.send(Buffer.buffer(JsonRpcCodec.encode(message)))
                .compose(resp -> http.body(resp).map(body -> {
                    if (resp.statusCode() == 404 && session.sessionId() != null) {
                        throw UpstreamErrors.sessionExpired(config.name());
                    }
                    if (resp.statusCode() / 100 != 2) {
                        throw UpstreamErrors.unavailable(config.name(), "HTTP " + resp.statusCode() + " to a notification");
                    }
                    return (Void) null;
                })));
    }

    @Override
    public Future<UpstreamListener> listen(UpstreamSession session, UpstreamSink sink) {
        return listen(session, null, sink);
    }

    @Override
    public Future<UpstreamListener> listen(UpstreamSession session, String lastEventId, UpstreamSink sink) {
        return listen(session, lastEventId, sink, Map.of());
    }

    @Override
    public Future<UpstreamListener> listenFor(UpstreamSession session, List<String> resourceUris, UpstreamSink sink,
            Map<String, String> extra) {
        StreamableListener stream = new StreamableListener(this, session, null, sink, extra, resourceUris);
        return stream.connect().map(open -> open ? stream : UpstreamListener.NONE);
    }

    @Override
    public Future<UpstreamListener> listen(UpstreamSession session, String lastEventId, UpstreamSink sink,
            Map<String, String> extra) {
        StreamableListener stream = new StreamableListener(this, session, lastEventId, sink, extra, List.of());
        return stream.connect().map(open -> open ? stream : UpstreamListener.NONE);
    }

    @Override
    public Future<Void> close(UpstreamSession session) {
        if (session.sessionId() == null) {
            return Future.succeededFuture();
        }
        RequestOptions req = http.request(HttpMethod.DELETE,
                http.headers(Map.of(), own(session.sessionId(), session.protocolVersion(), ACCEPT_BOTH)));
        return http.call(http.requests(), req, timeoutMillis, r -> r.send().compose(http::body))
                .<Void>mapEmpty()
                .otherwise(t -> {
                    LOG.debugf("Closing the session of backend %s failed: %s", config.name(), t.getMessage());
                    return null;
                });
    }

    @Override
    public void shutdown() {
        http.shutdown();
    }

    Vertx vertx() {
        return vertx;
    }

    UpstreamHttp http() {
        return http;
    }

    long timeoutMillis() {
        return timeoutMillis;
    }

    /** A POST of one message; the 2026-07-28 headers that mirror a request's body go with it. */
    RequestOptions post(String sessionId, String protocolVersion, Map<String, String> extra, JsonRpcRequest request) {
        MultiMap own = own(sessionId, protocolVersion, ACCEPT_BOTH).set(HttpHeaders.CONTENT_TYPE, "application/json");
        if (request != null && ProtocolVersions.isModern(protocolVersion)) {
            McpHeaders.mirror(request, own::set);
        }
        return http.request(HttpMethod.POST, http.headers(extra, own));
    }

    /** A GET of the session's event stream, resuming after {@code lastEventId} when there is one. */
    RequestOptions get(String sessionId, String protocolVersion, Map<String, String> extra, String lastEventId) {
        MultiMap own = own(sessionId, protocolVersion, EVENT_STREAM);
        if (lastEventId != null) {
            own.set(LAST_EVENT_ID, lastEventId);
        }
        return http.request(HttpMethod.GET, http.headers(extra, own));
    }

    /** The gateway's own headers toward the backend, which {@link UpstreamHttp#headers} sets last. */
    private static MultiMap own(String sessionId, String protocolVersion, String accept) {
        MultiMap h = MultiMap.caseInsensitiveMultiMap().set(HttpHeaders.ACCEPT, accept);
        if (sessionId != null) {
            h.set(SESSION_HEADER, sessionId);
        }
        // The header is required from 2025-06-18 on; older servers do not expect it.
        if (protocolVersion != null && ProtocolVersions.atLeast(protocolVersion, ProtocolVersions.V2025_06_18)) {
            h.set(VERSION_HEADER, protocolVersion);
        }
        return h;
    }

    /**
     * One POST carrying a request. Answers its response whether the upstream replies with JSON or
     * with an event stream; other messages on that stream go to the sink. {@code sessionOut}, when
     * given, receives the session id the upstream assigned.
     */
    private Future<JsonRpcResponse> exchange(String sessionId, String protocolVersion, JsonRpcRequest request,
            UpstreamSink sink, String[] sessionOut, Map<String, String> extra) {
        Promise<JsonRpcResponse> result = Promise.promise();
        byte[] body = JsonRpcCodec.encode(request);
        RequestOptions req = post(sessionId, protocolVersion, extra, request);
        Future<JsonRpcResponse> answer = http.call(http.requests(), req, timeoutMillis,
                r -> r.send(Buffer.buffer(body)).compose(resp -> {
                    if (sessionOut != null) {
                        sessionOut[0] = resp.getHeader(SESSION_HEADER);
                    }
                    handleResponse(resp, sessionId, protocolVersion, request, sink, extra, result);
                    return result.future();
                }));
        return answer.onFailure(t -> {
            // An event stream still being read, or resumed, stops at the deadline too.
            result.tryFail(t);
            if (UpstreamErrors.isTimeout(t) && sessionId != null && !McpMethods.INITIALIZE.equals(request.method())) {
                cancelUpstream(sessionId, protocolVersion, request);
            }
        });
    }

    private void handleResponse(HttpClientResponse resp, String sessionId, String protocolVersion, JsonRpcRequest request,
            UpstreamSink sink, Map<String, String> extra, Promise<JsonRpcResponse> result) {
        if (ResumableEventStream.isEventStream(resp)) {
            new ResponseEvents(sessionId, protocolVersion, request, sink, extra, result).read(resp);
            return;
        }
        int status = resp.statusCode();
        http.body(resp).onComplete(b -> {
            if (b.failed()) {
                result.tryFail(http.error(b.cause()));
                return;
            }
            if (status == 404 && sessionId != null) {
                result.tryFail(UpstreamErrors.sessionExpired(config.name()));
                return;
            }
            if (status != 200 && ProtocolVersions.isModern(protocolVersion) && status / 100 == 4) {
                // A 2026-07-28 upstream refuses a request with a 4xx and a JSON-RPC error meant for the client.
                try {
                    if (JsonRpcCodec.decode(JsonRpcCodec.parseTree(b.result().getBytes())) instanceof JsonRpcResponse r
                            && r.isError()) {
                        result.tryComplete(r.withId(request.id()));
                        return;
                    }
                } catch (JsonRpcException e) {
                    // Not JSON-RPC: reported below as an unavailable backend.
                }
            }
            if (status != 200) {
                result.tryFail(UpstreamErrors.unavailable(config.name(), "HTTP " + status + snippet(b.result())));
                return;
            }
            try {
                byte[] bytes = b.result().getBytes();
                JsonNode tree = JsonRpcCodec.parseTree(bytes);
                if (!tree.isArray() && JsonRpcCodec.decode(tree) instanceof JsonRpcResponse r) {
                    // The common case: one response; keep its bytes to pass them on unchanged.
                    deliver(r.withWire(bytes), request, sink, result);
                } else {
                    for (JsonRpcMessage m : JsonRpcCodec.decodeAll(tree)) {
                        deliver(m, request, sink, result);
                    }
                }
                if (!result.future().isComplete()) {
                    result.tryFail(UpstreamErrors.unavailable(config.name(), "its reply held no response to the request"));
                }
            } catch (JsonRpcException e) {
                result.tryFail(UpstreamErrors.unavailable(config.name(), "it answered something that is not JSON-RPC"));
            }
        });
    }

    /**
     * The event stream that answers one POST. From 2025-11-25 the upstream may end it before the
     * response: "After the server has sent an SSE event with an event ID to the client, the server
     * MAY close the connection (without terminating the SSE stream) at any time ... The client
     * SHOULD then 'poll' the SSE stream by attempting to reconnect", after the {@code retry} delay,
     * by GET with {@code Last-Event-ID}. So the stream is resumed until the response arrives (or
     * the request times out); only a stream that ends before any event id fails the request.
     */
    private final class ResponseEvents {
        /** Reconnections in a row that brought no new event id before the stream ended again. */
        private static final int MAX_IDLE_RESUMES = 5;

        private final String sessionId;
        private final String protocolVersion;
        private final Map<String, String> extra;
        private final Promise<JsonRpcResponse> result;
        private final ResumableEventStream stream;
        private int idleResumes;
        private boolean resumed;

        ResponseEvents(String sessionId, String protocolVersion, JsonRpcRequest request, UpstreamSink sink,
                Map<String, String> extra, Promise<JsonRpcResponse> result) {
            this.sessionId = sessionId;
            this.protocolVersion = protocolVersion;
            this.extra = extra;
            this.result = result;
            this.stream = new ResumableEventStream(http, null, m -> deliver(m, request, sink, result));
            // A resumed stream may stay open after the response; the gateway has what it needs. The
            // POST's own stream ends with the response, and its connection goes back to the pool.
            result.future().onComplete(ignored -> {
                if (resumed) {
                    stream.close();
                }
            });
        }

        void read(HttpClientResponse resp) {
            String before = stream.lastEventId();
            stream.read(resp).onComplete(ar -> {
                if (!Objects.equals(before, stream.lastEventId())) {
                    idleResumes = 0;
                }
                // Only a stream that broke a bound fails with a JSON-RPC error: that one is not resumed.
                ended(ar.failed() ? ar.cause() : null, !(ar.cause() instanceof JsonRpcException));
            });
        }

        private void ended(Throwable cause, boolean resumable) {
            if (result.future().isComplete()) {
                return;
            }
            if (!resumable || stream.lastEventId() == null || sessionId == null || idleResumes >= MAX_IDLE_RESUMES) {
                result.tryFail(cause != null ? http.error(cause)
                        : UpstreamErrors.unavailable(config.name(), "its event stream ended before the response"));
                return;
            }
            idleResumes++;
            resumed = true;
            vertx.setTimer(Math.max(1, stream.retryMillis()), id -> resume());
        }

        private void resume() {
            if (result.future().isComplete()) {
                return;
            }
            stream.open(get(sessionId, protocolVersion, extra, stream.lastEventId()), null, timeoutMillis).onComplete(ar -> {
                if (ar.failed()) {
                    ended(ar.cause(), true);
                    return;
                }
                HttpClientResponse resp = ar.result();
                if (!ResumableEventStream.isEventStream(resp)) {
                    result.tryFail(UpstreamErrors.unavailable(config.name(),
                            "resuming its event stream with Last-Event-ID answered HTTP " + resp.statusCode()));
                    return;
                }
                if (result.future().isComplete()) {
                    UpstreamHttp.abandon(resp);
                    return;
                }
                read(resp);
            });
        }
    }

    private static void deliver(JsonRpcMessage message, JsonRpcRequest request, UpstreamSink sink,
            Promise<JsonRpcResponse> result) {
        if (message instanceof JsonRpcResponse r && r.id() != null && r.id().equals(request.id())) {
            result.tryComplete(r);
        } else if (!result.future().isComplete()) {
            sink.onMessage(message);
        }
    }

    private void cancelUpstream(String sessionId, String protocolVersion, JsonRpcRequest request) {
        ObjectNode params = JsonRpcCodec.MAPPER.createObjectNode();
        params.set("requestId", request.id());
        params.put("reason", "timed out at the gateway");
        UpstreamSession s = new UpstreamSession(config.name(), sessionId, protocolVersion, null, null);
        send(s, new JsonRpcNotification(McpMethods.NOTIFICATIONS_CANCELLED, params));
    }

    private static String snippet(Buffer body) {
        if (body == null || body.length() == 0) {
            return "";
        }
        String s = body.toString(StandardCharsets.UTF_8).strip();
        return ": " + (s.length() > 200 ? s.substring(0, 200) + "…" : s);
    }
}
