package dev.mcpgateway.transport;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.mcpgateway.cluster.StreamPumps;
import dev.mcpgateway.config.GatewayConfig;
import dev.mcpgateway.federation.ClientSink;
import dev.mcpgateway.federation.McpRouter;
import dev.mcpgateway.federation.Route;
import dev.mcpgateway.federation.RouteTable;
import dev.mcpgateway.jsonrpc.ErrorCodes;
import dev.mcpgateway.jsonrpc.JsonRpcCodec;
import dev.mcpgateway.jsonrpc.JsonRpcMessage;
import dev.mcpgateway.jsonrpc.ProtocolVersions;
import dev.mcpgateway.metrics.GatewayMetrics;
import dev.mcpgateway.session.EventLog;
import dev.mcpgateway.session.EventLog.StoredEvent;
import dev.mcpgateway.session.GatewaySession;
import dev.mcpgateway.session.SessionStore;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;

/**
 * The streams a client reads with GET: the session's standalone stream (everything the backends
 * send outside a request: list changes, resource updates, log messages, server requests) and the
 * resumption of any of its streams by {@code Last-Event-ID}. The backends' streams are pumped into
 * the session's log as soon as the client first opens its GET stream, and keep being pumped while
 * it reconnects; what the client reads is a tail of that log.
 */
@ApplicationScoped
public class SessionStreams {

    private static final Logger LOG = Logger.getLogger(SessionStreams.class);

    private final McpRouter router;
    private final EventLog log;
    private final GatewayConfig config;
    private final StreamPumps pumps;
    private final RouteTable routes;
    private final GatewayMetrics metrics;
    /** The client connection reading a session's standalone stream on this replica. */
    private final Map<String, SseWriter> readers = new ConcurrentHashMap<>();
    private final SseWriters writers;

    @Inject
    public SessionStreams(McpRouter router, EventLog log, GatewayConfig config, SessionStore store, StreamPumps pumps,
            RouteTable routes, GatewayMetrics metrics, SseWriters writers) {
        this.metrics = metrics;
        this.writers = writers;
        this.router = router;
        this.routes = routes;
        routes.onChange(this::configurationChanged);
        this.log = log;
        this.config = config;
        this.pumps = pumps;
        store.onExpiry(s -> ended(s.id()));
    }

    /** Whether a client reads the session's standalone (GET) stream on this replica. */
    public boolean readsHere(String sessionId) {
        return readers.containsKey(sessionId);
    }

    /** The id of a session's standalone stream: stable, so any replica finds it, and not the session id. */
    static String standaloneStreamId(String sessionId) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(("get:" + sessionId).getBytes(StandardCharsets.UTF_8));
            return "g" + Base64.getUrlEncoder().withoutPadding().encodeToString(digest).substring(0, 22);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** GET: opens the standalone stream, or resumes the stream named by {@code lastEventId}. */
    void get(RoutingContext ctx, Route route, GatewaySession session, String lastEventId) {
        String standalone = standaloneStreamId(session.id());
        if (lastEventId == null) {
            attachStandalone(ctx, route, session, standalone, 0, true);
            return;
        }
        StoredEvent position = StoredEvent.parseId(lastEventId);
        if (position == null) {
            McpHttpHandler.httpError(ctx, 400, ErrorCodes.INVALID_REQUEST,
                    "Bad Request: Last-Event-ID is not an event id of this gateway");
            return;
        }
        log.owner(position.streamId()).onComplete(ar -> {
            if (ar.failed()) {
                McpHttpHandler.storeUnavailable(ctx);
                return;
            }
            if (standalone.equals(position.streamId())) {
                attachStandalone(ctx, route, session, standalone, position.seq(), ar.result() != null);
                return;
            }
            if (!session.id().equals(ar.result())) {
                // Unknown, expired, or another session's stream: nothing to replay, and no hint which.
                McpHttpHandler.httpError(ctx, 404, ErrorCodes.INVALID_REQUEST,
                        "Not Found: no stream of this session has that event id");
                return;
            }
            SseWriter writer = writers.open(ctx);
            if (writer.begin()) {
                new LogTail(log, writer, position.streamId(), position.seq(), true, metrics).start();
            }
        });
    }

    private void attachStandalone(RoutingContext ctx, Route route, GatewaySession session, String streamId, long after,
            boolean known) {
        SseWriter writer = writers.open(ctx);
        // One standalone stream per session: a new GET replaces the old one, whose connection is
        // usually already dead (a client reconnects because it lost it, before the close is seen).
        SseWriter previous = readers.put(session.id(), writer);
        if (previous != null && previous != writer) {
            previous.end();
        }
        log.open(streamId, session.id()).onComplete(ar -> {
            if (ar.failed()) {
                readers.remove(session.id(), writer);
                McpHttpHandler.storeUnavailable(ctx);
                return;
            }
            String path = route.path();
            pumps.readerAttached(session.id(), streamId, session.route(), (resume, pumped) -> {
                Route current = routes.route(path);
                return current == null ? Future.failedFuture("route " + path + " is no longer configured")
                        : router.listen(current, session, resume, new ClientSink() {
                            @Override
                            public void send(JsonRpcMessage message) {
                                send(message, null, null);
                            }

                            @Override
                            public void send(JsonRpcMessage message, String backend, String upstreamEventId) {
                                pumped.append(JsonRpcCodec.writeString(JsonRpcCodec.toJson(message)), backend,
                                        upstreamEventId);
                            }
                        });
            });
            writer.onClose(() -> {
                readers.remove(session.id(), writer);
                pumps.readerDetached(session.id());
            });
            if (!writer.begin()) {
                return;
            }
            if (after == 0 && ProtocolVersions.atLeast(session.protocolVersion(), ProtocolVersions.V2025_11_25)) {
                writer.write(Sse.priming(streamId + ":0", config.sseRetry().toMillis()));
            } else {
                writer.write(Sse.OPEN_COMMENT);
            }
            new LogTail(log, writer, streamId, after, false, metrics).start();
        });
    }

    /**
     * A reload changed what some routes offer: each session whose streams this replica pumps is
     * told its lists changed, and its pump restarts on the new backends. Every session with a
     * standalone stream is pumped by at most one replica, and every replica reloads the same file,
     * so each is told once.
     */
    private void configurationChanged(RouteTable.Change change) {
        for (String sessionId : pumps.restart(change.changedRoutes())) {
            for (String method : List.of("notifications/tools/list_changed", "notifications/prompts/list_changed",
                    "notifications/resources/list_changed")) {
                log.append(standaloneStreamId(sessionId), "{\"jsonrpc\":\"2.0\",\"method\":\"" + method + "\"}");
            }
        }
    }

    /** The session ended: stop pumping and close its standalone stream. */
    void ended(String sessionId) {
        pumps.ended(sessionId);
        SseWriter reader = readers.remove(sessionId);
        if (reader != null) {
            reader.end();
        }
        log.remove(standaloneStreamId(sessionId));
    }
}
