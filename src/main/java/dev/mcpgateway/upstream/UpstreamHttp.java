package dev.mcpgateway.upstream;

import java.net.URI;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;

import dev.mcpgateway.config.BackendConfig;
import dev.mcpgateway.config.HeaderRules;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import io.netty.channel.EventLoop;
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
import io.vertx.core.impl.ContextInternal;
import io.vertx.core.impl.VertxInternal;
import io.vertx.core.tracing.TracingPolicy;

/**
 * The HTTP side of one backend, shared by the HTTP upstream clients: its two Vert.x clients (pooled
 * requests, long-lived streams) with the backend's TLS, the headers of every request toward it,
 * deadlines on its calls and bounds on what it sends back.
 * <p>
 * Headers of a request come from three places, in this order: the backend's configured headers,
 * the caller's extra headers (forwarded client headers, a credential for the caller), then the
 * gateway's own. The first two never contribute a {@linkplain #HOP_BY_HOP hop-by-hop or framing}
 * header, nor one the {@linkplain #GATEWAY_OWNED gateway owns}: a forwarded {@code Content-Length}
 * would desynchronise a pooled connection, a forwarded {@code Mcp-Session-Id} would send the call
 * to another session.
 */
public final class UpstreamHttp {

    /**
     * Headers that describe one connection or one message's framing (RFC 9110 §7.6.1, RFC 9112),
     * never taken from configured, forwarded or extra headers; the HTTP client sets what it needs.
     * Case-insensitive.
     */
    public static final Set<String> HOP_BY_HOP = HeaderRules.HOP_BY_HOP;

    /**
     * Headers the gateway sets itself toward a backend, after every other header so that its values
     * are the ones sent; never taken from configured, forwarded or extra headers. Case-insensitive.
     */
    public static final Set<String> GATEWAY_OWNED = withoutAuthorization(HeaderRules.GATEWAY_OWNED);

    /**
     * Each long-lived stream holds one HTTP/1 connection, so the stream pool is sized for sessions,
     * not requests (Vert.x allocates the pool's slots up front, so not unbounded).
     */
    private static final int MAX_STREAMS = 10_000;

    private final Vertx vertx;
    private final String backend;
    private final UpstreamTlsOptions tls;
    private final String host;
    private final int port;
    private final String pathAndQuery;
    private final long maxMessageSize;
    private final MultiMap configured;
    private final HttpClientOptions requestOptions;
    private final PoolOptions requestPool;
    private final HttpClient requests;
    private final Map<EventLoop, HttpClient> requestsByLoop = new ConcurrentHashMap<>();
    private volatile boolean closed;
    private final HttpClient streams;

    UpstreamHttp(Vertx vertx, BackendConfig config, UpstreamOptions options) {
        this(vertx, config, options, true);
    }

    /**
     * With {@code reuseStreamConnections} false, each {@linkplain #streams() stream} has a connection
     * of its own that closes when the stream ends ({@code Connection: close}), never going back to a
     * pool: for a transport whose stream is a session (legacy SSE), where nothing should outlive it.
     */
    UpstreamHttp(Vertx vertx, BackendConfig config, UpstreamOptions options, boolean reuseStreamConnections) {
        this.vertx = vertx;
        this.backend = config.name();
        URI uri = URI.create(config.url());
        this.tls = new UpstreamTlsOptions(config, uri);
        this.host = uri.getHost();
        this.port = uri.getPort() > 0 ? uri.getPort() : tls.ssl() ? 443 : 80;
        this.pathAndQuery = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        this.maxMessageSize = options.maxMessageSize();
        this.configured = MultiMap.caseInsensitiveMultiMap();
        if (config.headers() != null) {
            config.headers().forEach((name, value) -> {
                if (isForwardable(name)) {
                    configured.add(name, value);
                }
            });
        }
        HttpClientOptions base = tls.apply(new HttpClientOptions()
                .setKeepAlive(true)
                .setTcpNoDelay(true)
                .setConnectTimeout((int) options.connectTimeout().toMillis())
                // The router opens the client span and sends its trace context (McpTracing).
                .setTracingPolicy(TracingPolicy.IGNORE));
        this.requestOptions = new HttpClientOptions(base)
                .setIdleTimeout((int) options.idleConnectionTimeout().toSeconds())
                .setName("upstream-" + backend);
        // Pooled connections are split between the event loops (see requests()).
        int loops = 0;
        for (Object loop : ((VertxInternal) vertx).getEventLoopGroup()) {
            loops++;
        }
        loops = Math.max(1, loops);
        this.requestPool = new PoolOptions()
                .setHttp1MaxSize(Math.max(1, (options.maxConnectionsPerBackend() + loops - 1) / loops));
        this.requests = vertx.createHttpClient(requestOptions, requestPool);
        // A stream may stay silent for hours: no idle timeout while in use. A connection back in the
        // pool still closes after the keep-alive timeout.
        this.streams = vertx.createHttpClient(new HttpClientOptions(base)
                .setKeepAlive(reuseStreamConnections)
                .setIdleTimeout(0)
                .setName("upstream-stream-" + backend),
                new PoolOptions().setHttp1MaxSize(MAX_STREAMS));
    }

    /** Whether a configured, forwarded or extra header may be sent: neither hop-by-hop nor the gateway's. */
    public static boolean isForwardable(String name) {
        return !HOP_BY_HOP.contains(name) && !GATEWAY_OWNED.contains(name);
    }

    /** The backend's name, for errors and logs. */
    String backend() {
        return backend;
    }

    /**
     * Short requests (POST, DELETE): pooled, idle connections closed. Each event loop has a pool of
     * its own, whose connections live on that loop: a call made while serving a client runs on the
     * client connection's thread from the request to the answer, with no hand-over between threads
     * (a shared pool would hand each call to whichever loop owns the connection it picks, and its
     * answer back).
     */
    HttpClient requests() {
        if (!(Vertx.currentContext() instanceof ContextInternal context) || !context.isEventLoopContext() || closed) {
            return requests;
        }
        HttpClient client = requestsByLoop.get(context.nettyEventLoop());
        if (client == null) {
            client = requestsByLoop.computeIfAbsent(context.nettyEventLoop(),
                    loop -> vertx.createHttpClient(requestOptions, requestPool));
            if (closed) {
                // Shut down while this one was made.
                client.close();
            }
        }
        return client;
    }

    /** Long-lived event streams. */
    HttpClient streams() {
        return streams;
    }

    /** The largest line, event or body accepted from this backend, in bytes. */
    long maxMessageSize() {
        return maxMessageSize;
    }

    /**
     * The headers of one request: the configured ones, then {@code extra}, less any header that is
     * not {@linkplain #isForwardable forwardable}; then {@code own}, the gateway's, last.
     */
    MultiMap headers(Map<String, String> extra, MultiMap own) {
        MultiMap h = MultiMap.caseInsensitiveMultiMap().addAll(configured);
        extra.forEach((name, value) -> {
            if (isForwardable(name)) {
                h.set(name, value);
            }
        });
        for (String name : own.names()) {
            h.set(name, own.getAll(name));
        }
        return h;
    }

    /** A request to the backend's URL. */
    RequestOptions request(HttpMethod method, MultiMap headers) {
        return tls.request(method, host, port, pathAndQuery, headers);
    }

    /** A request to another URL of the backend (a legacy SSE endpoint). */
    RequestOptions request(HttpMethod method, URI target, MultiMap headers) {
        return tls.request(method, target, headers);
    }

    /**
     * One call under a deadline. {@code exchange} gets the request once a connection is ready, sends
     * it and answers what it reads; the deadline covers all of that, waiting for a pooled connection
     * included. When {@code millis} pass first, the request is reset (its connection closed, so
     * nothing late arrives on a reused one) and the call fails with the backend's timeout error.
     * Other failures become errors naming the backend.
     */
    <T> Future<T> call(HttpClient client, RequestOptions options, long millis,
            Function<HttpClientRequest, Future<T>> exchange) {
        Promise<T> result = Promise.promise();
        AtomicReference<HttpClientRequest> inFlight = new AtomicReference<>();
        long timer = vertx.setTimer(millis, t -> {
            HttpClientRequest r;
            if (result.tryFail(UpstreamErrors.timeout(backend, millis)) && (r = inFlight.get()) != null) {
                r.reset();
            }
        });
        Future<HttpClientRequest> request;
        try {
            request = client.request(options);
        } catch (IllegalStateException e) {
            // The client is closed: the backend was removed by a reload.
            vertx.cancelTimer(timer);
            throw e;
        }
        request.compose(r -> {
            inFlight.set(r);
            // The deadline may have passed while the request waited for a connection.
            if (result.future().isComplete()) {
                r.reset();
                return Future.<T>failedFuture(UpstreamErrors.timeout(backend, millis));
            }
            return exchange.apply(r);
        }).onComplete(ar -> {
            vertx.cancelTimer(timer);
            if (ar.succeeded()) {
                result.tryComplete(ar.result());
            } else {
                result.tryFail(error(ar.cause()));
            }
        });
        return result.future();
    }

    /**
     * The response's whole body, up to {@link #maxMessageSize()} bytes. A larger one, announced by
     * its {@code Content-Length} or found while counting, fails the read with an error naming the
     * limit, and the request is reset so nothing more is read.
     */
    Future<Buffer> body(HttpClientResponse response) {
        String length = response.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            try {
                if (Long.parseLong(length.trim()) > maxMessageSize) {
                    abandon(response);
                    return Future.failedFuture(tooLarge("a response body"));
                }
            } catch (NumberFormatException ignored) {
                // Counted below like a body of unknown length.
            }
        }
        Promise<Buffer> read = Promise.promise();
        Buffer body = Buffer.buffer();
        response.handler(chunk -> {
            if (read.future().isComplete()) {
                return;
            }
            if ((long) body.length() + chunk.length() > maxMessageSize) {
                read.tryFail(tooLarge("a response body"));
                response.request().reset();
                return;
            }
            body.appendBuffer(chunk);
        });
        response.exceptionHandler(read::tryFail);
        response.endHandler(v -> read.tryComplete(body));
        return read.future();
    }

    /** Closes a response's connection without reading on; the reset it causes is expected, not logged. */
    static void abandon(HttpClientResponse response) {
        response.exceptionHandler(ignored -> {
        });
        response.request().reset();
    }

    /** An event-stream parser bounded by {@link #maxMessageSize()}. */
    SseParser parser(Consumer<SseParser.Event> events) {
        return new SseParser(events, maxMessageSize);
    }

    /** The error for a line, event or body past the bound. */
    JsonRpcException tooLarge(String what) {
        return UpstreamErrors.tooLarge(backend, what, maxMessageSize);
    }

    /**
     * A failure as an error naming the backend: JSON-RPC errors as they are, TLS handshake failures
     * said plainly, anything else as the backend being unavailable.
     */
    JsonRpcException error(Throwable t) {
        if (t instanceof JsonRpcException e) {
            return e;
        }
        String tlsFailure = tls.handshakeFailure(t);
        String msg = tlsFailure != null ? tlsFailure : t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return UpstreamErrors.unavailable(backend, msg);
    }

    /** Closes both clients and their connections. */
    void shutdown() {
        closed = true;
        requests.close();
        requestsByLoop.values().forEach(HttpClient::close);
        streams.close();
    }

    /** Credentials reach a backend as extra headers (the router decides which); the rest the client sets. */
    private static Set<String> withoutAuthorization(Set<String> names) {
        Set<String> set = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        set.addAll(names);
        set.remove("Authorization");
        return Collections.unmodifiableSet(set);
    }
}
