package dev.mcpgateway.cluster;

import java.io.IOException;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.config.GatewayConfig;
import dev.mcpgateway.jsonrpc.JsonRpcCodec;
import dev.mcpgateway.session.Leases;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Who copies a session's upstream streams into its event log. In a cluster exactly one replica does
 * so for a session, holding a lease it renews; the others that serve a reader of that session keep
 * trying, and take over (resuming each upstream after its last event, from the lease's state) when
 * the holder stops renewing. A replica keeps its claim only while a client reads the session's
 * stream from it: with no reader for {@code mcp-gateway.limits.unread-stream-timeout}, it stops
 * pumping and lets the lease go, so a session nobody reads holds no upstream streams.
 */
@ApplicationScoped
public class StreamPumps {

    private static final Logger LOG = Logger.getLogger(StreamPumps.class);

    /** Opens the pump of one session, resuming after the given upstream event ids. */
    @FunctionalInterface
    public interface Source {
        Future<? extends UpstreamPump> open(Map<String, String> resume);
    }

    private final Leases leases;
    private final GatewayConfig config;
    private final Vertx vertx;
    private final String replicaId;
    private final Map<String, Claim> claims = new ConcurrentHashMap<>();

    @Inject
    public StreamPumps(Leases leases, GatewayConfig config, Vertx vertx, ReplicaInbox replica) {
        this.leases = leases;
        this.config = config;
        this.vertx = vertx;
        this.replicaId = replica.replicaId();
    }

    /**
     * A client reads the session's stream from this replica: claim its pump (once) and count the
     * reader. The source is asked again after every restart, so it should look up the current route.
     */
    public void readerAttached(String sessionId, String route, Source source) {
        Claim claim = claims.computeIfAbsent(sessionId, id -> new Claim(id, route, source));
        claim.run(claim::attached);
    }

    /** The reader of the session's stream on this replica went away. */
    public void readerDetached(String sessionId) {
        Claim claim = claims.get(sessionId);
        if (claim != null) {
            claim.run(claim::detached);
        }
    }

    /** Restarts the pumps of sessions on these routes (a reload changed their backends); answers their ids. */
    public Collection<String> restart(Collection<String> routeNames) {
        return claims.values().stream().filter(c -> routeNames.contains(c.route)).map(c -> {
            c.run(c::restart);
            return c.sessionId;
        }).toList();
    }

    /** The session ended: stop pumping it. */
    public void ended(String sessionId) {
        Claim claim = claims.remove(sessionId);
        if (claim != null) {
            claim.run(claim::close);
        }
    }

    /** Sessions this replica holds a claim for (pumping or standing by). */
    public int claimed() {
        return claims.size();
    }

    /** Sessions this replica pumps now. */
    public long pumping() {
        return claims.values().stream().filter(c -> c.pump != null).count();
    }

    @PreDestroy
    void shutdown() {
        claims.keySet().forEach(this::ended);
    }

    /**
     * This replica's claim on one session. Every field is touched only on the claim's own Vert.x
     * context (the timer fires there, and every outside call is posted to it), so a reload, an
     * expiry and the renewal timer never race on its state.
     */
    private final class Claim {
        final String sessionId;
        final String route;
        final Source source;
        final String key;
        final Context context;
        final long timer;
        UpstreamPump pump;
        boolean starting;
        boolean closed;
        int readers;
        long unreadSinceMillis;

        Claim(String sessionId, String route, Source source) {
            this.sessionId = sessionId;
            this.route = route;
            this.source = source;
            this.key = "pump:" + sessionId;
            // The context of the first reader's connection: one event loop runs the claim from now on.
            this.context = vertx.getOrCreateContext();
            long every = Math.max(500, config.streamLease().toMillis() / 3);
            this.timer = vertx.setPeriodic(every, every, t -> run(this::tick));
        }

        void run(Runnable task) {
            if (Vertx.currentContext() == context) {
                task.run();
            } else {
                context.runOnContext(v -> task.run());
            }
        }

        void attached() {
            readers++;
            tick();
        }

        void detached() {
            readers = Math.max(0, readers - 1);
            if (readers == 0) {
                unreadSinceMillis = System.currentTimeMillis();
            }
        }

        void tick() {
            if (closed) {
                return;
            }
            if (readers == 0
                    && System.currentTimeMillis() - unreadSinceMillis >= config.limits().unreadStreamTimeout().toMillis()) {
                LOG.debugf("Nobody reads session %s here any more: its upstream streams stop", sessionId);
                claims.remove(sessionId, this);
                close();
                return;
            }
            String state = pump == null ? null : encode(pump.lastEventIds());
            leases.acquire(key, replicaId, state, config.streamLease()).onComplete(ar -> run(() -> renewed(ar)));
        }

        private void renewed(io.vertx.core.AsyncResult<Boolean> ar) {
            if (closed) {
                return;
            }
            if (ar.failed()) {
                LOG.debugf("Cannot renew the stream lease of session %s: %s", sessionId, ar.cause().getMessage());
                return;
            }
            if (!ar.result()) {
                if (pump != null) {
                    LOG.infof("Another replica pumps the streams of session %s now", sessionId);
                    pump.close();
                    pump = null;
                }
                return;
            }
            if (pump == null && !starting) {
                starting = true;
                leases.state(key).map(StreamPumps::decode).compose(source::open)
                        .onComplete(p -> run(() -> started(p)));
            }
        }

        private void started(io.vertx.core.AsyncResult<? extends UpstreamPump> p) {
            starting = false;
            if (p.failed()) {
                LOG.warnf("Cannot open the upstream streams of session %s: %s", sessionId, p.cause().getMessage());
            } else if (closed) {
                p.result().close();
            } else {
                pump = p.result();
            }
        }

        /** Stops pumping from the old backends; the next tick starts again on the new ones. */
        void restart() {
            if (pump != null) {
                pump.close();
                pump = null;
            }
            tick();
        }

        void close() {
            if (closed) {
                return;
            }
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
        ObjectNode node = JsonRpcCodec.MAPPER.createObjectNode();
        lastEventIds.forEach(node::put);
        return JsonRpcCodec.writeString(node);
    }

    private static Map<String, String> decode(String state) {
        Map<String, String> out = new HashMap<>();
        if (state == null) {
            return out;
        }
        try {
            JsonRpcCodec.MAPPER.readTree(state).properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
        } catch (IOException e) {
            LOG.debugf("Unreadable stream lease state: %s", e.getMessage());
        }
        return out;
    }
}
