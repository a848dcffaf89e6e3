package dev.mcpgateway.upstream;

import java.net.URI;
import java.util.Map;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

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
import dev.mcpgateway.session.UpstreamSession;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.tracing.TracingPolicy;

/**
 * Streamable HTTP upstream (2025-03-26 and later). Requests are independent POSTs carrying the
 * upstream's {@code Mcp-Session-Id}, so any replica can send them. Client ids pass through
 * unchanged: an upstream session belongs to exactly one client session, whose ids are unique.
 */
final class StreamableHttpClient implements UpstreamClient {

    private static final Logger LOG = Logger.getLogger(StreamableHttpClient.class);
    static final String SESSION_HEADER = "Mcp-Session-Id";
    static final String VERSION_HEADER = "MCP-Protocol-Version";
    private static final String ACCEPT_BOTH = "application/json, text/event-stream";
    private static final int MAX_STREAMS = 10_000;
    private static final long DEFAULT_RETRY_MILLIS = 1000;

    private final BackendConfig config;
    private final Vertx vertx;
    private final HttpClient http;
    /** Long-lived GET streams get their own pool, without an idle timeout. */
    private final HttpClient streams;
    private final URI uri;
    private final UpstreamTlsOptions tls;
    private final String host;
    private final int port;
    private final String path;
    private final long timeoutMillis;
    private final MultiMap staticHeaders;
    /** The upstream's era, once known: true for 2026-07-28 and later, false for initialize-based ones. */
    private volatile Boolean modern;
    private static final JsonNode DISCOVER_ID = com.fasterxml.jackson.databind.node.TextNode.valueOf("mcp-gateway-discover");

    StreamableHttpClient(Vertx vertx, BackendConfig config, UpstreamOptions options) {
        this.vertx = vertx;
        this.config = config;
        this.uri = URI.create(config.url());
        this.tls = new UpstreamTlsOptions(config, uri);
        this.host = uri.getHost();
        this.port = uri.getPort() > 0 ? uri.getPort() : tls.ssl() ? 443 : 80;
        this.path = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        this.timeoutMillis = config.timeout().toMillis();
        HttpClientOptions http = tls.apply(new HttpClientOptions()
                .setKeepAlive(true)
                .setTcpNoDelay(true)
                .setConnectTimeout((int) options.connectTimeout().toMillis())
                .setIdleTimeout((int) options.idleConnectionTimeout().toSeconds())
                // The router opens the client span and sends its trace context (McpTracing).
                .setTracingPolicy(TracingPolicy.IGNORE)
                .setName("upstream-" + config.name()));
        this.http = vertx.createHttpClient(http, new PoolOptions().setHttp1MaxSize(options.maxConnectionsPerBackend()));
        HttpClientOptions streamOptions = new HttpClientOptions(http).setIdleTimeout(0)
                .setName("upstream-stream-" + config.name());
        this.streams = vertx.createHttpClient(streamOptions, new PoolOptions().setHttp1MaxSize(MAX_STREAMS));
        this.staticHeaders = MultiMap.caseInsensitiveMultiMap();
        for (Map.Entry<String, String> h : config.headers().entrySet()) {
            staticHeaders.add(h.getKey(), h.getValue());
        }
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
        return http.request(req.setTimeout(timeoutMillis))
                .compose(r -> r.send(Buffer.buffer(JsonRpcCodec.encode(probe))))
                .compose(resp -> resp.body().map(body -> {
                    String type = resp.getHeader(HttpHeaders.CONTENT_TYPE);
                    JsonNode tree;
                    try {
                        tree = type != null && type.startsWith("text/event-stream") ? lastSseMessage(body)
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
                }))
                .recover(t -> Future.failedFuture(asJsonRpc(t)));
    }

    private static JsonNode lastSseMessage(Buffer body) {
        JsonNode[] last = new JsonNode[1];
        SseParser parser = new SseParser(event -> {
            if (!event.data().isEmpty()) {
                try {
                    last[0] = JsonRpcCodec.parseTree(event.data().getBytes(java.nio.charset.StandardCharsets.UTF_8));
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
        return http.request(req)
                .compose(r -> r.send(Buffer.buffer(JsonRpcCodec.encode(message))))
                .compose(resp -> resp.body().map(body -> {
                    if (resp.statusCode() == 404 && session.sessionId() != null) {
                        throw UpstreamErrors.sessionExpired(config.name());
                    }
                    if (resp.statusCode() / 100 != 2) {
                        throw UpstreamErrors.unavailable(config.name(), "HTTP " + resp.statusCode() + " to a notification");
                    }
                    return (Void) null;
                }))
                .recover(t -> Future.failedFuture(asJsonRpc(t)));
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
    public Future<UpstreamListener> listenFor(UpstreamSession session, java.util.List<String> resourceUris,
            UpstreamSink sink, Map<String, String> extra) {
        StandaloneStream stream = new StandaloneStream(session, sink);
        stream.extra = extra;
        stream.resources = java.util.List.copyOf(resourceUris);
        return stream.connect().map(open -> open ? stream : UpstreamListener.NONE);
    }

    @Override
    public Future<UpstreamListener> listen(UpstreamSession session, String lastEventId, UpstreamSink sink,
            Map<String, String> extra) {
        StandaloneStream stream = new StandaloneStream(session, sink);
        stream.extra = extra;
        stream.lastEventId = lastEventId;
        return stream.connect().map(open -> open ? stream : UpstreamListener.NONE);
    }

    /**
     * The upstream's GET stream for one session. Reconnects when it drops, with the upstream's
     * {@code Last-Event-ID}, so a resumable upstream loses nothing; stops on 404 (session gone) or
     * 405 (the upstream offers no such stream).
     */
    private final class StandaloneStream implements UpstreamListener {
        private final UpstreamSession session;
        private final UpstreamSink sink;
        private volatile boolean closed;
        private volatile HttpClientRequest current;
        private volatile String lastEventId;
        private Map<String, String> extra = Map.of();
        /** For a 2026-07-28 upstream: the resource URIs to hear updates of. */
        private java.util.List<String> resources = java.util.List.of();
        private long retryMillis = DEFAULT_RETRY_MILLIS;
        private int failures;

        StandaloneStream(UpstreamSession session, UpstreamSink sink) {
            this.session = session;
            this.sink = sink;
        }

        /** Answers false when the upstream has no standalone stream. */
        Future<Boolean> connect() {
            boolean stateless = ProtocolVersions.isModern(session.protocolVersion());
            JsonRpcRequest listen = stateless ? listenRequest() : null;
            RequestOptions req;
            if (stateless) {
                req = post(null, session.protocolVersion(), extra, listen);
            } else {
                MultiMap h = headers(session.sessionId(), session.protocolVersion());
                extra.forEach(h::set);
                h.set(HttpHeaders.ACCEPT, "text/event-stream");
                if (lastEventId != null) {
                    h.set("Last-Event-ID", lastEventId);
                }
                req = target(HttpMethod.GET, h);
            }
            return streams.request(req).compose(r -> {
                current = r;
                return stateless ? r.send(Buffer.buffer(JsonRpcCodec.encode(listen))) : r.send();
            }).compose(resp -> {
                String type = resp.getHeader(HttpHeaders.CONTENT_TYPE);
                if (resp.statusCode() != 200 || type == null || !type.startsWith("text/event-stream")) {
                    int status = resp.statusCode();
                    resp.body();
                    if (status == 405 || status == 404 || status == 400) {
                        LOG.debugf("Backend %s: no standalone stream (HTTP %d)", config.name(), status);
                        return Future.succeededFuture(false);
                    }
                    return Future.failedFuture(UpstreamErrors.unavailable(config.name(), "GET stream answered HTTP " + status));
                }
                failures = 0;
                SseParser parser = new SseParser(event -> {
                    if (event.id() != null) {
                        lastEventId = event.id();
                    }
                    if (event.retry() != null) {
                        retryMillis = event.retry();
                    }
                    if (!"message".equals(event.event()) || event.data().isEmpty()) {
                        return;
                    }
                    try {
                        JsonRpcMessage m = JsonRpcCodec.decode(JsonRpcCodec.parseTree(
                                event.data().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                        if (m instanceof JsonRpcNotification n && (McpMethods.NOTIFICATIONS_SUBSCRIPTIONS_ACKNOWLEDGED
                                .equals(n.method()))) {
                            return;
                        }
                        if (m instanceof JsonRpcNotification n && n.params() != null
                                && n.params().get("_meta") instanceof ObjectNode meta) {
                            // The subscription is the gateway's own, not the client's.
                            meta.remove(ModernMeta.SUBSCRIPTION_ID);
                            if (meta.isEmpty()) {
                                n.params().remove("_meta");
                            }
                        }
                        if (m instanceof JsonRpcResponse) {
                            // The upstream ended the subscription gracefully; listen again later.
                            return;
                        }
                        sink.onMessage(m);
                    } catch (JsonRpcException e) {
                        LOG.debugf("Backend %s sent an event that is not JSON-RPC: %s", config.name(), e.getMessage());
                    }
                });
                resp.handler(parser::feed);
                resp.exceptionHandler(t -> reconnectLater());
                resp.endHandler(v -> reconnectLater());
                return Future.succeededFuture(true);
            }).recover(t -> {
                if (t instanceof JsonRpcException e) {
                    return Future.failedFuture(e);
                }
                return Future.failedFuture(asJsonRpc(t));
            });
        }

        /** A 2026-07-28 upstream's change notifications: every list change, and the resources named. */
        private JsonRpcRequest listenRequest() {
            ObjectNode params = JsonRpcCodec.MAPPER.createObjectNode();
            ObjectNode meta = params.putObject("_meta");
            meta.put(ModernMeta.PROTOCOL_VERSION, session.protocolVersion());
            meta.putObject(ModernMeta.CLIENT_CAPABILITIES);
            ObjectNode filter = params.putObject("notifications");
            filter.put("toolsListChanged", true);
            filter.put("promptsListChanged", true);
            filter.put("resourcesListChanged", true);
            if (!resources.isEmpty()) {
                com.fasterxml.jackson.databind.node.ArrayNode uris = filter.putArray("resourceSubscriptions");
                resources.forEach(uris::add);
            }
            return new JsonRpcRequest(com.fasterxml.jackson.databind.node.TextNode.valueOf("mcp-gateway-listen"),
                    McpMethods.SUBSCRIPTIONS_LISTEN, params);
        }

        private void reconnectLater() {
            if (closed) {
                return;
            }
            long delay = Math.min(30_000, retryMillis * (1L << Math.min(failures, 5)));
            failures++;
            vertx.setTimer(delay, id -> {
                if (closed) {
                    return;
                }
                Future<Boolean> again;
                try {
                    again = connect();
                } catch (IllegalStateException e) {
                    // The backend was removed by a reload and its client shut down.
                    closed = true;
                    return;
                }
                again.onComplete(ar -> {
                    if (ar.failed()) {
                        reconnectLater();
                    } else if (!ar.result()) {
                        closed = true;
                    }
                });
            });
        }

        @Override
        public String lastEventId() {
            return lastEventId;
        }

        @Override
        public void close() {
            closed = true;
            HttpClientRequest r = current;
            if (r != null) {
                r.reset();
            }
        }
    }

    @Override
    public Future<Void> close(UpstreamSession session) {
        if (session.sessionId() == null) {
            return Future.succeededFuture();
        }
        RequestOptions req = target(HttpMethod.DELETE, headers(session.sessionId(), session.protocolVersion()))
                .setTimeout(timeoutMillis);
        return http.request(req).compose(HttpClientRequest::send).compose(HttpClientResponse::body)
                .<Void>mapEmpty()
                .otherwise(t -> {
                    LOG.debugf("Closing the session of backend %s failed: %s", config.name(), t.getMessage());
                    return null;
                });
    }

    @Override
    public void shutdown() {
        http.close();
        streams.close();
    }

    private RequestOptions post(String sessionId, String protocolVersion, Map<String, String> extra,
            JsonRpcRequest request) {
        MultiMap h = headers(sessionId, protocolVersion);
        extra.forEach(h::set);
        h.set(HttpHeaders.CONTENT_TYPE, "application/json");
        if (request != null && ProtocolVersions.isModern(protocolVersion)) {
            McpHeaders.mirror(request, h::set);
        }
        return target(HttpMethod.POST, h);
    }

    /** A request to the upstream's address (and TLS name), without parsing its URL again every time. */
    private RequestOptions target(HttpMethod method, MultiMap headers) {
        return tls.request(method, host, port, path, headers);
    }

    private MultiMap headers(String sessionId, String protocolVersion) {
        MultiMap h = MultiMap.caseInsensitiveMultiMap();
        h.addAll(staticHeaders);
        h.set(HttpHeaders.ACCEPT, ACCEPT_BOTH);
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
        HttpClientRequest[] inFlight = new HttpClientRequest[1];
        long timer = vertx.setTimer(timeoutMillis, t -> {
            if (result.tryFail(UpstreamErrors.timeout(config.name(), timeoutMillis))) {
                if (inFlight[0] != null) {
                    inFlight[0].reset();
                }
                if (sessionId != null && !McpMethods.INITIALIZE.equals(request.method())) {
                    cancelUpstream(sessionId, protocolVersion, request);
                }
            }
        });
        result.future().onComplete(ignored -> vertx.cancelTimer(timer));
        byte[] body = JsonRpcCodec.encode(request);
        http.request(post(sessionId, protocolVersion, extra, request)).onComplete(ar -> {
            if (ar.failed()) {
                result.tryFail(asJsonRpc(ar.cause()));
                return;
            }
            HttpClientRequest req = ar.result();
            inFlight[0] = req;
            req.send(Buffer.buffer(body)).onComplete(rr -> {
                if (rr.failed()) {
                    result.tryFail(asJsonRpc(rr.cause()));
                    return;
                }
                HttpClientResponse resp = rr.result();
                if (sessionOut != null) {
                    sessionOut[0] = resp.getHeader(SESSION_HEADER);
                }
                handleResponse(resp, sessionId, protocolVersion, request, sink, result, inFlight);
            });
        });
        return result.future();
    }

    private void handleResponse(HttpClientResponse resp, String sessionId, String protocolVersion, JsonRpcRequest request,
            UpstreamSink sink, Promise<JsonRpcResponse> result, HttpClientRequest[] inFlight) {
        int status = resp.statusCode();
        String contentType = resp.getHeader(HttpHeaders.CONTENT_TYPE);
        if (status == 200 && contentType != null && contentType.startsWith("text/event-stream")) {
            new ResponseEvents(sessionId, protocolVersion, request, sink, result, inFlight).read(resp);
            return;
        }
        resp.body().onComplete(b -> {
            if (b.failed()) {
                result.tryFail(asJsonRpc(b.cause()));
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
                result.tryFail(UpstreamErrors.unavailable(config.name(), "its reply held no response to the request"));
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
        private final JsonRpcRequest request;
        private final UpstreamSink sink;
        private final Promise<JsonRpcResponse> result;
        private final HttpClientRequest[] inFlight;
        private String lastEventId;
        private long retryMillis = DEFAULT_RETRY_MILLIS;
        private int idleResumes;
        private HttpClientResponse resumed;

        ResponseEvents(String sessionId, String protocolVersion, JsonRpcRequest request, UpstreamSink sink,
                Promise<JsonRpcResponse> result, HttpClientRequest[] inFlight) {
            this.sessionId = sessionId;
            this.protocolVersion = protocolVersion;
            this.request = request;
            this.sink = sink;
            this.result = result;
            this.inFlight = inFlight;
            // A resumed stream may stay open after the response; the gateway has what it needs.
            result.future().onComplete(ignored -> {
                HttpClientResponse r = resumed;
                if (r != null) {
                    r.request().reset();
                }
            });
        }

        void read(HttpClientResponse resp) {
            SseParser parser = new SseParser(event -> {
                if (event.id() != null) {
                    lastEventId = event.id();
                    idleResumes = 0;
                }
                if (event.retry() != null) {
                    retryMillis = event.retry();
                }
                if (!"message".equals(event.event()) || event.data().isEmpty()) {
                    return;
                }
                try {
                    deliver(JsonRpcCodec.decode(
                            JsonRpcCodec.parseTree(event.data().getBytes(java.nio.charset.StandardCharsets.UTF_8))),
                            request, sink, result);
                } catch (JsonRpcException e) {
                    LOG.debugf("Backend %s sent an event that is not JSON-RPC: %s", config.name(), e.getMessage());
                }
            });
            resp.handler(parser::feed);
            resp.exceptionHandler(t -> {
                forget(resp);
                ended(t);
            });
            resp.endHandler(v -> {
                forget(resp);
                ended(null);
            });
        }

        private void forget(HttpClientResponse resp) {
            if (resumed == resp) {
                resumed = null;
            }
        }

        private void ended(Throwable cause) {
            if (result.future().isComplete()) {
                return;
            }
            if (lastEventId == null || sessionId == null || idleResumes >= MAX_IDLE_RESUMES) {
                result.tryFail(cause != null ? asJsonRpc(cause)
                        : UpstreamErrors.unavailable(config.name(), "its event stream ended before the response"));
                return;
            }
            idleResumes++;
            vertx.setTimer(Math.max(1, retryMillis), id -> resume());
        }

        private void resume() {
            if (result.future().isComplete()) {
                return;
            }
            MultiMap h = headers(sessionId, protocolVersion);
            h.set(HttpHeaders.ACCEPT, "text/event-stream");
            h.set("Last-Event-ID", lastEventId);
            RequestOptions req = target(HttpMethod.GET, h);
            streams.request(req).compose(r -> {
                inFlight[0] = r;
                return r.send();
            }).onComplete(ar -> {
                if (ar.failed()) {
                    ended(ar.cause());
                    return;
                }
                HttpClientResponse resp = ar.result();
                String type = resp.getHeader(HttpHeaders.CONTENT_TYPE);
                if (resp.statusCode() != 200 || type == null || !type.startsWith("text/event-stream")) {
                    int status = resp.statusCode();
                    resp.body();
                    result.tryFail(UpstreamErrors.unavailable(config.name(),
                            "resuming its event stream with Last-Event-ID answered HTTP " + status));
                    return;
                }
                if (result.future().isComplete()) {
                    resp.request().reset();
                    return;
                }
                resumed = resp;
                read(resp);
            });
        }
    }

    private void deliver(JsonRpcMessage message, JsonRpcRequest request, UpstreamSink sink, Promise<JsonRpcResponse> result) {
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

    private JsonRpcException asJsonRpc(Throwable t) {
        if (t instanceof JsonRpcException e) {
            return e;
        }
        String tlsFailure = tls.handshakeFailure(t);
        String msg = tlsFailure != null ? tlsFailure : t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return UpstreamErrors.unavailable(config.name(), msg);
    }

    private static String snippet(Buffer body) {
        if (body == null || body.length() == 0) {
            return "";
        }
        String s = body.toString(java.nio.charset.StandardCharsets.UTF_8).strip();
        return ": " + (s.length() > 200 ? s.substring(0, 200) + "…" : s);
    }
}
