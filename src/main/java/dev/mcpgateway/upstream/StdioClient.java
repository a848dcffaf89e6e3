package dev.mcpgateway.upstream;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.config.BackendConfig;
import dev.mcpgateway.config.StdioIsolation;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import dev.mcpgateway.jsonrpc.JsonRpcMessage;
import dev.mcpgateway.jsonrpc.JsonRpcNotification;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.jsonrpc.McpMethods;
import dev.mcpgateway.jsonrpc.ProtocolVersions;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

/**
 * stdio upstream: child processes speaking newline-delimited JSON-RPC on stdin/stdout, one per
 * process key. The backend's {@link StdioIsolation} picks the key from the {@link UpstreamOwner}:
 * a client session ({@code SESSION}), an authenticated principal ({@code PRINCIPAL}; anonymous
 * callers get one per session) or nobody ({@code SHARED}: one process for the replica). The upstream
 * session's id names the key ({@code stdio:<key>}; null when shared), so any replica sends a session's
 * requests to that key's process, starting one when none runs here.
 * <p>
 * A process's calls are multiplexed by a {@link CallTable} owned by its key, so what the process
 * asks or says reaches only sessions of that key; a shared process delivers only what it can
 * attribute. A session's process stops when the session closes, any isolated process after
 * {@link UpstreamOptions#stdioIdleTimeout()} unused, and all of them count against
 * {@link UpstreamOptions#stdioProcesses()}. When a process exits, its calls fail and it is
 * restarted with exponential backoff; calls arriving meanwhile wait for it within their timeout.
 * <p>
 * The first process is probed with {@code server/discover} ({@link StdioEra}); what it answers holds
 * for the backend. A 2026-07-28 server gets no {@code initialize}: its sessions carry that revision,
 * so the router puts the {@code _meta} envelope on every request and bridges {@code input_required}
 * results, and its standalone stream is a {@code subscriptions/listen} ({@link StdioListen}).
 */
final class StdioClient implements UpstreamClient {

    private static final Logger LOG = Logger.getLogger(StdioClient.class);
    /** The prefix of an upstream session id that names a process key. */
    static final String SESSION_PREFIX = "stdio:";
    private static final String SHARED_KEY = "shared";
    private static final String PER_SESSION = "s:";
    private static final String PER_PRINCIPAL = "p:";
    private static final long MAX_SWEEP_MILLIS = 30_000;

    private final Vertx vertx;
    private final BackendConfig config;
    private final UpstreamOptions options;
    private final long timeoutMillis;
    private final long idleNanos;
    private final Map<String, StdioSlot> slots = new ConcurrentHashMap<>();
    /** The initialize params of the sessions open on this replica, by process key (one per session or principal). */
    private final Map<String, ObjectNode> openParams = new ConcurrentHashMap<>();
    /** What the server answered the first process this client started; later sessions start theirs on first use. */
    private volatile UpstreamSession known;
    /** Whether the server speaks 2026-07-28, learnt by the first process that probes it. */
    private final StdioEra era;
    private final long sweeper;
    private volatile boolean closed;

    StdioClient(Vertx vertx, BackendConfig config, UpstreamOptions options) {
        this.vertx = vertx;
        this.config = config;
        this.options = options;
        this.timeoutMillis = config.timeout().toMillis();
        this.idleNanos = options.stdioIdleTimeout().toNanos();
        this.era = new StdioEra(config.name());
        long every = Math.clamp(options.stdioIdleTimeout().toMillis() / 4, 10, MAX_SWEEP_MILLIS);
        this.sweeper = config.isolation() == StdioIsolation.SHARED ? -1 : vertx.setPeriodic(every, t -> sweep());
    }

    @Override
    public BackendConfig config() {
        return config;
    }

    @Override
    public Future<UpstreamSession> open(ObjectNode initializeParams) {
        return open(initializeParams, Map.of(), UpstreamOwner.GATEWAY);
    }

    @Override
    public Future<UpstreamSession> open(ObjectNode initializeParams, Map<String, String> extraHeaders) {
        return open(initializeParams, extraHeaders, UpstreamOwner.GATEWAY);
    }

    /** Opens the owner's process, starting it on first use; sessions of one key share its initialization. */
    @Override
    public Future<UpstreamSession> open(ObjectNode initializeParams, Map<String, String> extraHeaders,
            UpstreamOwner owner) {
        String key = keyOf(owner);
        UpstreamSession template = known;
        if (template != null && !SHARED_KEY.equals(key) && !slots.containsKey(key)) {
            // Processes start on first use: a session that only initializes costs no process. What
            // the server offers is known from the first process this client started.
            openParams.put(key, initializeParams.deepCopy());
            return Future.succeededFuture(new UpstreamSession(template.backend(), sessionId(key), template.protocolVersion(),
                    template.capabilities(), template.serverInfo()));
        }
        StdioSlot slot;
        try {
            slot = slot(key);
        } catch (JsonRpcException e) {
            return Future.failedFuture(e);
        }
        slot.opened();
        if (!SHARED_KEY.equals(key)) {
            openParams.put(key, initializeParams.deepCopy());
        }
        Context context = Multiplexing.callerContext(vertx);
        Promise<UpstreamSession> done = Promise.promise();
        // The process may be waiting out a restart backoff longer than the timeout.
        long timer = vertx.setTimer(timeoutMillis, t -> Multiplexing.run(context,
                () -> done.tryFail(UpstreamErrors.timeout(config.name(), timeoutMillis))));
        slot.start(initializeParams).onComplete(ar -> {
            vertx.cancelTimer(timer);
            Multiplexing.run(context, () -> {
                if (ar.succeeded()) {
                    UpstreamSession s = ar.result().session();
                    known = s;
                    done.tryComplete(new UpstreamSession(s.backend(), sessionId(key), s.protocolVersion(),
                            s.capabilities(), s.serverInfo()));
                } else {
                    done.tryFail(Multiplexing.asJsonRpc(config.name(), ar.cause()));
                }
            });
        });
        done.future().onFailure(t -> {
            close(slot);
            openParams.remove(key);
        });
        return done.future();
    }

    @Override
    public Future<JsonRpcResponse> request(UpstreamSession session, JsonRpcRequest request, UpstreamSink sink) {
        StdioSlot slot;
        try {
            slot = slot(keyOf(session));
        } catch (JsonRpcException e) {
            return Future.failedFuture(e);
        }
        // An isolated process serves only its key, so the call's owner is that key by construction.
        CallTable.Call call = slot.table.call(request, sink, Multiplexing.callerContext(vertx), slot.owner,
                timeoutMillis);
        slot.touch();
        slot.whenReady(call);
        return call.future().onComplete(ar -> slot.touch());
    }

    @Override
    public Future<Void> send(UpstreamSession session, JsonRpcMessage message) {
        String key = keyOf(session);
        StdioSlot slot = key == null ? null : slots.get(key);
        if (message instanceof JsonRpcNotification n && McpMethods.NOTIFICATIONS_INITIALIZED.equals(n.method())) {
            // The gateway initialized the process when it started it.
            return Future.succeededFuture();
        }
        if (ProtocolVersions.isModern(session.protocolVersion())
                && !(message instanceof JsonRpcNotification n && McpMethods.NOTIFICATIONS_CANCELLED.equals(n.method()))) {
            // 2026-07-28 keeps one client notification, cancellation; its servers send no requests to answer.
            return Future.succeededFuture();
        }
        if (slot == null) {
            return Future.failedFuture(UpstreamErrors.unavailable(config.name(), "its process is not running"));
        }
        slot.touch();
        if (message instanceof JsonRpcNotification n && McpMethods.NOTIFICATIONS_CANCELLED.equals(n.method())) {
            return slot.table.cancel(n);
        }
        // Responses to server requests keep the process's own id: it chose them, so they are unique.
        return slot.send(message);
    }

    @Override
    public Future<UpstreamListener> listen(UpstreamSession session, UpstreamSink sink) {
        StdioSlot slot;
        try {
            slot = slot(keyOf(session));
        } catch (JsonRpcException e) {
            return Future.failedFuture(e);
        }
        slot.touch();
        if (ProtocolVersions.isModern(session.protocolVersion())) {
            return new StdioListen(vertx, config.name(), slot, List.of(), sink, timeoutMillis).open();
        }
        UpstreamListener registration = slot.table.listen(Multiplexing.callerContext(vertx), sink, slot.owner);
        return slot.start(null).map(ready -> (UpstreamListener) () -> {
            registration.close();
            slot.touch();
        }).onFailure(t -> registration.close());
    }

    /** A 2026-07-28 server sends resource updates only to a listen that names the resources. */
    @Override
    public Future<UpstreamListener> listenFor(UpstreamSession session, List<String> resourceUris, UpstreamSink sink,
            Map<String, String> extraHeaders) {
        if (!ProtocolVersions.isModern(session.protocolVersion())) {
            return listen(session, sink);
        }
        StdioSlot slot;
        try {
            slot = slot(keyOf(session));
        } catch (JsonRpcException e) {
            return Future.failedFuture(e);
        }
        return new StdioListen(vertx, config.name(), slot, resourceUris, sink, timeoutMillis).open();
    }

    /** A session's own process stops with its last open session; others wait for their idle time. */
    @Override
    public Future<Void> close(UpstreamSession session) {
        String key = keyOf(session);
        StdioSlot slot = key == null ? null : slots.get(key);
        if (slot != null) {
            close(slot);
        }
        if (key != null) {
            openParams.remove(key);
        }
        return Future.succeededFuture();
    }

    @Override
    public void shutdown() {
        closed = true;
        vertx.cancelTimer(sweeper);
        JsonRpcException error = UpstreamErrors.unavailable(config.name(), "the gateway is shutting down");
        for (StdioSlot slot : List.copyOf(slots.values())) {
            retire(slot, error, true);
        }
    }

    /** The pid of the process serving that session, or -1; for tests. */
    long pid(UpstreamSession session) {
        String key = keyOf(session);
        StdioSlot slot = key == null ? null : slots.get(key);
        StdioProcess p = slot == null ? null : slot.process();
        return p == null ? -1 : p.pid();
    }

    /** How many process keys hold a place in the budget; for tests. */
    int processes() {
        return slots.size();
    }

    // ---- process keys ---------------------------------------------------------------------------

    private String keyOf(UpstreamOwner owner) {
        return switch (config.isolation()) {
            case SHARED -> SHARED_KEY;
            case PRINCIPAL -> owner.principal() != null ? PER_PRINCIPAL + owner.principal()
                    : PER_SESSION + owner.session();
            case SESSION -> PER_SESSION + owner.session();
        };
    }

    /**
     * The key a session was opened for; null when its id names none (it was opened while the backend
     * shared its process), which the caller reports as an ended session so the router opens it anew.
     */
    private String keyOf(UpstreamSession session) {
        if (config.isolation() == StdioIsolation.SHARED) {
            return SHARED_KEY;
        }
        String id = session.sessionId();
        return id != null && id.startsWith(SESSION_PREFIX) ? id.substring(SESSION_PREFIX.length()) : null;
    }

    private static String sessionId(String key) {
        return SHARED_KEY.equals(key) ? null : SESSION_PREFIX + key;
    }

    /** The key's slot, made (taking one of the replica's process slots) when there is none. */
    private StdioSlot slot(String key) {
        if (key == null) {
            throw UpstreamErrors.sessionExpired(config.name());
        }
        while (true) {
            StdioSlot slot = slots.get(key);
            if (slot != null) {
                return slot;
            }
            if (closed) {
                throw UpstreamErrors.unavailable(config.name(), "the gateway is shutting down");
            }
            ProcessBudget budget = options.stdioProcesses();
            if (!budget.tryAcquire()) {
                throw UpstreamErrors.unavailable(config.name(), "this replica already runs " + budget.max()
                        + " stdio processes, the most mcp-gateway.upstream.max-stdio-processes allows");
            }
            StdioSlot fresh = new StdioSlot(vertx, config, options, key, SHARED_KEY.equals(key) ? null : key, era,
                    (s, why) -> retire(s, why, false));
            if (slots.putIfAbsent(key, fresh) == null) {
                ObjectNode params = openParams.get(key);
                if (params != null) {
                    // Its session is open, but its process was never started or was stopped when idle: this
                    // one starts on the session's request, initialized as the session's client asked.
                    fresh.remember(params);
                    fresh.opened();
                }
                return fresh;
            }
            budget.release();
        }
    }

    private void close(StdioSlot slot) {
        if (slot.closedOne() && slot.key.startsWith(PER_SESSION)) {
            retire(slot, UpstreamErrors.unavailable(config.name(), "the session was closed"), false);
        }
    }

    private void sweep() {
        long now = System.nanoTime();
        for (StdioSlot slot : slots.values()) {
            if (!SHARED_KEY.equals(slot.key) && slot.table.idle() && now - slot.lastUsed > idleNanos) {
                LOG.debugf("Backend %s: a process unused for %s is stopped", config.name(), options.stdioIdleTimeout());
                retire(slot, UpstreamErrors.unavailable(config.name(), "its process was stopped when idle"), false);
            }
        }
    }

    private void retire(StdioSlot slot, JsonRpcException why, boolean wait) {
        if (slots.remove(slot.key, slot)) {
            slot.end(why, wait);
        }
    }
}
