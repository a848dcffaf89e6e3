package dev.mcpgateway.transport;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;

import dev.mcpgateway.config.GatewayConfig;
import dev.mcpgateway.federation.ClientSink;
import dev.mcpgateway.federation.McpRouter;
import dev.mcpgateway.federation.Route;
import dev.mcpgateway.federation.RouteTable;
import dev.mcpgateway.jsonrpc.ErrorCodes;
import dev.mcpgateway.jsonrpc.JsonRpcCodec;
import dev.mcpgateway.jsonrpc.JsonRpcError;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import dev.mcpgateway.jsonrpc.JsonRpcMessage;
import dev.mcpgateway.jsonrpc.JsonRpcNotification;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.jsonrpc.McpMethods;
import dev.mcpgateway.jsonrpc.ProtocolVersions;
import dev.mcpgateway.metrics.GatewayMetrics;
import dev.mcpgateway.security.AuthenticationFailure;
import dev.mcpgateway.security.Caller;
import dev.mcpgateway.security.InsufficientScopeException;
import dev.mcpgateway.security.RequestAuthenticator;
import dev.mcpgateway.session.EventLog;
import dev.mcpgateway.session.GatewaySession;
import dev.mcpgateway.session.SessionStore;
import dev.mcpgateway.session.StoreUnavailableException;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The Streamable HTTP transport toward clients: POST, GET and DELETE on each route's path. Checks
 * headers, reads and decodes the body, and hands messages to the {@link McpRouter}. Knows nothing
 * of backends.
 */
@ApplicationScoped
public class McpHttpHandler {

    private static final Logger LOG = Logger.getLogger(McpHttpHandler.class);
    static final String SESSION_HEADER = "Mcp-Session-Id";
    static final String VERSION_HEADER = "MCP-Protocol-Version";
    private static final String JSON_TYPE = "application/json";
    private static final String SSE_TYPE = "text/event-stream";

    private final McpRouter router;
    private final RouteTable routes;
    private final SessionStore store;
    private final GatewayConfig config;
    private final OriginPolicy origins;
    private final EventLog log;
    private final SessionStreams streams;
    private final RequestAuthenticator authenticator;
    private final GatewayMetrics metrics;
    private final ModernRequests modern;
    private final SseWriters writers;

    @Inject
    public McpHttpHandler(McpRouter router, RouteTable routes, SessionStore store, GatewayConfig config, EventLog log,
            SessionStreams streams, RequestAuthenticator authenticator, GatewayMetrics metrics, ModernRequests modern,
            SseWriters writers) {
        this.modern = modern;
        this.writers = writers;
        this.authenticator = authenticator;
        this.metrics = metrics;
        this.router = router;
        this.routes = routes;
        this.store = store;
        this.config = config;
        this.origins = new OriginPolicy(config.allowedOrigins());
        this.log = log;
        this.streams = streams;
    }

    void install(@Observes Router http) {
        for (Route route : routes.routes()) {
            register(http, route.path());
        }
        // Routes added by a configuration reload get their endpoint at once.
        routes.onChange(change -> change.routes().forEach(r -> register(http, r.path())));
    }

    private final java.util.Set<String> registered = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private void register(Router http, String path) {
        if (!registered.add(path)) {
            return;
        }
        long limit = config.maxBodySize().asLongValue();
        config.replicaName().ifPresent(name -> http.route(path).order(-10).handler(ctx -> {
            ctx.response().putHeader("Mcp-Gateway-Replica", name);
            ctx.next();
        }));
        http.post(path).handler(BodyHandler.create(false).setBodyLimit(limit))
                .handler(ctx -> authenticated(ctx, path, caller -> post(ctx, path, caller)))
                .failureHandler(this::failure);
        http.get(path).handler(ctx -> authenticated(ctx, path, caller -> get(ctx, path, caller))).failureHandler(this::failure);
        http.delete(path).handler(ctx -> authenticated(ctx, path, caller -> delete(ctx, path, caller)))
                .failureHandler(this::failure);
    }

    /** Learns who is calling before anything else; refusals carry their status and challenge. */
    private void authenticated(RoutingContext ctx, String path, java.util.function.Consumer<Caller> then) {
        Route route = routes.route(path);
        if (route == null) {
            httpError(ctx, 404, ErrorCodes.INVALID_REQUEST, "Not Found: no MCP route at " + path);
            return;
        }
        authenticator.authenticate(route.config(), ctx.request()).onComplete(ar -> {
            if (ar.succeeded()) {
                then.accept(new Caller(ar.result(), ctx.request().headers()));
                return;
            }
            if (ar.cause() instanceof AuthenticationFailure f) {
                f.challenges().forEach(c -> ctx.response().headers().add("WWW-Authenticate", c));
                httpError(ctx, f.status(), ErrorCodes.INVALID_REQUEST, f.getMessage());
                return;
            }
            LOG.errorf(ar.cause(), "Authentication failed on %s", path);
            httpError(ctx, 500, ErrorCodes.INTERNAL_ERROR, "Internal error");
        });
    }

    // ---- POST -------------------------------------------------------------------------------

    private void post(RoutingContext ctx, String path, Caller caller) {
        HttpServerRequest req = ctx.request();
        if (!checkOrigin(ctx)) {
            return;
        }
        String accept = req.getHeader(HttpHeaders.ACCEPT);
        if (!Accept.allows(accept, JSON_TYPE) || !Accept.allows(accept, SSE_TYPE)) {
            httpError(ctx, 406, ErrorCodes.INVALID_REQUEST,
                    "Not Acceptable: the client must accept both application/json and text/event-stream");
            return;
        }
        String contentType = req.getHeader(HttpHeaders.CONTENT_TYPE);
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith(JSON_TYPE)) {
            httpError(ctx, 415, ErrorCodes.INVALID_REQUEST, "Unsupported Media Type: the body must be application/json");
            return;
        }
        String headerVersion = req.getHeader(VERSION_HEADER);
        Route route = routes.route(path);
        List<JsonRpcMessage> messages;
        JsonNode tree;
        try {
            tree = JsonRpcCodec.parseTree(ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes());
            messages = JsonRpcCodec.decodeAll(tree);
        } catch (JsonRpcException e) {
            httpError(ctx, 400, e.error().code(), e.getMessage());
            return;
        }
        boolean batch = tree.isArray();
        String sessionId = req.getHeader(SESSION_HEADER);
        if (!batch && (ProtocolVersions.isModern(headerVersion)
                || sessionId == null && ModernRequests.isModern(headerVersion, messages.get(0)))) {
            // Revision 2026-07-28: no session; a leftover session header is ignored.
            modern.handle(ctx, route, caller, messages.get(0), headerVersion);
            return;
        }
        if (headerVersion != null && !ProtocolVersions.isSupported(headerVersion)) {
            httpError(ctx, 400, ErrorCodes.INVALID_REQUEST, "Bad Request: unsupported MCP-Protocol-Version "
                    + headerVersion + "; supported: " + String.join(", ", ProtocolVersions.ALL_NEWEST_FIRST));
            return;
        }

        if (!batch && messages.get(0) instanceof JsonRpcRequest r && McpMethods.INITIALIZE.equals(r.method())) {
            initialize(ctx, route, r, caller);
            return;
        }
        for (JsonRpcMessage m : messages) {
            if (m instanceof JsonRpcRequest r && McpMethods.INITIALIZE.equals(r.method())) {
                httpError(ctx, 400, ErrorCodes.INVALID_REQUEST, "Invalid Request: initialize must not be part of a batch");
                return;
            }
        }
        if (sessionId == null) {
            httpError(ctx, 400, ErrorCodes.INVALID_REQUEST, "Bad Request: Mcp-Session-Id header is required");
            return;
        }
        withSession(ctx, route, sessionId, caller, session -> {
            if (batch && !ProtocolVersions.V2025_03_26.equals(session.protocolVersion())) {
                httpError(ctx, 400, ErrorCodes.INVALID_REQUEST,
                        "Invalid Request: JSON-RPC batches are not supported in protocol version "
                                + session.protocolVersion());
                return;
            }
            if (batch) {
                batch(ctx, route, session, caller, messages);
            } else {
                single(ctx, route, session, caller, messages.get(0));
            }
        });
    }

    private void initialize(RoutingContext ctx, Route route, JsonRpcRequest request, Caller caller) {
        router.initialize(route, request, caller.principal()).onComplete(ar -> {
            if (ar.failed() && ar.cause() instanceof StoreUnavailableException e) {
                LOG.errorf("initialize failed: %s", e.getMessage());
                storeUnavailable(ctx);
                return;
            }
            if (ar.failed()) {
                internalError(ctx, request.id(), ar.cause());
                return;
            }
            McpRouter.Initialized init = ar.result();
            if (init.session() != null) {
                ctx.response().putHeader(SESSION_HEADER, init.session().id());
            }
            writeJson(ctx, 200, JsonRpcCodec.encode(init.response()));
        });
    }

    private void single(RoutingContext ctx, Route route, GatewaySession session, Caller caller, JsonRpcMessage message) {
        switch (message) {
            case JsonRpcNotification n -> {
                router.notification(route, session, caller, n);
                accepted(ctx);
            }
            case JsonRpcResponse r -> router.clientResponse(route, session, caller, r).onComplete(ar -> {
                if (ar.succeeded()) {
                    accepted(ctx);
                } else if (ar.cause() instanceof JsonRpcException e) {
                    httpError(ctx, 400, e.error().code(), e.getMessage());
                } else {
                    LOG.warnf("Forwarding the answer to %s failed: %s", r.id(), ar.cause().getMessage());
                    httpError(ctx, 502, ErrorCodes.UPSTREAM_UNAVAILABLE, "Bad Gateway: the backend did not take the answer");
                }
            });
            case JsonRpcRequest r -> {
                ResponseStream stream = new ResponseStream(ctx, log, session, config.streamAfter().toMillis(),
                        config.sseRetry().toMillis(), metrics, writers);
                router.request(route, session, caller, r, stream).onComplete(ar -> {
                    if (ar.failed() && ar.cause() instanceof InsufficientScopeException e) {
                        ctx.response().putHeader("WWW-Authenticate",
                                authenticator.insufficientScope(route.config(), ctx.request(), e.scopes()));
                        writeJson(ctx, 403, JsonRpcCodec.encode(JsonRpcResponse.error(r.id(), e.error().error())));
                    } else if (ar.failed()) {
                        internalError(ctx, r.id(), ar.cause());
                    } else {
                        stream.finish(ar.result());
                    }
                });
            }
        }
    }

    private void batch(RoutingContext ctx, Route route, GatewaySession session, Caller caller, List<JsonRpcMessage> messages) {
        List<Future<JsonRpcResponse>> answers = new ArrayList<>();
        for (JsonRpcMessage m : messages) {
            switch (m) {
                case JsonRpcNotification n -> router.notification(route, session, caller, n);
                case JsonRpcResponse r -> router.clientResponse(route, session, caller, r)
                        .onFailure(t -> LOG.debugf("An answer in a batch was not delivered: %s", t.getMessage()));
                case JsonRpcRequest r -> answers.add(router.request(route, session, caller, r, ClientSink.DISCARD)
                        .recover(t -> Future.succeededFuture(JsonRpcResponse.error(r.id(), refusal(t)))));
            }
        }
        if (answers.isEmpty()) {
            accepted(ctx);
            return;
        }
        Future.join(answers).onComplete(ignored -> {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            for (Future<JsonRpcResponse> f : answers) {
                out.add(JsonRpcCodec.toJson(f.succeeded() ? f.result()
                        : JsonRpcResponse.error(NullNode.getInstance(),
                                new JsonRpcError(ErrorCodes.INTERNAL_ERROR, "Internal error"))));
            }
            writeJson(ctx, 200, JsonRpcCodec.writeBytes(out));
        });
    }

    private static JsonRpcError refusal(Throwable t) {
        return t instanceof InsufficientScopeException e ? e.error().error()
                : new JsonRpcError(ErrorCodes.INTERNAL_ERROR, "Internal error");
    }

    // ---- GET and DELETE -----------------------------------------------------------------------

    private void get(RoutingContext ctx, String path, Caller caller) {
        if (!checkOrigin(ctx)) {
            return;
        }
        if (!Accept.allows(ctx.request().getHeader(HttpHeaders.ACCEPT), SSE_TYPE)) {
            httpError(ctx, 406, ErrorCodes.INVALID_REQUEST,
                    "Not Acceptable: GET opens an event stream; accept text/event-stream");
            return;
        }
        String sessionId = ctx.request().getHeader(SESSION_HEADER);
        if (sessionId == null && ProtocolVersions.isModern(ctx.request().getHeader(VERSION_HEADER))) {
            httpError(ctx, 405, ErrorCodes.INVALID_REQUEST, "Method Not Allowed: revision "
                    + ctx.request().getHeader(VERSION_HEADER) + " has no GET stream; use subscriptions/listen");
            return;
        }
        if (sessionId == null) {
            httpError(ctx, 400, ErrorCodes.INVALID_REQUEST, "Bad Request: Mcp-Session-Id header is required");
            return;
        }
        Route route = routes.route(path);
        withSession(ctx, route, sessionId, caller,
                session -> streams.get(ctx, route, session, ctx.request().getHeader("Last-Event-ID")));
    }

    private void delete(RoutingContext ctx, String path, Caller caller) {
        if (!checkOrigin(ctx)) {
            return;
        }
        String sessionId = ctx.request().getHeader(SESSION_HEADER);
        if (sessionId == null) {
            httpError(ctx, 400, ErrorCodes.INVALID_REQUEST, "Bad Request: Mcp-Session-Id header is required");
            return;
        }
        withSession(ctx, routes.route(path), sessionId, caller, session -> router.end(session.id()).onComplete(ar -> {
            streams.ended(session.id());
            if (ar.failed()) {
                internalError(ctx, null, ar.cause());
            } else {
                ctx.response().setStatusCode(200).end();
            }
        }));
    }

    // ---- helpers ------------------------------------------------------------------------------

    private void withSession(RoutingContext ctx, Route route, String sessionId, Caller caller,
            java.util.function.Consumer<GatewaySession> then) {
        store.get(sessionId).onComplete(ar -> {
            if (ar.failed()) {
                LOG.errorf("Session store failed for %s: %s", ctx.request().path(), ar.cause().getMessage());
                storeUnavailable(ctx);
                return;
            }
            GatewaySession session = ar.result();
            if (session == null || route == null || !session.route().equals(route.name())) {
                httpError(ctx, 404, ErrorCodes.SESSION_NOT_FOUND,
                        "Session not found: it ended or expired; initialize a new one");
                return;
            }
            if (!session.principal().equals(caller.principal().name())) {
                // A session belongs to whoever created it; to anyone else it does not exist.
                LOG.warnf("Refused session %s to %s: it belongs to another principal", sessionId,
                        caller.principal().anonymous() ? "an anonymous caller" : caller.principal().name());
                httpError(ctx, 404, ErrorCodes.SESSION_NOT_FOUND,
                        "Session not found: it ended or expired; initialize a new one");
                return;
            }
            then.accept(session);
        });
    }

    static void storeUnavailable(RoutingContext ctx) {
        ctx.response().putHeader(HttpHeaders.RETRY_AFTER, "2");
        httpError(ctx, 503, ErrorCodes.INTERNAL_ERROR,
                "Service Unavailable: the session store cannot be reached; retry shortly");
    }

    private boolean checkOrigin(RoutingContext ctx) {
        String origin = ctx.request().getHeader(HttpHeaders.ORIGIN);
        if (origin == null || origins.allows(origin)) {
            return true;
        }
        LOG.warnf("Refused a request from origin %s", origin);
        httpError(ctx, 403, ErrorCodes.INVALID_REQUEST, "Forbidden: origin " + origin + " is not allowed");
        return false;
    }

    private void failure(RoutingContext ctx) {
        int status = ctx.statusCode();
        if (status == 413) {
            httpError(ctx, 413, ErrorCodes.INVALID_REQUEST, "Payload Too Large: the body exceeds "
                    + config.maxBodySize().asLongValue() + " bytes");
            return;
        }
        if (ctx.failure() instanceof io.vertx.core.http.HttpClosedException) {
            // The client went away, or was cut off by a read deadline (ConnectionGuard): nothing to answer.
            LOG.debugf("Request to %s ended with its connection", ctx.request().path());
            return;
        }
        if (ctx.failure() != null) {
            LOG.errorf(ctx.failure(), "Request to %s failed", ctx.request().path());
        }
        httpError(ctx, status > 0 && status < 500 ? status : 500, ErrorCodes.INTERNAL_ERROR,
                status > 0 && status < 500 ? "Bad Request" : "Internal error");
    }

    private void internalError(RoutingContext ctx, JsonNode id, Throwable t) {
        LOG.errorf(t, "Request %s on %s failed", id, ctx.request().path());
        if (ctx.response().headWritten()) {
            ctx.response().reset();
            return;
        }
        writeJson(ctx, 200, JsonRpcCodec.encode(JsonRpcResponse.error(id == null ? NullNode.getInstance() : id,
                new JsonRpcError(ErrorCodes.INTERNAL_ERROR, "Internal error"))));
    }

    static void httpError(RoutingContext ctx, int status, int code, String message) {
        HttpServerResponse resp = ctx.response();
        if (resp.ended()) {
            return;
        }
        if (resp.headWritten()) {
            resp.end();
            return;
        }
        writeJson(ctx, status,
                JsonRpcCodec.encode(JsonRpcResponse.error(NullNode.getInstance(), new JsonRpcError(code, message))));
    }

    static void writeJson(RoutingContext ctx, int status, byte[] body) {
        HttpServerResponse resp = ctx.response();
        if (resp.ended()) {
            return;
        }
        resp.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, JSON_TYPE).end(Buffer.buffer(body));
    }

    private static void accepted(RoutingContext ctx) {
        ctx.response().setStatusCode(202).end();
    }
}
