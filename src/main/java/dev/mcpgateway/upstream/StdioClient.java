package dev.mcpgateway.upstream;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.config.BackendConfig;
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
import dev.mcpgateway.session.UpstreamSession;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

/**
 * stdio upstream: one child process per backend, started on the first {@link #open}, initialized
 * once and shared by every client session (a process per session would be too slow and heavy).
 * Newline-delimited JSON-RPC on stdin/stdout; stderr goes to the log.
 * <p>
 * Because sessions share the process, request ids and progress tokens are rewritten to values
 * unique in the process and restored on the way back. Messages that belong to no request go to
 * every {@link #listen} sink; server-to-client requests go to the sink of the most recently sent
 * request still in flight. When the process exits, requests in flight fail and the process is
 * restarted with exponential backoff; requests arriving meanwhile wait for it within their timeout.
 */
final class StdioClient implements UpstreamClient {

    private static final Logger LOG = Logger.getLogger(StdioClient.class);
    private static final long FIRST_BACKOFF_MILLIS = 1000;
    private static final long KILL_GRACE_MILLIS = 2000;
    /** How long an exit waits for the stdout reader to deliver the last lines the process wrote. */
    private static final long DRAIN_MILLIS = 1000;
    private static final byte[] END_OF_INPUT = new byte[0];

    private final Vertx vertx;
    private final BackendConfig config;
    private final long timeoutMillis;
    private final long maxBackoffMillis;
    private final AtomicLong ids = new AtomicLong();
    /** Requests written to a process, by the id the process saw. */
    private final Map<Long, Call> pending = new ConcurrentHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();

    // Guarded by this.
    /** Completes when the current process is initialized; replaced when a restart is due. */
    private Promise<Ready> ready;
    private Proc proc;
    private ObjectNode initParams;
    private long backoffMillis;
    private long restartTimer = -1;
    private boolean closed;

    StdioClient(Vertx vertx, BackendConfig config, UpstreamOptions options) {
        this.vertx = vertx;
        this.config = config;
        this.timeoutMillis = config.timeout().toMillis();
        this.maxBackoffMillis = Math.max(FIRST_BACKOFF_MILLIS, options.stdioRestartMaxBackoff().toMillis());
    }

    @Override
    public BackendConfig config() {
        return config;
    }

    /**
     * Every client session gets the session of the one initialization (no session id): the first
     * call starts the process, later calls share its future.
     */
    @Override
    public Future<UpstreamSession> open(ObjectNode initializeParams) {
        Context context = Multiplexing.callerContext(vertx);
        Promise<UpstreamSession> done = Promise.promise();
        // The process may be waiting out a restart backoff longer than the timeout.
        long timer = vertx.setTimer(timeoutMillis, t -> Multiplexing.run(context,
                () -> done.tryFail(UpstreamErrors.timeout(config.name(), timeoutMillis))));
        start(initializeParams).onComplete(ar -> {
            vertx.cancelTimer(timer);
            Multiplexing.run(context, () -> {
                if (ar.succeeded()) {
                    done.tryComplete(ar.result().session());
                } else {
                    done.tryFail(asJsonRpc(ar.cause()));
                }
            });
        });
        return done.future();
    }

    @Override
    public Future<JsonRpcResponse> request(UpstreamSession session, JsonRpcRequest request, UpstreamSink sink) {
        Call call = new Call(request, sink, Multiplexing.callerContext(vertx));
        call.timer = vertx.setTimer(timeoutMillis, t -> timedOut(call));
        whenReady(call);
        return call.result.future();
    }

    @Override
    public Future<Void> send(UpstreamSession session, JsonRpcMessage message) {
        if (message instanceof JsonRpcNotification n) {
            if (McpMethods.NOTIFICATIONS_INITIALIZED.equals(n.method())) {
                // The gateway initialized the shared process once, when it started it.
                return Future.succeededFuture();
            }
            if (McpMethods.NOTIFICATIONS_CANCELLED.equals(n.method())) {
                cancel(n);
                return Future.succeededFuture();
            }
        }
        Proc p = runningProcess();
        if (p == null) {
            return Future.failedFuture(UpstreamErrors.unavailable(config.name(), "its process is not running"));
        }
        // Responses to server requests keep the process's own id: it chose them, so they are unique.
        p.write(JsonRpcCodec.encode(message));
        return Future.succeededFuture();
    }

    @Override
    public Future<UpstreamListener> listen(UpstreamSession session, UpstreamSink sink) {
        Listener listener = new Listener(Multiplexing.callerContext(vertx), sink);
        listeners.add(listener);
        return Future.succeededFuture(() -> listeners.remove(listener));
    }

    /** The process is shared, so one session ending changes nothing. */
    @Override
    public Future<Void> close(UpstreamSession session) {
        return Future.succeededFuture();
    }

    @Override
    public void shutdown() {
        Proc p;
        Promise<Ready> generation;
        synchronized (this) {
            closed = true;
            if (restartTimer != -1) {
                vertx.cancelTimer(restartTimer);
                restartTimer = -1;
            }
            generation = ready;
            p = proc;
            proc = null;
        }
        JsonRpcException error = UpstreamErrors.unavailable(config.name(), "the gateway is shutting down");
        if (generation != null) {
            generation.tryFail(error);
        }
        for (Call call : pending.values()) {
            settle(call, Future.failedFuture(error));
        }
        listeners.clear();
        if (p != null) {
            stop(p, true);
        }
    }

    /** The pid of the running process, or -1; for tests. */
    synchronized long pid() {
        return proc == null ? -1 : proc.process.pid();
    }

    // ---- process lifecycle ------------------------------------------------------------------

    /**
     * The current generation's readiness. Starts a process when none was ever started or the last
     * start failed; a restart after an exit is the timer's business.
     */
    private synchronized Future<Ready> start(ObjectNode params) {
        if (closed) {
            return Future.failedFuture(UpstreamErrors.unavailable(config.name(), "the gateway is shutting down"));
        }
        if (ready != null && !ready.future().failed()) {
            return ready.future();
        }
        if (params != null) {
            initParams = shared(params);
        }
        Promise<Ready> generation = Promise.promise();
        ready = generation;
        // ProcessBuilder.start forks: keep it off the event loop.
        Thread.ofVirtual().name("stdio-start-" + config.name()).start(() -> spawn(generation));
        return generation.future();
    }

    private void spawn(Promise<Ready> generation) {
        ObjectNode params;
        synchronized (this) {
            if (closed || ready != generation) {
                generation.tryFail(UpstreamErrors.unavailable(config.name(), "the gateway is shutting down"));
                return;
            }
            params = initParams != null ? initParams : defaultInitParams();
        }
        Process process;
        try {
            process = processBuilder().start();
        } catch (IOException | RuntimeException e) {
            LOG.errorf("Backend %s: cannot start %s: %s", config.name(), commandLine(), e.getMessage());
            generation.tryFail(UpstreamErrors.unavailable(config.name(), "cannot start its command: " + e.getMessage()));
            return;
        }
        Proc p = new Proc(process);
        synchronized (this) {
            if (closed) {
                generation.tryFail(UpstreamErrors.unavailable(config.name(), "the gateway is shutting down"));
                stop(p, false);
                return;
            }
            proc = p;
        }
        LOG.infof("Backend %s: started %s (pid %d)", config.name(), commandLine(), process.pid());
        p.startThreads();
        process.onExit().thenRun(() -> Thread.ofVirtual().name("stdio-exit-" + config.name()).start(() -> exited(p)));
        initialize(p, generation, params);
    }

    private void initialize(Proc p, Promise<Ready> generation, ObjectNode params) {
        Call init = new Call(Initialization.request(params), UpstreamSink.DISCARD, null);
        init.timer = vertx.setTimer(timeoutMillis, t -> timedOut(init));
        init.result.future().onComplete(ar -> {
            UpstreamSession session;
            try {
                if (ar.failed()) {
                    throw asJsonRpc(ar.cause());
                }
                session = Initialization.session(config.name(), null, ar.result());
            } catch (JsonRpcException e) {
                generation.tryFail(e);
                if (!p.exited) {
                    LOG.warnf("Backend %s: initialization failed (%s); stopping pid %d", config.name(), e.getMessage(),
                            p.process.pid());
                    stop(p, false);
                }
                return;
            }
            p.write(JsonRpcCodec.encode(Initialization.initialized()));
            p.initialized = true;
            generation.tryComplete(new Ready(p, session));
        });
        dispatch(init, p);
    }

    private void exited(Proc p) {
        try {
            p.reader.join(DRAIN_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int code = p.process.exitValue();
        long delay = -1;
        synchronized (this) {
            p.exited = true;
            if (proc == p) {
                proc = null;
            }
            if (!closed && p.initialized && !p.stopping) {
                boolean ranLong = System.nanoTime() - p.startedNanos >= TimeUnit.MILLISECONDS.toNanos(maxBackoffMillis);
                backoffMillis = backoffMillis == 0 || ranLong ? FIRST_BACKOFF_MILLIS
                        : Math.min(backoffMillis * 2, maxBackoffMillis);
                delay = backoffMillis;
                if (ready == null || ready.future().isComplete()) {
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
        p.out.add(END_OF_INPUT);
        JsonRpcException error = UpstreamErrors.unavailable(config.name(), "process exited with code " + code);
        for (Call call : pending.values()) {
            if (call.proc == p) {
                settle(call, Future.failedFuture(error));
            }
        }
        if (p.stopping) {
            LOG.debugf("Backend %s: pid %d exited with code %d", config.name(), p.process.pid(), code);
        } else if (delay >= 0) {
            LOG.warnf("Backend %s: process %d exited with code %d; restarting in %d ms", config.name(),
                    p.process.pid(), code, delay);
        } else {
            LOG.warnf("Backend %s: process %d exited with code %d before it was initialized", config.name(),
                    p.process.pid(), code);
        }
    }

    /**
     * Ends a process the way the spec asks: close its input, then SIGTERM, then SIGKILL after a grace.
     * Waits only when asked and off the event loop.
     */
    private void stop(Proc p, boolean wait) {
        p.stopping = true;
        p.out.add(END_OF_INPUT);
        // Descendants are no longer ours once the parent is gone, so take them first.
        List<ProcessHandle> descendants = p.process.descendants().toList();
        Runnable kill = () -> {
            p.process.destroy();
            descendants.forEach(ProcessHandle::destroy);
            try {
                if (!p.process.waitFor(KILL_GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
                    p.process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.process.destroyForcibly();
            }
            descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        };
        if (wait && !Context.isOnEventLoopThread()) {
            kill.run();
        } else {
            Thread.ofVirtual().name("stdio-stop-" + config.name()).start(kill);
        }
    }

    private ProcessBuilder processBuilder() {
        List<String> command = new ArrayList<>();
        command.add(config.command());
        if (config.args() != null) {
            command.addAll(config.args());
        }
        ProcessBuilder pb = new ProcessBuilder(command);
        if (config.env() != null) {
            pb.environment().putAll(config.env());
        }
        if (config.cwd() != null && !config.cwd().isBlank()) {
            pb.directory(new File(config.cwd()));
        }
        return pb.redirectInput(ProcessBuilder.Redirect.PIPE)
                .redirectOutput(ProcessBuilder.Redirect.PIPE)
                .redirectError(ProcessBuilder.Redirect.PIPE);
    }

    private String commandLine() {
        return config.args() == null || config.args().isEmpty() ? config.command()
                : config.command() + " " + String.join(" ", config.args());
    }

    private synchronized Proc runningProcess() {
        if (ready == null || !ready.future().succeeded()) {
            return null;
        }
        Proc p = ready.future().result().proc();
        return p.exited ? null : p;
    }

    private static ObjectNode defaultInitParams() {
        // A replica that never saw open() for this backend (the session came from another one).
        ObjectNode params = JsonNodeFactory.instance.objectNode();
        params.putObject("clientInfo").put("name", "mcp-gateway").put("version", "1");
        return shared(params);
    }

    /**
     * One process serves every session, so it is offered everything the gateway can route back to
     * a client, at the newest revision, whichever session happened to start it.
     */
    private static ObjectNode shared(ObjectNode params) {
        ObjectNode p = params.deepCopy();
        p.put("protocolVersion", ProtocolVersions.LATEST);
        ObjectNode caps = p.putObject("capabilities");
        caps.putObject("sampling");
        ObjectNode elicitation = caps.putObject("elicitation");
        elicitation.putObject("form");
        elicitation.putObject("url");
        caps.putObject("roots").put("listChanged", true);
        return p;
    }

    // ---- requests -----------------------------------------------------------------------------

    private void whenReady(Call call) {
        start(null).onComplete(ar -> {
            if (ar.failed()) {
                settle(call, Future.failedFuture(asJsonRpc(ar.cause())));
            } else {
                dispatch(call, ar.result().proc());
            }
        });
    }

    private void dispatch(Call call, Proc p) {
        if (call.done.get()) {
            return;
        }
        long id = ids.incrementAndGet();
        call.proc = p;
        call.upstreamId = id;
        pending.put(id, call);
        if (p.exited) {
            // It died between becoming ready and now: wait for the restart like a newcomer.
            if (pending.remove(id, call)) {
                call.upstreamId = 0;
                call.proc = null;
                whenReady(call);
            }
            return;
        }
        if (call.done.get()) {
            pending.remove(id, call);
            return;
        }
        p.write(JsonRpcCodec.encode(rewrite(call, id)));
    }

    /** The request as the process sees it: our id, and our progress token if it asked for progress. */
    private static JsonRpcRequest rewrite(Call call, long id) {
        JsonRpcRequest out = call.request.withId(LongNode.valueOf(id));
        if (call.progressToken == null) {
            return out;
        }
        ObjectNode params = JsonNodeFactory.instance.objectNode();
        params.setAll(call.request.params());
        ObjectNode meta = ((ObjectNode) call.request.params().get("_meta")).deepCopy();
        meta.put("progressToken", id);
        params.set("_meta", meta);
        return out.withParams(params);
    }

    private void timedOut(Call call) {
        long id = call.upstreamId;
        Proc p = call.proc;
        if (!settle(call, Future.failedFuture(UpstreamErrors.timeout(config.name(), timeoutMillis)))) {
            return;
        }
        LOG.debugf("Backend %s: %s %s timed out after %d ms", config.name(), call.request.method(), call.request.id(),
                timeoutMillis);
        // The spec forbids cancelling initialize.
        if (id != 0 && p != null && !p.exited && !McpMethods.INITIALIZE.equals(call.request.method())) {
            p.write(JsonRpcCodec.encode(cancelled(id, "timed out at the gateway")));
        }
    }

    /** A client cancels its request by its own id; translate it to the process's id. */
    private void cancel(JsonRpcNotification notification) {
        JsonNode requestId = notification.params() == null ? null : notification.params().get("requestId");
        if (requestId == null) {
            return;
        }
        List<Call> matches = new ArrayList<>(1);
        for (Call c : pending.values()) {
            if (requestId.equals(c.request.id()) && !McpMethods.INITIALIZE.equals(c.request.method())) {
                matches.add(c);
            }
        }
        if (matches.size() != 1) {
            // Sessions share the process, so two of them may use the same id at once; the
            // notification does not say whose, and cancelling the wrong one would be worse.
            LOG.debugf("Backend %s: cancellation of %s matches %d requests; not forwarded", config.name(), requestId,
                    matches.size());
            return;
        }
        Call call = matches.get(0);
        long id = call.upstreamId;
        Proc p = call.proc;
        String reason = notification.params().path("reason").asText(null);
        if (settle(call, Future.failedFuture(new JsonRpcException(new JsonRpcError(ErrorCodes.INTERNAL_ERROR,
                "Request to backend '" + config.name() + "' was cancelled",
                JsonNodeFactory.instance.objectNode().put("backend", config.name())))))) {
            p.write(JsonRpcCodec.encode(cancelled(id, reason)));
        }
    }

    private static JsonRpcNotification cancelled(long id, String reason) {
        ObjectNode params = JsonNodeFactory.instance.objectNode();
        params.put("requestId", id);
        if (reason != null) {
            params.put("reason", reason);
        }
        return new JsonRpcNotification(McpMethods.NOTIFICATIONS_CANCELLED, params);
    }

    /** Ends a call once, on the context that sent it. */
    private boolean settle(Call call, AsyncResult<JsonRpcResponse> outcome) {
        if (!call.done.compareAndSet(false, true)) {
            return false;
        }
        vertx.cancelTimer(call.timer);
        if (call.upstreamId != 0) {
            pending.remove(call.upstreamId, call);
        }
        Multiplexing.run(call.context, () -> call.result.handle(outcome));
        return true;
    }

    // ---- what the process says ------------------------------------------------------------

    private void received(Proc p, String line) {
        List<JsonRpcMessage> messages;
        try {
            messages = JsonRpcCodec.decodeAll(JsonRpcCodec.parseTree(line.getBytes(StandardCharsets.UTF_8)));
        } catch (JsonRpcException e) {
            LOG.warnf("Backend %s wrote a line to stdout that is not JSON-RPC (%s): %s", config.name(), e.getMessage(),
                    line.length() > 200 ? line.substring(0, 200) + "…" : line);
            return;
        }
        for (JsonRpcMessage m : messages) {
            route(p, m);
        }
    }

    private void route(Proc p, JsonRpcMessage message) {
        switch (message) {
            case JsonRpcResponse r -> {
                long id = Multiplexing.numeric(r.id());
                Call call = id == 0 ? null : pending.get(id);
                if (call == null) {
                    LOG.debugf("Backend %s answered %s, which is no longer pending", config.name(), r.id());
                    return;
                }
                settle(call, Future.succeededFuture(r.withId(call.request.id())));
            }
            case JsonRpcNotification n when McpMethods.NOTIFICATIONS_PROGRESS.equals(n.method()) -> progress(n);
            case JsonRpcNotification n when McpMethods.NOTIFICATIONS_CANCELLED.equals(n.method()) -> {
                // It cancels one of its own requests, which went to the latest request's sink.
                Call call = latest(p);
                if (call != null) {
                    deliver(call.context, call.sink, n);
                } else {
                    broadcast(n);
                }
            }
            case JsonRpcNotification n -> broadcast(n);
            case JsonRpcRequest q -> serverRequest(p, q);
        }
    }

    private void progress(JsonRpcNotification n) {
        JsonNode token = n.params() == null ? null : n.params().get("progressToken");
        long id = Multiplexing.numeric(token);
        Call call = id == 0 ? null : pending.get(id);
        if (call == null || call.progressToken == null) {
            LOG.debugf("Backend %s sent progress for unknown token %s", config.name(), token);
            return;
        }
        ObjectNode params = n.params().deepCopy();
        params.set("progressToken", call.progressToken);
        deliver(call.context, call.sink, new JsonRpcNotification(n.method(), params));
    }

    private void serverRequest(Proc p, JsonRpcRequest q) {
        if (McpMethods.PING.equals(q.method())) {
            // The process is the gateway's, so the gateway answers whether it is alive.
            p.write(JsonRpcCodec.encode(JsonRpcResponse.result(q.id(), JsonNodeFactory.instance.objectNode())));
            return;
        }
        Call call = latest(p);
        if (call != null) {
            deliver(call.context, call.sink, q);
            return;
        }
        Listener listener = null;
        for (Listener l : listeners) {
            listener = l;
        }
        if (listener != null) {
            // One answer is wanted, so the most recent listener gets it rather than all of them.
            deliver(listener.context, listener.sink, q);
            return;
        }
        p.write(JsonRpcCodec.encode(JsonRpcResponse.error(q.id(), new JsonRpcError(ErrorCodes.METHOD_NOT_FOUND,
                "No client of the gateway is waiting on this server to answer " + q.method()))));
    }

    /** The most recently sent request still in flight on that process. */
    private Call latest(Proc p) {
        Call best = null;
        for (Call c : pending.values()) {
            if (c.proc == p && !McpMethods.INITIALIZE.equals(c.request.method())
                    && (best == null || c.upstreamId > best.upstreamId)) {
                best = c;
            }
        }
        return best;
    }

    private void broadcast(JsonRpcMessage message) {
        for (Listener l : listeners) {
            // Each sink gets its own copy: sinks may annotate what they forward.
            deliver(l.context, l.sink, Multiplexing.copy(message));
        }
    }

    private void deliver(Context context, UpstreamSink sink, JsonRpcMessage message) {
        Multiplexing.run(context, () -> {
            try {
                sink.onMessage(message);
            } catch (RuntimeException e) {
                LOG.errorf(e, "Backend %s: a sink failed on a message", config.name());
            }
        });
    }

    private JsonRpcException asJsonRpc(Throwable t) {
        if (t instanceof JsonRpcException e) {
            return e;
        }
        String msg = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return UpstreamErrors.unavailable(config.name(), msg);
    }

    // ---- types ----------------------------------------------------------------------------

    private record Ready(Proc proc, UpstreamSession session) {
    }

    /** A listen() registration; identity matters, so not a record. */
    private static final class Listener {
        final Context context;
        final UpstreamSink sink;

        Listener(Context context, UpstreamSink sink) {
            this.context = context;
            this.sink = sink;
        }
    }

    /** One request from a client session, from arrival to its response, error or timeout. */
    private static final class Call {
        final JsonRpcRequest request;
        final UpstreamSink sink;
        /** Where the caller waits; null for the gateway's own initialize. */
        final Context context;
        final JsonNode progressToken;
        final Promise<JsonRpcResponse> result = Promise.promise();
        final AtomicBoolean done = new AtomicBoolean();
        volatile long upstreamId;
        volatile Proc proc;
        volatile long timer = -1;

        Call(JsonRpcRequest request, UpstreamSink sink, Context context) {
            this.request = request;
            this.sink = sink;
            this.context = context;
            JsonNode meta = request.params() == null ? null : request.params().get("_meta");
            this.progressToken = meta instanceof ObjectNode m ? m.get("progressToken") : null;
        }
    }

    /** One child process and its three pumping threads. */
    private final class Proc {
        final Process process;
        final long startedNanos = System.nanoTime();
        final BlockingQueue<byte[]> out = new LinkedBlockingQueue<>();
        volatile boolean initialized;
        volatile boolean exited;
        volatile boolean stopping;
        Thread reader;

        Proc(Process process) {
            this.process = process;
        }

        void write(byte[] line) {
            if (!exited) {
                out.add(line);
            }
        }

        void startThreads() {
            String suffix = config.name() + "-" + process.pid();
            reader = daemon("stdio-out-" + suffix, this::readStdout);
            daemon("stdio-err-" + suffix, this::readStderr);
            daemon("stdio-in-" + suffix, this::writeStdin);
        }

        private Thread daemon(String name, Runnable body) {
            Thread t = new Thread(body, name);
            t.setDaemon(true);
            t.start();
            return t;
        }

        private void readStdout() {
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.isBlank()) {
                        continue;
                    }
                    try {
                        received(this, line);
                    } catch (RuntimeException e) {
                        LOG.errorf(e, "Backend %s: failed to route a message", config.name());
                    }
                }
            } catch (IOException e) {
                LOG.debugf("Backend %s: stdout closed: %s", config.name(), e.getMessage());
            }
        }

        private void readStderr() {
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    LOG.infof("Backend %s (stderr): %s", config.name(), line);
                }
            } catch (IOException e) {
                LOG.debugf("Backend %s: stderr closed: %s", config.name(), e.getMessage());
            }
        }

        private void writeStdin() {
            try (OutputStream os = process.getOutputStream()) {
                while (true) {
                    byte[] line = out.take();
                    if (line == END_OF_INPUT) {
                        return;
                    }
                    os.write(line);
                    os.write('\n');
                    if (out.isEmpty()) {
                        os.flush();
                    }
                }
            } catch (IOException e) {
                if (!exited && !stopping) {
                    // It closed its input but lives on: nothing more can reach it, so replace it.
                    LOG.warnf("Backend %s: writing to pid %d failed (%s); stopping it", config.name(), process.pid(),
                            e.getMessage());
                    process.destroy();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
