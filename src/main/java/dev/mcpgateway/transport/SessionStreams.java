package dev.mcpgateway.transport;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.mcpgateway.config.GatewayConfig;
import dev.mcpgateway.federation.McpRouter;
import dev.mcpgateway.federation.Route;
import dev.mcpgateway.federation.RouteTable;
import dev.mcpgateway.jsonrpc.ErrorCodes;
import dev.mcpgateway.jsonrpc.JsonRpcCodec;
import dev.mcpgateway.jsonrpc.ProtocolVersions;
import dev.mcpgateway.metrics.GatewayMetrics;
import dev.mcpgateway.session.EventLog;
import dev.mcpgateway.session.EventLog.StoredEvent;
import dev.mcpgateway.session.GatewaySession;
import dev.mcpgateway.session.Leases;
import dev.mcpgateway.session.SessionStore;
import io.vertx.core.Vertx;
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
    /** Sessions whose upstream streams this replica pumps, or stands ready to pump. */
    private final Map<String, PumpClaim> pumps = new ConcurrentHashMap<>();
    private final Leases leases;
    private final Vertx vertx;
    private final String replicaId = UUID.randomUUID().toString();
    private final RouteTable routes;
    private final GatewayMetrics metrics;
    /** The client connection reading a session's standalone stream on this replica. */
    private final Map<String, SseWriter> readers = new ConcurrentHashMap<>();
    private final SseWriters writers;

    @Inject
    public SessionStreams(McpRouter router, EventLog log, GatewayConfig config, SessionStore store, Leases leases,
            Vertx vertx, RouteTable routes, GatewayMetrics metrics, SseWriters writers) {
        this.metrics = metrics;
        this.writers = writers;
        this.router = router;
        this.routes = routes;
        routes.onChange(this::configurationChanged);
        this.log = log;
        this.config = config;
        this.leases = leases;
        this.vertx = vertx;
        store.onExpiry(s -> ended(s.id()));
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
            ensurePump(route, session, streamId);
            if (!writer.begin()) {
                readers.remove(session.id(), writer);
                return;
            }
            writer.onClose(() -> readers.remove(session.id(), writer));
            if (after == 0 && ProtocolVersions.atLeast(session.protocolVersion(), ProtocolVersions.V2025_11_25)) {
                writer.write(Sse.priming(streamId + ":0", config.sseRetry().toMillis()));
            } else {
                writer.write(Sse.OPEN_COMMENT);
            }
            new LogTail(log, writer, streamId, after, false, metrics).start();
        });
    }

    /**
     * Pumps the backends' streams into the session's standalone log. In a cluster exactly one
     * replica does so for a session, holding a lease it renews; the others that serve a reader of
     * that stream keep trying, and take over (resuming each upstream after its last event) when the
     * holder stops renewing.
     */
    private void ensurePump(Route route, GatewaySession session, String streamId) {
        pumps.computeIfAbsent(session.id(), id -> {
            PumpClaim claim = new PumpClaim(route, session, streamId);
            claim.tick();
            claim.timer = vertx.setPeriodic(Math.max(500, config.streamLease().toMillis() / 3), t -> claim.tick());
            return claim;
        });
    }

    /**
     * A reload changed what some routes offer: each session whose streams this replica pumps is
     * told its lists changed, and its pump restarts on the new backends. Every session with a
     * standalone stream is pumped by exactly one replica, and every replica reloads the same file,
     * so each is told once.
     */
    private void configurationChanged(RouteTable.Change change) {
        for (PumpClaim claim : pumps.values()) {
            if (!change.changedRoutes().contains(claim.session.route())) {
                continue;
            }
            Route fresh = routes.route(claim.route.path());
            vertx.runOnContext(v -> claim.restart(fresh));
            for (String method : List.of("notifications/tools/list_changed", "notifications/prompts/list_changed",
                    "notifications/resources/list_changed")) {
                log.append(claim.streamId, "{\"jsonrpc\":\"2.0\",\"method\":\"" + method + "\"}");
            }
        }
    }

    /** This replica's claim on pumping one session's upstream streams. */
    private final class PumpClaim {
        Route route;
        final GatewaySession session;
        final String streamId;
        final String key;
        long timer;
        McpRouter.Pump pump;
        boolean starting;
        volatile boolean closed;

        PumpClaim(Route route, GatewaySession session, String streamId) {
            this.route = route;
            this.session = session;
            this.streamId = streamId;
            this.key = "pump:" + session.id();
        }

        void tick() {
            if (closed) {
                return;
            }
            String state = pump == null ? null : encode(pump.lastEventIds());
            leases.acquire(key, replicaId, state, config.streamLease()).onComplete(ar -> {
                if (closed) {
                    return;
                }
                if (ar.failed()) {
                    LOG.debugf("Cannot renew the stream lease of session %s: %s", session.id(), ar.cause().getMessage());
                    return;
                }
                if (!ar.result()) {
                    if (pump != null) {
                        LOG.infof("Another replica pumps the streams of session %s now", session.id());
                        pump.close();
                        pump = null;
                    }
                    return;
                }
                if (pump == null && !starting) {
                    starting = true;
                    leases.state(key).map(SessionStreams::decode)
                            .compose(resume -> router.listen(route, session, resume, message -> log
                                    .append(streamId, JsonRpcCodec.writeString(JsonRpcCodec.toJson(message)))
                                    .onFailure(
                                            t -> LOG.warnf("Lost an event of session %s: %s", session.id(), t.getMessage()))))
                            .onComplete(p -> {
                                starting = false;
                                if (p.failed()) {
                                    LOG.warnf("Cannot open the upstream streams of session %s: %s", session.id(),
                                            p.cause().getMessage());
                                } else if (closed) {
                                    p.result().close();
                                } else {
                                    pump = p.result();
                                }
                            });
                }
            });
        }

        private boolean recording;
        private boolean recordAgain;

        /**
         * Stores how far each upstream stream has been appended, so a successor resumes there:
         * one write at a time, the last one catching up with everything appended meanwhile.
         */
        synchronized void recordPosition() {
            if (recording) {
                recordAgain = true;
                return;
            }
            McpRouter.Pump p = pump;
            if (p == null || closed) {
                return;
            }
            recording = true;
            leases.acquire(key, replicaId, encode(p.lastEventIds()), config.streamLease()).onComplete(ar -> {
                synchronized (this) {
                    recording = false;
                    if (recordAgain) {
                        recordAgain = false;
                        recordPosition();
                    }
                }
            });
        }

        /** Stops pumping from the old backends; the next tick starts again on the new ones. */
        void restart(Route fresh) {
            if (fresh != null) {
                route = fresh;
            }
            if (pump != null) {
                pump.close();
                pump = null;
            }
            tick();
        }

        void close() {
            closed = true;
            vertx.cancelTimer(timer);
            if (pump != null) {
                pump.close();
                pump = null;
            }
            leases.release(key, replicaId);
        }
    }

    private static String encode(Map<String, String> lastEventIds) {
        if (lastEventIds.isEmpty()) {
            return null;
        }
        com.fasterxml.jackson.databind.node.ObjectNode node = JsonRpcCodec.MAPPER.createObjectNode();
        lastEventIds.forEach(node::put);
        return JsonRpcCodec.writeString(node);
    }

    private static Map<String, String> decode(String state) {
        Map<String, String> out = new java.util.HashMap<>();
        if (state == null) {
            return out;
        }
        try {
            JsonRpcCodec.MAPPER.readTree(state).fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        } catch (java.io.IOException e) {
            LOG.debugf("Unreadable stream lease state: %s", e.getMessage());
        }
        return out;
    }

    /** The session ended: stop pumping and close its standalone stream. */
    void ended(String sessionId) {
        PumpClaim claim = pumps.remove(sessionId);
        if (claim != null) {
            claim.close();
        }
        SseWriter reader = readers.remove(sessionId);
        if (reader != null) {
            reader.end();
        }
        log.remove(standaloneStreamId(sessionId));
    }
}
