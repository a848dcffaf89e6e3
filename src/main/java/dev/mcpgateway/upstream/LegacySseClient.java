package dev.mcpgateway.upstream;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.config.BackendConfig;
import dev.mcpgateway.jsonrpc.JsonRpcCodec;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import dev.mcpgateway.jsonrpc.JsonRpcMessage;
import dev.mcpgateway.jsonrpc.JsonRpcNotification;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.jsonrpc.McpMethods;
import dev.mcpgateway.session.UpstreamSession;
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
    /** Each upstream session serves one client session, so everything on it is that session's. */
    private static final String SESSION_OWNER = "session";

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
                return conn.table.cancel(n);
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
        return Future.succeededFuture(conn.table.listen(Multiplexing.callerContext(vertx), sink, SESSION_OWNER));
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

    /** One upstream session: its event stream, its endpoint and its requests in flight. */
    private final class Connection {
        final Promise<String> endpoint = Promise.promise();
        final SseParser parser = new SseParser(this::onEvent);
        volatile String endpointUrl;
        volatile HttpClientRequest get;
        volatile boolean closed;
        /** Its calls and listeners; the session is one client's, so the table is owned. */
        final CallTable table = new CallTable(vertx, config.name(), SESSION_OWNER,
                message -> closed ? Future.failedFuture(UpstreamErrors.sessionExpired(config.name())) : post(this, message));

        Future<JsonRpcResponse> call(JsonRpcRequest request, UpstreamSink sink, Context context, long timeout) {
            if (closed) {
                return Future.failedFuture(UpstreamErrors.sessionExpired(config.name()));
            }
            CallTable.Call call = table.call(request, sink, context, SESSION_OWNER, timeout);
            // Registered before the POST: the answer may come on the stream before the POST's 202.
            JsonRpcRequest rewritten = table.register(call, this);
            if (rewritten != null) {
                post(this, rewritten).onFailure(t -> table.settle(call, Future.failedFuture(t)));
            }
            return call.future();
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
            table.receive(json);
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
            table.failAll(null, why);
            table.clearListeners();
        }
    }
}
