package dev.mcpgateway.upstream;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.config.BackendConfig;
import dev.mcpgateway.jsonrpc.ErrorCodes;
import dev.mcpgateway.jsonrpc.JsonRpcCodec;
import dev.mcpgateway.jsonrpc.JsonRpcError;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import dev.mcpgateway.jsonrpc.JsonRpcMessage;
import dev.mcpgateway.jsonrpc.JsonRpcNotification;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.jsonrpc.McpMethods;
import dev.mcpgateway.session.UpstreamSession;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
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
 * The HTTP+SSE transport of revision 2024-11-05, as a client. Each upstream session is one live
 * GET event stream; the server names a POST endpoint in its first {@code endpoint} event, and
 * every answer arrives as a {@code message} event on the stream. The endpoint URL is the
 * session id, and the stream lives in this process only: a session whose stream is not here is
 * reported as expired, so the caller opens a new one.
 */
final class LegacySseClient implements UpstreamClient {

    private static final Logger LOG = Logger.getLogger(LegacySseClient.class);
    /**
     * Each open session holds one HTTP/1 connection for its stream, so the stream pool is sized for
     * sessions, not requests (Vert.x allocates the pool's slots up front, so not unbounded).
     */
    private static final int MAX_STREAMS = 10_000;

    private final BackendConfig config;
    private final Vertx vertx;
    private final URI uri;
    private final UpstreamTlsOptions tls;
    private final long timeoutMillis;
    private final MultiMap staticHeaders;
    /** POSTs: pooled, idle connections closed. */
    private final HttpClient http;
    /** Event streams: long-lived and often silent, so no idle timeout. */
    private final HttpClient streams;
    /** Live streams of this process, by endpoint URL (the upstream session id). */
    private final Map<String, Connection> connections = new ConcurrentHashMap<>();

    LegacySseClient(Vertx vertx, BackendConfig config, UpstreamOptions options) {
        this.vertx = vertx;
        this.config = config;
        this.uri = URI.create(config.url());
        this.timeoutMillis = config.timeout().toMillis();
        this.tls = new UpstreamTlsOptions(config, uri);
        // TracingPolicy.IGNORE: the router opens the client span and sends its trace context (McpTracing).
        this.http = vertx.createHttpClient(tls.apply(new HttpClientOptions()
                .setKeepAlive(true)
                .setTcpNoDelay(true)
                .setConnectTimeout((int) options.connectTimeout().toMillis())
                .setIdleTimeout((int) options.idleConnectionTimeout().toSeconds())
                .setTracingPolicy(TracingPolicy.IGNORE)
                .setName("upstream-" + config.name())),
                new PoolOptions().setHttp1MaxSize(options.maxConnectionsPerBackend()));
        this.streams = vertx.createHttpClient(tls.apply(new HttpClientOptions()
                .setKeepAlive(false)
                .setTcpNoDelay(true)
                .setConnectTimeout((int) options.connectTimeout().toMillis())
                .setTracingPolicy(TracingPolicy.IGNORE)
                .setName("upstream-sse-" + config.name())),
                new PoolOptions().setHttp1MaxSize(MAX_STREAMS));
        this.staticHeaders = MultiMap.caseInsensitiveMultiMap();
        if (config.headers() != null) {
            config.headers().forEach(staticHeaders::add);
        }
    }

    @Override
    public BackendConfig config() {
        return config;
    }

    @Override
    public Future<UpstreamSession> open(ObjectNode initializeParams) {
        Context context = Multiplexing.callerContext(vertx);
        Promise<UpstreamSession> done = Promise.promise();
        Connection conn = new Connection();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        long timer = vertx.setTimer(timeoutMillis, t -> {
            if (done.tryFail(UpstreamErrors.timeout(config.name(), timeoutMillis))) {
                conn.close(UpstreamErrors.timeout(config.name(), timeoutMillis));
            }
        });
        connect(conn);
        conn.endpoint.future()
                .compose(endpoint -> {
                    connections.put(endpoint, conn);
                    long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
                    return conn.call(Initialization.request(initializeParams), UpstreamSink.DISCARD, null, left);
                })
                .map(response -> Initialization.session(config.name(), conn.endpointUrl, response))
                .compose(session -> post(conn, Initialization.initialized()).map(session))
                .onComplete(ar -> {
                    vertx.cancelTimer(timer);
                    if (ar.failed()) {
                        JsonRpcException e = asJsonRpc(ar.cause());
                        conn.close(e);
                        Multiplexing.run(context, () -> done.tryFail(e));
                    } else {
                        Multiplexing.run(context, () -> {
                            if (!done.tryComplete(ar.result())) {
                                conn.close(UpstreamErrors.timeout(config.name(), timeoutMillis));
                            }
                        });
                    }
                });
        return done.future();
    }

    @Override
    public Future<JsonRpcResponse> request(UpstreamSession session, JsonRpcRequest request, UpstreamSink sink) {
        Connection conn = connection(session);
        if (conn == null) {
            return Future.failedFuture(UpstreamErrors.sessionExpired(config.name()));
        }
        return conn.call(request, sink, Multiplexing.callerContext(vertx), timeoutMillis);
    }

    @Override
    public Future<Void> send(UpstreamSession session, JsonRpcMessage message) {
        Connection conn = connection(session);
        if (conn == null) {
            return Future.failedFuture(UpstreamErrors.sessionExpired(config.name()));
        }
        if (message instanceof JsonRpcNotification n) {
            if (McpMethods.NOTIFICATIONS_INITIALIZED.equals(n.method())) {
                // open() sent it already.
                return Future.succeededFuture();
            }
            if (McpMethods.NOTIFICATIONS_CANCELLED.equals(n.method())) {
                return conn.cancel(n);
            }
        }
        return post(conn, message);
    }

    @Override
    public Future<UpstreamListener> listen(UpstreamSession session, UpstreamSink sink) {
        Connection conn = connection(session);
        if (conn == null) {
            return Future.failedFuture(UpstreamErrors.sessionExpired(config.name()));
        }
        Listener listener = new Listener(Multiplexing.callerContext(vertx), sink);
        conn.listeners.add(listener);
        return Future.succeededFuture(() -> conn.listeners.remove(listener));
    }

    @Override
    public Future<Void> close(UpstreamSession session) {
        Connection conn = session.sessionId() == null ? null : connections.get(session.sessionId());
        if (conn != null) {
            conn.close(UpstreamErrors.unavailable(config.name(), "the session was closed"));
        }
        return Future.succeededFuture();
    }

    @Override
    public void shutdown() {
        JsonRpcException error = UpstreamErrors.unavailable(config.name(), "the gateway is shutting down");
        for (Connection conn : List.copyOf(connections.values())) {
            conn.close(error);
        }
        http.close();
        streams.close();
    }

    private Connection connection(UpstreamSession session) {
        Connection conn = session.sessionId() == null ? null : connections.get(session.sessionId());
        return conn == null || conn.closed ? null : conn;
    }

    // ---- the event stream ---------------------------------------------------------------------

    private void connect(Connection conn) {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        headers.addAll(staticHeaders);
        headers.set(HttpHeaders.ACCEPT, "text/event-stream");
        headers.set(HttpHeaders.CACHE_CONTROL, "no-cache");
        RequestOptions options = tls.request(HttpMethod.GET, uri, headers);
        streams.request(options).onComplete(ar -> {
            if (ar.failed()) {
                conn.lost(asJsonRpc(ar.cause()));
                return;
            }
            HttpClientRequest req = ar.result();
            conn.get = req;
            if (conn.closed) {
                req.reset();
                return;
            }
            req.send().onComplete(rr -> {
                if (rr.failed()) {
                    conn.lost(asJsonRpc(rr.cause()));
                    return;
                }
                HttpClientResponse resp = rr.result();
                String type = resp.getHeader(HttpHeaders.CONTENT_TYPE);
                if (resp.statusCode() != 200 || type == null || !type.startsWith("text/event-stream")) {
                    resp.body().onComplete(b -> conn.lost(UpstreamErrors.unavailable(config.name(),
                            "GET " + uri + " answered HTTP " + resp.statusCode()
                                    + (type == null ? "" : " (" + type + ")")
                                    + (b.succeeded() ? snippet(b.result()) : ""))));
                    return;
                }
                // Handlers go on before this callback returns, so no chunk is missed.
                resp.handler(conn.parser::feed);
                resp.exceptionHandler(t -> conn.lost(UpstreamErrors.unavailable(config.name(),
                        "its event stream failed: " + message(t))));
                resp.endHandler(v -> conn.lost(UpstreamErrors.unavailable(config.name(), "its event stream ended")));
            });
        });
    }

    /** POSTs one message to the session's endpoint; the answer, if any, comes on the stream. */
    private Future<Void> post(Connection conn, JsonRpcMessage message) {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        headers.addAll(staticHeaders);
        headers.set(HttpHeaders.CONTENT_TYPE, "application/json");
        // The endpoint is on the configured origin (onEndpoint checks), so the same TLS name applies.
        RequestOptions options = tls.request(HttpMethod.POST, URI.create(conn.endpointUrl), headers)
                .setIdleTimeout(timeoutMillis);
        return http.request(options)
                .compose(r -> r.send(Buffer.buffer(JsonRpcCodec.encode(message))))
                .compose(resp -> resp.body().map(body -> {
                    int status = resp.statusCode();
                    if (status == 404) {
                        JsonRpcException expired = UpstreamErrors.sessionExpired(config.name());
                        conn.lost(expired);
                        throw expired;
                    }
                    if (status / 100 != 2) {
                        throw UpstreamErrors.unavailable(config.name(), "HTTP " + status + " to a POST" + snippet(body));
                    }
                    String type = resp.getHeader(HttpHeaders.CONTENT_TYPE);
                    if (body.length() > 0 && type != null && type.startsWith("application/json")) {
                        // Not the 2024-11-05 way, but some servers answer in the POST's body.
                        conn.receive(body.getBytes());
                    }
                    return (Void) null;
                }))
                .recover(t -> Future.failedFuture(asJsonRpc(t)));
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static JsonNode progressToken(JsonRpcRequest request) {
        JsonNode meta = request.params() == null ? null : request.params().get("_meta");
        return meta instanceof ObjectNode m ? m.get("progressToken") : null;
    }

    /** The request as the upstream sees it: our id, and our progress token if it asked for progress. */
    private static JsonRpcRequest rewrite(Call call) {
        JsonRpcRequest out = call.request.withId(LongNode.valueOf(call.upstreamId));
        if (call.progressToken == null) {
            return out;
        }
        ObjectNode params = JsonNodeFactory.instance.objectNode();
        params.setAll(call.request.params());
        ObjectNode meta = ((ObjectNode) call.request.params().get("_meta")).deepCopy();
        meta.put("progressToken", call.upstreamId);
        params.set("_meta", meta);
        return out.withParams(params);
    }

    private static JsonRpcNotification cancelled(long id, String reason) {
        ObjectNode params = JsonNodeFactory.instance.objectNode();
        params.put("requestId", id);
        if (reason != null) {
            params.put("reason", reason);
        }
        return new JsonRpcNotification(McpMethods.NOTIFICATIONS_CANCELLED, params);
    }

    private void deliver(Context context, UpstreamSink sink, JsonRpcMessage message) {
        Multiplexing.run(context, () -> {
            try {
                sink.onMessage(message);
            } catch (RuntimeException e) {
                LOG.errorf(e, "Backend %s: a sink failed on a message", config.name());
            }
        });
    }

    private JsonRpcException asJsonRpc(Throwable t) {
        if (t instanceof JsonRpcException e) {
            return e;
        }
        String tlsFailure = tls.handshakeFailure(t);
        return UpstreamErrors.unavailable(config.name(), tlsFailure != null ? tlsFailure : message(t));
    }

    private static String message(Throwable t) {
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    private static String snippet(Buffer body) {
        if (body == null || body.length() == 0) {
            return "";
        }
        String s = body.toString(StandardCharsets.UTF_8).strip();
        return ": " + (s.length() > 200 ? s.substring(0, 200) + "…" : s);
    }

    /** True when both URIs name the same scheme, host and port. */
    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme() != null && a.getScheme().equalsIgnoreCase(b.getScheme())
                && a.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost())
                && port(a) == port(b);
    }

    private static int port(URI u) {
        return u.getPort() != -1 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    // ---- types --------------------------------------------------------------------------------

    /** A listen() registration; identity matters, so not a record. */
    private static final class Listener {
        final Context context;
        final UpstreamSink sink;

        Listener(Context context, UpstreamSink sink) {
            this.context = context;
            this.sink = sink;
        }
    }

    /** One request, from POST to its response on the stream, error or timeout. */
    private static final class Call {
        final JsonRpcRequest request;
        final UpstreamSink sink;
        /** Where the caller waits; null for the gateway's own initialize. */
        final Context context;
        final JsonNode progressToken;
        final long upstreamId;
        final Promise<JsonRpcResponse> result = Promise.promise();
        final AtomicBoolean done = new AtomicBoolean();
        volatile long timer = -1;

        Call(JsonRpcRequest request, UpstreamSink sink, Context context, long upstreamId) {
            this.request = request;
            this.sink = sink;
            this.context = context;
            this.upstreamId = upstreamId;
            this.progressToken = progressToken(request);
        }
    }

    /** One upstream session: its event stream, its endpoint and its requests in flight. */
    private final class Connection {
        final Promise<String> endpoint = Promise.promise();
        final SseParser parser = new SseParser(this::onEvent);
        final AtomicLong ids = new AtomicLong();
        final Map<Long, Call> pending = new ConcurrentHashMap<>();
        final List<Listener> listeners = new CopyOnWriteArrayList<>();
        volatile String endpointUrl;
        volatile HttpClientRequest get;
        volatile boolean closed;

        Future<JsonRpcResponse> call(JsonRpcRequest request, UpstreamSink sink, Context context, long timeout) {
            if (closed) {
                return Future.failedFuture(UpstreamErrors.sessionExpired(config.name()));
            }
            Call call = new Call(request, sink, context, ids.incrementAndGet());
            // Registered before the POST: the answer may come on the stream before the POST's 202.
            pending.put(call.upstreamId, call);
            call.timer = vertx.setTimer(timeout, t -> timedOut(call, timeout));
            post(this, rewrite(call)).onFailure(t -> settle(call, Future.failedFuture(t)));
            return call.result.future();
        }

        private void timedOut(Call call, long timeout) {
            if (!settle(call, Future.failedFuture(UpstreamErrors.timeout(config.name(), timeout)))) {
                return;
            }
            // The spec forbids cancelling initialize.
            if (!closed && !McpMethods.INITIALIZE.equals(call.request.method())) {
                post(this, cancelled(call.upstreamId, "timed out at the gateway"))
                        .onFailure(t -> LOG.debugf("Cancelling on backend %s failed: %s", config.name(), t.getMessage()));
            }
        }

        /** The client cancels by its own id; translate it to ours. */
        Future<Void> cancel(JsonRpcNotification notification) {
            JsonNode requestId = notification.params() == null ? null : notification.params().get("requestId");
            Call call = null;
            for (Call c : pending.values()) {
                if (requestId != null && requestId.equals(c.request.id())) {
                    call = c;
                }
            }
            if (call == null) {
                return Future.succeededFuture();
            }
            String reason = notification.params().path("reason").asText(null);
            if (!settle(call, Future.failedFuture(new JsonRpcException(new JsonRpcError(ErrorCodes.INTERNAL_ERROR,
                    "Request to backend '" + config.name() + "' was cancelled",
                    JsonNodeFactory.instance.objectNode().put("backend", config.name())))))) {
                return Future.succeededFuture();
            }
            return post(this, cancelled(call.upstreamId, reason));
        }

        boolean settle(Call call, AsyncResult<JsonRpcResponse> outcome) {
            if (!call.done.compareAndSet(false, true)) {
                return false;
            }
            vertx.cancelTimer(call.timer);
            pending.remove(call.upstreamId, call);
            JsonRpcException error = outcome.failed() ? asJsonRpc(outcome.cause()) : null;
            Multiplexing.run(call.context, () -> {
                if (error != null) {
                    call.result.fail(error);
                } else {
                    call.result.complete(outcome.result());
                }
            });
            return true;
        }

        private void onEvent(SseParser.Event event) {
            switch (event.event()) {
                case "endpoint" -> onEndpoint(event.data().strip());
                case "message" -> {
                    if (!event.data().isEmpty()) {
                        receive(event.data().getBytes(StandardCharsets.UTF_8));
                    }
                }
                default -> LOG.debugf("Backend %s sent an event of type %s; ignored", config.name(), event.event());
            }
        }

        private void onEndpoint(String data) {
            if (endpointUrl != null) {
                LOG.debugf("Backend %s named a second endpoint %s; keeping %s", config.name(), data, endpointUrl);
                return;
            }
            URI resolved;
            try {
                resolved = uri.resolve(data);
            } catch (IllegalArgumentException e) {
                lost(UpstreamErrors.unavailable(config.name(), "its endpoint event is not a URI: " + data));
                return;
            }
            // The POSTs carry the configured headers (credentials, often): never to another origin.
            if (!sameOrigin(uri, resolved)) {
                lost(UpstreamErrors.unavailable(config.name(), "its endpoint " + resolved + " is not on " + uri));
                return;
            }
            endpointUrl = resolved.toString();
            endpoint.tryComplete(endpointUrl);
        }

        void receive(byte[] json) {
            List<JsonRpcMessage> messages;
            try {
                messages = JsonRpcCodec.decodeAll(JsonRpcCodec.parseTree(json));
            } catch (JsonRpcException e) {
                LOG.warnf("Backend %s sent a message that is not JSON-RPC: %s", config.name(), e.getMessage());
                return;
            }
            for (JsonRpcMessage m : messages) {
                route(m);
            }
        }

        private void route(JsonRpcMessage message) {
            switch (message) {
                case JsonRpcResponse r -> {
                    long id = Multiplexing.numeric(r.id());
                    Call call = id == 0 ? null : pending.get(id);
                    if (call == null) {
                        LOG.debugf("Backend %s answered %s, which is no longer pending", config.name(), r.id());
                        return;
                    }
                    settle(call, Future.succeededFuture(r.withId(call.request.id())));
                }
                case JsonRpcNotification n when McpMethods.NOTIFICATIONS_PROGRESS.equals(n.method()) -> progress(n);
                case JsonRpcNotification n when McpMethods.NOTIFICATIONS_CANCELLED.equals(n.method()) -> {
                    // It cancels one of its own requests, which went to the latest request's sink.
                    Call call = latest();
                    if (call != null) {
                        deliver(call.context, call.sink, n);
                    } else {
                        broadcast(n);
                    }
                }
                case JsonRpcNotification n -> broadcast(n);
                case JsonRpcRequest q -> serverRequest(q);
            }
        }

        private void progress(JsonRpcNotification n) {
            JsonNode token = n.params() == null ? null : n.params().get("progressToken");
            long id = Multiplexing.numeric(token);
            Call call = id == 0 ? null : pending.get(id);
            if (call == null || call.progressToken == null) {
                LOG.debugf("Backend %s sent progress for unknown token %s", config.name(), token);
                return;
            }
            ObjectNode params = n.params().deepCopy();
            params.set("progressToken", call.progressToken);
            deliver(call.context, call.sink, new JsonRpcNotification(n.method(), params));
        }

        private void serverRequest(JsonRpcRequest q) {
            if (McpMethods.PING.equals(q.method())) {
                post(this, JsonRpcResponse.result(q.id(), JsonNodeFactory.instance.objectNode()));
                return;
            }
            Call call = latest();
            if (call != null) {
                deliver(call.context, call.sink, q);
                return;
            }
            Listener listener = null;
            for (Listener l : listeners) {
                listener = l;
            }
            if (listener != null) {
                // One answer is wanted, so the most recent listener gets it rather than all of them.
                deliver(listener.context, listener.sink, q);
                return;
            }
            post(this, JsonRpcResponse.error(q.id(), new JsonRpcError(ErrorCodes.METHOD_NOT_FOUND,
                    "No client of the gateway is waiting on this server to answer " + q.method())));
        }

        /** The most recently sent request still in flight. */
        private Call latest() {
            Call best = null;
            for (Call c : pending.values()) {
                if (!McpMethods.INITIALIZE.equals(c.request.method()) && (best == null || c.upstreamId > best.upstreamId)) {
                    best = c;
                }
            }
            return best;
        }

        private void broadcast(JsonRpcMessage message) {
            for (Listener l : listeners) {
                // Each sink gets its own copy: sinks may annotate what they forward.
                deliver(l.context, l.sink, Multiplexing.copy(message));
            }
        }

        /** The stream broke or the upstream forgot the session: nothing more can arrive. */
        void lost(JsonRpcException why) {
            if (closed) {
                return;
            }
            LOG.warnf("Backend %s: event stream %s lost: %s", config.name(),
                    endpointUrl == null ? uri : endpointUrl, why.getMessage());
            end(why);
        }

        /** Ends the session from our side. */
        void close(JsonRpcException why) {
            if (closed) {
                return;
            }
            end(why);
            HttpClientRequest req = get;
            if (req != null) {
                req.reset();
            }
        }

        private void end(JsonRpcException why) {
            closed = true;
            if (endpointUrl != null) {
                connections.remove(endpointUrl, this);
            }
            endpoint.tryFail(why);
            for (Call call : new ArrayList<>(pending.values())) {
                settle(call, Future.failedFuture(why));
            }
            listeners.clear();
        }
    }
}
