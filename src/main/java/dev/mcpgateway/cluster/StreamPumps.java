package dev.mcpgateway.cluster;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.mcpgateway.config.GatewayConfig;
import dev.mcpgateway.session.EventLog;
import dev.mcpgateway.session.Leases;
import dev.mcpgateway.session.StreamFencedException;
import io.quarkus.runtime.Startup;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Who copies a session's upstream streams into its event log. In a cluster exactly one replica does
 * so for a session, holding a lease it renews; the others that serve a reader of that session stand
 * by, and take over when the holder stops renewing or, sooner, when its heartbeat lapses (every
 * replica writes one, see {@code mcp-gateway.replica-heartbeat}; a replica standing by checks the
 * heartbeats of the holders it waits for, one read for all of them).
 *
 * <p>Exactly once: the replica that starts pumping first fences the session's stream in the log
 * ({@link EventLog#fence}), which answers the upstream event id of the last event appended from each
 * backend, and resumes each backend right after it. Every event it copies is appended together with
 * its upstream event id and only while it is still the fenced writer, so a former holder that lives
 * on (a GC pause, a slow store) cannot append after losing the stream: its first refused append stops
 * it. A replica keeps its claim only while a client reads the session's stream from it: with no
 * reader for {@code mcp-gateway.limits.unread-stream-timeout}, it stops pumping and lets the lease
 * go, so a session nobody reads holds no upstream streams.
 */
@Startup
@ApplicationScoped
public class StreamPumps {

    private static final Logger LOG = Logger.getLogger(StreamPumps.class);

    /**
     * Opens the pump of one session: resumes each backend after the upstream event id given (a
     * backend not named starts from now) and hands every message to the sink.
     */
    @FunctionalInterface
    public interface Source {
        Future<? extends UpstreamPump> open(Map<String, String> resume, Sink sink);
    }

    /** Where a pump puts each message it copies: serialized, with its backend and upstream event id. */
    @FunctionalInterface
    public interface Sink {
        void append(String data, String backend, String upstreamEventId);
    }

    private final Leases leases;
    private final EventLog log;
    private final GatewayConfig config;
    private final Vertx vertx;
    private final String replicaId;
    private final Map<String, Claim> claims = new ConcurrentHashMap<>();
    private final AtomicLong generations = new AtomicLong();
    private final AtomicBoolean checking = new AtomicBoolean();
    private final long heartbeat;

    @Inject
    public StreamPumps(Leases leases, EventLog log, GatewayConfig config, Vertx vertx, ReplicaInbox replica) {
        this.leases = leases;
        this.log = log;
        this.config = config;
        this.vertx = vertx;
        this.replicaId = replica.replicaId();
        long every = Math.max(10, config.replicaHeartbeat().toMillis());
        this.heartbeat = vertx.setPeriodic(0, every, t -> beat());
    }

    /**
     * A client reads the session's stream (its standalone stream {@code streamId}) from this replica:
     * claim its pump (once) and count the reader. The source is asked again after every restart, so
     * it should look up the current route.
     */
    public void readerAttached(String sessionId, String streamId, String route, Source source) {
        boolean first = claims.isEmpty();
        Claim claim = claims.computeIfAbsent(sessionId, id -> new Claim(id, streamId, route, source));
        if (first) {
            // The heartbeat runs while this replica has claims: record it before the first lease is taken.
            beat();
        }
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
        vertx.cancelTimer(heartbeat);
        claims.keySet().forEach(this::ended);
    }

    /**
     * This replica's heartbeat (while it has claims: a replica that pumps nothing need not be
     * watched), and one check of the replicas that hold sessions this replica stands by for: a claim
     * whose holder is no longer alive takes over at once.
     */
    private void beat() {
        if (claims.isEmpty()) {
            return;
        }
        leases.heartbeat(replicaId, config.replicaHeartbeatTimeout())
                .onFailure(t -> LOG.debugf("Cannot record this replica's heartbeat: %s", t.getMessage()));
        Set<String> holders = new HashSet<>();
        for (Claim c : claims.values()) {
            String holder = c.standingBy;
            if (holder != null) {
                holders.add(holder);
            }
        }
        if (holders.isEmpty() || !checking.compareAndSet(false, true)) {
            return;
        }
        leases.alive(holders).onComplete(ar -> {
            checking.set(false);
            if (ar.succeeded()) {
                holdersChecked(holders, ar.result());
            }
        });
    }

    private void holdersChecked(Set<String> checked, Set<String> alive) {
        for (Claim c : claims.values()) {
            String holder = c.standingBy;
            if (holder != null && checked.contains(holder) && !alive.contains(holder)) {
                c.run(() -> c.takeOver(holder));
            }
        }
    }

    /**
     * This replica's claim on one session. Every field but {@code standingBy} is touched only on the
     * claim's own Vert.x context (the timer fires there, and every outside call is posted to it), so
     * a reload, an expiry and the renewal timer never race on its state.
     */
    private final class Claim {
        final String sessionId;
        final String streamId;
        final String route;
        final Source source;
        final String key;
        final Context context;
        final long timer;
        volatile UpstreamPump pump;
        /** The writer id of the pump being started or running; null when there is none. */
        String writer;
        boolean takingOver;
        boolean closed;
        int readers;
        long unreadSinceMillis;
        /** The other replica that holds the lease while this one stands by; read by the heartbeat check. */
        volatile String standingBy;

        Claim(String sessionId, String streamId, String route, Source source) {
            this.sessionId = sessionId;
            this.streamId = streamId;
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
            leases.acquire(key, replicaId, config.streamLease()).onComplete(ar -> run(() -> acquired(ar)));
        }

        private void acquired(AsyncResult<String> ar) {
            if (closed) {
                return;
            }
            if (ar.failed()) {
                LOG.debugf("Cannot renew the stream lease of session %s: %s", sessionId, ar.cause().getMessage());
                return;
            }
            String holder = ar.result();
            if (replicaId.equals(holder)) {
                standingBy = null;
                start();
                return;
            }
            if (writer != null) {
                LOG.infof("Another replica pumps the streams of session %s now", sessionId);
                stop();
            }
            if (!holder.equals(standingBy)) {
                LOG.debugf("Replica %s pumps the streams of session %s: this one stands by", holder, sessionId);
            }
            standingBy = holder;
            // Rather than wait for the next heartbeat check: a reader that just arrived here often
            // comes from the replica that died.
            leases.alive(List.of(holder)).onSuccess(alive -> {
                if (!alive.contains(holder)) {
                    run(() -> takeOver(holder));
                }
            });
        }

        /** The holder's heartbeat lapsed: take the lease from it, unless another replica was quicker. */
        void takeOver(String dead) {
            if (closed || takingOver || !dead.equals(standingBy)) {
                return;
            }
            takingOver = true;
            leases.takeOver(key, replicaId, dead, config.streamLease()).onComplete(ar -> run(() -> {
                takingOver = false;
                if (closed || ar.failed() || !ar.result()) {
                    return;
                }
                LOG.infof("Replica %s stopped: this replica pumps the streams of session %s now", dead, sessionId);
                standingBy = null;
                start();
            }));
        }

        /** Fences the stream, then opens the upstream streams right after what the log holds. */
        private void start() {
            if (writer != null) {
                return;
            }
            String mine = replicaId + "/" + generations.incrementAndGet();
            writer = mine;
            log.fence(streamId, mine).compose(positions -> source.open(positions, sink(mine)))
                    .onComplete(p -> run(() -> started(mine, p)));
        }

        private Sink sink(String mine) {
            return (data, backend, upstreamEventId) -> log
                    .append(streamId, data, new EventLog.Origin(mine, backend, upstreamEventId))
                    .onFailure(t -> run(() -> appendFailed(mine, t)));
        }

        private void started(String mine, AsyncResult<? extends UpstreamPump> p) {
            if (!mine.equals(writer) || closed) {
                // Stopped meanwhile.
                if (p.succeeded()) {
                    p.result().close();
                }
                return;
            }
            if (p.failed()) {
                writer = null;
                endIfGone(() -> LOG.warnf("Cannot open the upstream streams of session %s: %s", sessionId,
                        p.cause().getMessage()));
            } else {
                LOG.debugf("This replica pumps the streams of session %s", sessionId);
                pump = p.result();
            }
        }

        /**
         * An append of this pump was refused. Fenced: another replica copies the stream now. Failed:
         * stop, so that the next start resumes each backend after the last event the log holds
         * rather than go on past the one that is missing.
         */
        private void appendFailed(String mine, Throwable t) {
            if (!mine.equals(writer)) {
                return;
            }
            stop();
            if (t instanceof StreamFencedException) {
                LOG.infof("Another replica pumps the streams of session %s now", sessionId);
            } else {
                endIfGone(() -> LOG.warnf("Cannot append an event of session %s (its upstream streams restart): %s",
                        sessionId, t.getMessage()));
            }
        }

        /** The session's stream is gone (the session ended, perhaps on another replica): so is this claim. */
        private void endIfGone(Runnable otherwise) {
            log.owner(streamId).onComplete(ar -> run(() -> {
                if (ar.succeeded() && ar.result() == null) {
                    LOG.debugf("The stream of session %s is gone: its upstream streams stop", sessionId);
                    claims.remove(sessionId, this);
                    close();
                } else {
                    otherwise.run();
                }
            }));
        }

        private void stop() {
            writer = null;
            if (pump != null) {
                pump.close();
                pump = null;
            }
        }

        /** Stops pumping from the old backends; the next tick starts again on the new ones. */
        void restart() {
            stop();
            tick();
        }

        void close() {
            if (closed) {
                return;
            }
            closed = true;
            standingBy = null;
            vertx.cancelTimer(timer);
            stop();
            leases.release(key, replicaId);
        }
    }
}
