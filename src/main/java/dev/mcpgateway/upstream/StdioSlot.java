package dev.mcpgateway.upstream;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.config.BackendConfig;
import dev.mcpgateway.config.StdioIsolation;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import dev.mcpgateway.jsonrpc.JsonRpcMessage;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.ProtocolVersions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

/**
 * The process of one key of a stdio backend, across restarts: its {@link CallTable}, the current
 * {@link StdioProcess}, and one place in the replica's process budget, held until the slot ends.
 * When the process exits, its calls fail and it is restarted with exponential backoff; calls
 * arriving meanwhile wait for it within their timeout.
 */
final class StdioSlot implements StdioProcess.Events {

    private static final Logger LOG = Logger.getLogger(StdioSlot.class);
    private static final long FIRST_BACKOFF_MILLIS = 1000;

    /** A process's readiness: it is initialized, and this is what it answered. */
    record Ready(StdioProcess process, UpstreamSession session) {
    }

    private final Vertx vertx;
    private final BackendConfig config;
    private final UpstreamOptions options;
    private final long timeoutMillis;
    private final long maxBackoffMillis;
    private final BiConsumer<StdioSlot, JsonRpcException> retire;
    private final StdioEra era;

    final String key;
    /** Whom everything on this process belongs to; null when it is shared. */
    final String owner;
    final CallTable table;
    private final AtomicBoolean permit = new AtomicBoolean(true);
    volatile long lastUsed = System.nanoTime();

    // Guarded by this.
    /** Completes when the current process is initialized; replaced when a restart is due. */
    private Promise<Ready> ready;
    private StdioProcess proc;
    private ObjectNode params;
    /** The initialize params of the session this slot was opened for before its process started. */
    private ObjectNode remembered;
    /** The process whose server/discover probe is unanswered. */
    private StdioProcess probing;
    private long backoffMillis;
    private long restartTimer = -1;
    private boolean ended;
    private int opens;

    /**
     * @param owner whom everything on the process belongs to; null when it is shared
     * @param era what the backend's server speaks, learnt by the first process that probes it
     * @param retire takes the slot out of its client's table and calls {@link #end}
     */
    StdioSlot(Vertx vertx, BackendConfig config, UpstreamOptions options, String key, String owner,
            StdioEra era, BiConsumer<StdioSlot, JsonRpcException> retire) {
        this.vertx = vertx;
        this.config = config;
        this.options = options;
        this.timeoutMillis = config.timeout().toMillis();
        this.maxBackoffMillis = Math.max(FIRST_BACKOFF_MILLIS, options.stdioRestartMaxBackoff().toMillis());
        this.key = key;
        this.owner = owner;
        this.retire = retire;
        this.era = era;
        this.table = new CallTable(vertx, config.name(), owner, this::send);
    }

    void touch() {
        lastUsed = System.nanoTime();
    }

    /** What to initialize the process with when it starts on a request rather than on its session's open. */
    synchronized void remember(ObjectNode initializeParams) {
        remembered = initializeParams;
    }

    synchronized void opened() {
        opens++;
        touch();
    }

    /** One session of the key closed; true when none that this replica opened is left. */
    synchronized boolean closedOne() {
        opens--;
        return opens <= 0;
    }

    /** Whether the slot stopped for good (its key gets a new slot on next use). */
    synchronized boolean isEnded() {
        return ended;
    }

    synchronized StdioProcess process() {
        return proc;
    }

    Future<Void> send(JsonRpcMessage message) {
        StdioProcess p = running();
        return p == null ? Future.failedFuture(UpstreamErrors.unavailable(config.name(), "its process is not running"))
                : p.send(message);
    }

    private synchronized StdioProcess running() {
        if (ready == null || !ready.future().succeeded()) {
            return null;
        }
        StdioProcess p = ready.future().result().process();
        return p.exited ? null : p;
    }

    /**
     * The current generation's readiness. Starts a process when none was ever started; a
     * restart after an exit is the timer's business.
     */
    synchronized Future<Ready> start(ObjectNode initializeParams) {
        if (ended) {
            return Future.failedFuture(UpstreamErrors.unavailable(config.name(), "its process was stopped"));
        }
        if (ready != null) {
            if (ready.future().succeeded() && ready.future().result().process().exited) {
                // Its process exited and exited() has not yet taken it in: wait for the next generation
                // (a restart, or a failure when there is none) rather than spin on the dead one.
                ready = Promise.promise();
            }
            return ready.future();
        }
        params = initParams(initializeParams != null ? initializeParams : remembered);
        Promise<Ready> generation = Promise.promise();
        ready = generation;
        // Forking blocks: keep it off the event loop.
        Thread.ofVirtual().name("stdio-start-" + config.name()).start(() -> spawn(generation));
        return generation.future();
    }

    private void spawn(Promise<Ready> generation) {
        StdioProcess p;
        try {
            p = StdioProcess.start(config, options.maxMessageSize(), this);
        } catch (IOException | RuntimeException e) {
            LOG.errorf("Backend %s: cannot start %s: %s", config.name(), commandLine(), e.getMessage());
            generation.tryFail(UpstreamErrors.unavailable(config.name(), "cannot start its command: " + e.getMessage()));
            // Nothing runs for the key, so it gives its place back; the next use tries anew.
            retire.accept(this, UpstreamErrors.unavailable(config.name(), "cannot start its command"));
            return;
        }
        ObjectNode initialize;
        synchronized (this) {
            if (ended) {
                generation.tryFail(UpstreamErrors.unavailable(config.name(), "its process was stopped"));
                p.stop(false);
                return;
            }
            proc = p;
            initialize = params;
        }
        LOG.infof("Backend %s: started %s (pid %d)", config.name(), commandLine(), p.pid());
        UpstreamSession modern = era.modern();
        if (modern != null) {
            // Stateless: a process of a modern backend is ready as soon as it runs.
            p.initialized = true;
            generation.tryComplete(new Ready(p, modern));
            return;
        }
        if (era.legacy()) {
            initialize(p, generation, initialize);
            return;
        }
        // "does not respond within a reasonable timeout: the server is legacy". Half the backend's
        // timeout, so that initialize still fits in the open that waits for both.
        CallTable.Call probe = table.call(StdioEra.probe(initialize), UpstreamSink.DISCARD, null, owner,
                Math.max(1, timeoutMillis / 2));
        synchronized (this) {
            probing = p;
        }
        probe.future().onComplete(ar -> {
            if (ar.failed() && p.exited) {
                // It died of the probe (or of something else meanwhile): exited() decides what follows.
                return;
            }
            synchronized (this) {
                probing = null;
            }
            UpstreamSession found;
            try {
                found = era.learn(ar);
            } catch (JsonRpcException e) {
                failed(p, generation, e);
                return;
            }
            if (found == null) {
                initialize(p, generation, initialize);
            } else {
                p.initialized = true;
                generation.tryComplete(new Ready(p, found));
            }
        });
        dispatch(probe, p);
    }

    /** The handshake of the revisions before 2026-07-28, on a process that was probed or is known to want it. */
    private void initialize(StdioProcess p, Promise<Ready> generation, ObjectNode initialize) {
        CallTable.Call init = table.call(Initialization.request(initialize), UpstreamSink.DISCARD, null, owner,
                timeoutMillis);
        init.future().onComplete(ar -> {
            UpstreamSession session;
            try {
                if (ar.failed()) {
                    throw Multiplexing.asJsonRpc(config.name(), ar.cause());
                }
                session = Initialization.session(config.name(), null, ar.result());
            } catch (JsonRpcException e) {
                // The backend may have changed since its era was learnt: the next process probes again.
                era.forget();
                failed(p, generation, e);
                return;
            }
            p.send(Initialization.initialized());
            p.initialized = true;
            generation.tryComplete(new Ready(p, session));
        });
        dispatch(init, p);
    }

    private void failed(StdioProcess p, Promise<Ready> generation, JsonRpcException e) {
        generation.tryFail(e);
        LOG.warnf("Backend %s: initialization failed (%s); stopping pid %d", config.name(), e.getMessage(), p.pid());
        retire.accept(this, e);
    }

    void whenReady(CallTable.Call call) {
        start(null).onComplete(ar -> {
            if (ar.failed()) {
                table.settle(call, Future.failedFuture(Multiplexing.asJsonRpc(config.name(), ar.cause())));
            } else {
                dispatch(call, ar.result().process());
            }
        });
    }

    private void dispatch(CallTable.Call call, StdioProcess p) {
        JsonRpcRequest wire = table.register(call, p);
        if (wire == null) {
            return;
        }
        if (p.exited) {
            // It died between becoming ready and now: wait for the restart like a newcomer.
            if (table.unregister(call)) {
                whenReady(call);
            }
            return;
        }
        p.send(wire).onFailure(t -> table.settle(call, Future.failedFuture(t)));
    }

    @Override
    public void line(StdioProcess p, byte[] line) {
        table.receive(line);
    }

    @Override
    public void overlong(StdioProcess p, long size, JsonNode responseId) {
        JsonRpcException error = UpstreamErrors.unavailable(config.name(), "it sent a message of " + size
                + " bytes, over the limit of " + options.maxMessageSize()
                + " bytes (mcp-gateway.upstream.max-message-size)");
        long id = Multiplexing.numeric(responseId);
        boolean failed = id != 0 && table.fail(id, error);
        LOG.errorf("Backend %s (pid %d) wrote a line of %d bytes to stdout, over the limit of %d bytes "
                + "(mcp-gateway.upstream.max-message-size); discarded%s", config.name(), p.pid(), size,
                options.maxMessageSize(), failed ? ", and the request it answered failed" : "");
    }

    @Override
    public void exited(StdioProcess p) {
        int code = p.exitValue();
        JsonRpcException error = UpstreamErrors.unavailable(config.name(), "process exited with code " + code);
        boolean diedOfProbe;
        synchronized (this) {
            diedOfProbe = probing == p && !p.stopping;
            if (diedOfProbe) {
                probing = null;
            }
        }
        if (diedOfProbe) {
            // Some servers of the earlier revisions end on any request before initialize: the next
            // process is initialized without a probe.
            era.diedOfProbe();
        }
        // Before any restart, so no call of the next process is failed for this one.
        table.failAll(p, error);
        long delay = -1;
        synchronized (this) {
            if (proc == p) {
                proc = null;
            }
            if (!ended && (p.initialized || diedOfProbe) && !p.stopping) {
                boolean ranLong = System.nanoTime() - p.startedNanos >= TimeUnit.MILLISECONDS
                        .toNanos(maxBackoffMillis);
                backoffMillis = backoffMillis == 0 || ranLong ? FIRST_BACKOFF_MILLIS
                        : Math.min(backoffMillis * 2, maxBackoffMillis);
                delay = backoffMillis;
                if (ready.future().isComplete()) {
                    ready = Promise.promise();
                }
                Promise<Ready> next = ready;
                restartTimer = vertx.setTimer(delay, t -> {
                    synchronized (this) {
                        restartTimer = -1;
                    }
                    Thread.ofVirtual().name("stdio-start-" + config.name()).start(() -> spawn(next));
                });
            }
        }
        if (p.stopping) {
            LOG.debugf("Backend %s: pid %d exited with code %d", config.name(), p.pid(), code);
        } else if (delay >= 0) {
            LOG.warnf("Backend %s: process %d exited with code %d; restarting in %d ms", config.name(), p.pid(),
                    code, delay);
        } else {
            LOG.warnf("Backend %s: process %d exited with code %d before it was initialized", config.name(), p.pid(),
                    code);
            retire.accept(this, error);
        }
    }

    /** Stops for good: fails what waits, stops the process and gives back the place in the budget. */
    void end(JsonRpcException why, boolean wait) {
        StdioProcess p;
        Promise<Ready> generation;
        synchronized (this) {
            ended = true;
            if (restartTimer != -1) {
                vertx.cancelTimer(restartTimer);
                restartTimer = -1;
            }
            generation = ready;
            p = proc;
            proc = null;
        }
        if (generation != null) {
            generation.tryFail(why);
        }
        table.failAll(null, why);
        table.clearListeners();
        if (p != null) {
            p.stop(wait);
        }
        if (permit.compareAndSet(true, false)) {
            options.stdioProcesses().release();
        }
    }

    /**
     * A process of one session is offered what that session's client can do, so the server never
     * asks it for what it cannot answer. A process several sessions share, or one started without
     * the session's own initialize (on a replica that never saw it), is offered what the gateway can
     * route back to a client. Always at the newest revision.
     */
    private ObjectNode initParams(ObjectNode params) {
        ObjectNode p = params == null ? JsonNodeFactory.instance.objectNode() : params.deepCopy();
        if (!p.has("clientInfo")) {
            p.putObject("clientInfo").put("name", "mcp-gateway").put("version", "1");
        }
        p.put("protocolVersion", ProtocolVersions.LATEST);
        if (config.isolation() == StdioIsolation.SESSION && p.get("capabilities") instanceof ObjectNode) {
            return p;
        }
        ObjectNode caps = p.putObject("capabilities");
        caps.putObject("sampling");
        ObjectNode elicitation = caps.putObject("elicitation");
        elicitation.putObject("form");
        elicitation.putObject("url");
        caps.putObject("roots").put("listChanged", true);
        return p;
    }

    private String commandLine() {
        return config.args() == null || config.args().isEmpty() ? config.command()
                : config.command() + " " + String.join(" ", config.args());
    }
}
