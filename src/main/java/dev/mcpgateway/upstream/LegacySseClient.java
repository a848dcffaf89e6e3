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
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

/**
 * The HTTP+SSE transport of revision 2024-11-05, as a client. Each upstream session is one live
 * GET event stream; the server names a POST endpoint in its first {@code endpoint} event, and
 * every answer arrives as a {@code message} event on the stream. The endpoint URL is the
 * session id, and the stream lives in this process only: a session whose stream is not here is
 * reported as expired, so the caller opens a new one.
 * <p>
 * Clients, headers, deadlines and bounds are the backend's {@link UpstreamHttp}: every POST has the
 * backend's timeout as its deadline, the GET stream only for its response headers; a POST's body
 * and each line and event of the stream are bounded by the message size. A stream that passes the
 * bound ends its session, and the calls in flight on it fail with the error that names the bound.
 * Each stream has a connection of its own, closed when the session ends.
 */
final class LegacySseClient implements UpstreamClient {

    private static final Logger LOG = Logger.getLogger(LegacySseClient.class);
    /** Each upstream session serves one client session, so everything on it is that session's. */
    private static final String SESSION_OWNER = "session";

    private final BackendConfig config;
    private final Vertx vertx;
    private final URI uri;
    private final UpstreamHttp http;
    private final long timeoutMillis;
    /** Live streams of this process, by endpoint URL (the upstream session id). */
    private final Map<String, Connection> connections = new ConcurrentHashMap<>();

    LegacySseClient(Vertx vertx, BackendConfig config, UpstreamOptions options) {
        this.vertx = vertx;
        this.config = config;
        this.uri = URI.create(config.url());
        this.timeoutMillis = config.timeout().toMillis();
        this.http = new UpstreamHttp(vertx, config, options, false);
    }

    @Override
    public BackendConfig config() {
        return config;
    }

    @Override
    public Future<UpstreamSession> open(ObjectNode initializeParams) {
        return open(initializeParams, Map.of());
    }

    /**
     * Opens the session's stream and initializes it. {@code extra} goes with the stream's GET and
     * with the POSTs the gateway sends of its own accord (cancellations, answers to pings).
     */
    @Override
    public Future<UpstreamSession> open(ObjectNode initializeParams, Map<String, String> extra) {
        Context context = Multiplexing.callerContext(vertx);
        Promise<UpstreamSession> done = Promise.promise();
        Connection conn = new Connection(extra);
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
                    return conn.call(Initialization.request(initializeParams), UpstreamSink.DISCARD, null, left, extra);
                })
                .map(response -> Initialization.session(config.name(), conn.endpointUrl, response))
                .compose(session -> post(conn, Initialization.initialized(), extra).map(session))
                .onComplete(ar -> {
                    vertx.cancelTimer(timer);
                    if (ar.failed()) {
                        JsonRpcException e = http.error(ar.cause());
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
        return request(session, request, sink, Map.of());
    }

    @Override
    public Future<JsonRpcResponse> request(UpstreamSession session, JsonRpcRequest request, UpstreamSink sink,
            Map<String, String> extra) {
        Connection conn = connection(session);
        if (conn == null) {
            return Future.failedFuture(UpstreamErrors.sessionExpired(config.name()));
        }
        return conn.call(request, sink, Multiplexing.callerContext(vertx), timeoutMillis, extra);
    }

    @Override
    public Future<Void> send(UpstreamSession session, JsonRpcMessage message) {
        return send(session, message, Map.of());
    }

    @Override
    public Future<Void> send(UpstreamSession session, JsonRpcMessage message, Map<String, String> extra) {
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
        return post(conn, message, extra);
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
        http.shutdown();
    }

    private Connection connection(UpstreamSession session) {
        Connection conn = session.sessionId() == null ? null : connections.get(session.sessionId());
        return conn == null || conn.closed ? null : conn;
    }

    // ---- the event stream ---------------------------------------------------------------------

    /**
     * Opens the session's stream. Its response headers must arrive within the backend's timeout;
     * the stream itself may stay silent as long as the session lives.
     */
    private void connect(Connection conn) {
        MultiMap own = MultiMap.caseInsensitiveMultiMap()
                .set(HttpHeaders.ACCEPT, "text/event-stream")
                .set(HttpHeaders.CACHE_CONTROL, "no-cache");
        RequestOptions options = http.request(HttpMethod.GET, http.headers(conn.extra, own));
        Future<HttpClientResponse> opened;
        try {
            opened = http.call(http.streams(), options, timeoutMillis, req -> {
                conn.get = req;
                if (conn.closed) {
                    req.reset();
                    return Future.failedFuture(UpstreamErrors.sessionExpired(config.name()));
                }
                return req.send().compose(this::eventStream);
            });
        } catch (IllegalStateException e) {
            // The client is closed: the backend was removed by a reload.
            conn.lost(http.error(e));
            return;
        }
        opened.onSuccess(resp -> read(conn, resp)).onFailure(t -> conn.lost(http.error(t)));
    }

    /** The response if it is an event stream; else a failure that quotes the (bounded) body. */
    private Future<HttpClientResponse> eventStream(HttpClientResponse resp) {
        String type = resp.getHeader(HttpHeaders.CONTENT_TYPE);
        if (resp.statusCode() == 200 && type != null && type.startsWith("text/event-stream")) {
            return Future.succeededFuture(resp);
        }
        return http.body(resp).compose(body -> Future.failedFuture(UpstreamErrors.unavailable(config.name(),
                "GET " + uri + " answered HTTP " + resp.statusCode() + (type == null ? "" : " (" + type + ")")
                        + snippet(body))));
    }

    /**
     * Reads the stream's events until it ends. A line or event past the bound ends the session: the
     * stream's place is lost, so nothing more on it can be trusted.
     */
    private void read(Connection conn, HttpClientResponse resp) {
        SseParser parser = http.parser(conn::onEvent);
        // Handlers go on before this callback returns, so no chunk is missed.
        resp.handler(chunk -> {
            try {
                parser.feed(chunk);
            } catch (SseParser.LimitExceeded e) {
                conn.lost(http.tooLarge(e.what()));
            }
        });
        resp.exceptionHandler(t -> conn.lost(UpstreamErrors.unavailable(config.name(),
                "its event stream failed: " + message(t))));
        resp.endHandler(v -> conn.lost(UpstreamErrors.unavailable(config.name(), "its event stream ended")));
    }

    /**
     * POSTs one message to the session's endpoint, within the backend's timeout; the answer, if any,
     * comes on the stream.
     */
    private Future<Void> post(Connection conn, JsonRpcMessage message, Map<String, String> extra) {
        MultiMap own = MultiMap.caseInsensitiveMultiMap().set(HttpHeaders.CONTENT_TYPE, "application/json");
        // The endpoint is on the configured origin (onEndpoint checks), so the same TLS name applies.
        RequestOptions options = http.request(HttpMethod.POST, URI.create(conn.endpointUrl), http.headers(extra, own));
        Buffer payload = Buffer.buffer(JsonRpcCodec.encode(message));
        Future<Void> sent;
        try {
            sent = http.call(http.requests(), options, timeoutMillis, r -> r.send(payload)
                    .compose(resp -> http.body(resp).map(body -> {
                        answered(conn, resp, body);
                        return (Void) null;
                    })));
        } catch (IllegalStateException e) {
            return Future.failedFuture(http.error(e));
        }
        return sent;
    }

    /** Judges a POST's answer: 2xx is accepted, 404 ends the session. */
    private void answered(Connection conn, HttpClientResponse resp, Buffer body) {
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
    }

    // ---- helpers ------------------------------------------------------------------------------

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
        /** The headers the session was opened with, for its stream and the table's own messages. */
        final Map<String, String> extra;
        volatile String endpointUrl;
        volatile HttpClientRequest get;
        volatile boolean closed;
        /** Its calls and listeners; the session is one client's, so the table is owned. */
        final CallTable table;

        Connection(Map<String, String> extra) {
            this.extra = extra == null ? Map.of() : Map.copyOf(extra);
            this.table = new CallTable(vertx, config.name(), SESSION_OWNER,
                    message -> closed ? Future.failedFuture(UpstreamErrors.sessionExpired(config.name()))
                            : post(this, message, this.extra));
        }

        Future<JsonRpcResponse> call(JsonRpcRequest request, UpstreamSink sink, Context context, long timeout,
                Map<String, String> headers) {
            if (closed) {
                return Future.failedFuture(UpstreamErrors.sessionExpired(config.name()));
            }
            CallTable.Call call = table.call(request, sink, context, SESSION_OWNER, timeout);
            // Registered before the POST: the answer may come on the stream before the POST's 202.
            JsonRpcRequest rewritten = table.register(call, this);
            if (rewritten != null) {
                post(this, rewritten, headers).onFailure(t -> table.settle(call, Future.failedFuture(t)));
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
            if (!closed) {
                LOG.warnf("Backend %s: event stream %s lost: %s", config.name(),
                        endpointUrl == null ? uri : endpointUrl, why.getMessage());
                end(why);
            }
        }

        /** Ends the session from our side. */
        void close(JsonRpcException why) {
            if (!closed) {
                end(why);
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
            // Its own connection (keep-alive is off): closing it ends the stream, if it still runs.
            HttpClientRequest req = get;
            if (req != null) {
                req.reset();
            }
        }
    }
}
