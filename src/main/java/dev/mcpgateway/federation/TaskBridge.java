package dev.mcpgateway.federation;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.jsonrpc.ErrorCodes;
import dev.mcpgateway.jsonrpc.JsonRpcError;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import dev.mcpgateway.jsonrpc.JsonRpcNotification;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.jsonrpc.McpMethods;
import dev.mcpgateway.jsonrpc.ModernMeta;
import dev.mcpgateway.jsonrpc.ProtocolVersions;
import dev.mcpgateway.security.Caller;
import dev.mcpgateway.session.GatewaySession;
import dev.mcpgateway.upstream.UpstreamSession;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

/**
 * Tasks across eras: a 2025-11-25 client's experimental tasks on a backend that offers the
 * 2026-07-28 tasks extension, and a 2026-07-28 client's extension tasks on a 2025-11-25 backend.
 * Creation, status, result, cancellation and status notifications are translated; the task id is
 * the backend's own, prefixed with the backend like every task id, so any replica that finds the
 * session routes it. The gateway keeps no task state: what it needs it asks the backend.
 */
@Singleton
class TaskBridge {

    private static final Logger LOG = Logger.getLogger(TaskBridge.class);
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    /** Status changes are observed by polling; never faster than this, whatever the backend suggests. */
    static final long MIN_POLL_MILLIS = 50;
    /** ... and never slower than this, so a notification follows a change promptly. */
    static final long MAX_POLL_MILLIS = 2_000;
    /** How long a 2025-11-25 {@code tasks/result} waits for a task without a TTL. */
    static final long MAX_WAIT_MILLIS = 10 * 60_000;
    /** How long what a backend's listing said about its tools' task support is reused. */
    static final long TOOL_INFO_MILLIS = 30_000;
    private static final int MAX_TOOL_PAGES = 20;

    /** Which way a backend's tasks cross, for one client session. */
    enum Crossing {
        /** Same era (or no tasks): everything passes through. */
        NONE,
        /** A 2025-11-25 client, a backend with the 2026-07-28 extension. */
        TO_EXTENSION,
        /** A 2026-07-28 client, a 2025-11-25 backend with experimental tasks. */
        TO_EXPERIMENTAL
    }

    private final Forwarder forwarder;
    private final Vertx vertx;
    private final AtomicLong ids = new AtomicLong();
    /** Which tools of a 2025-11-25 backend take tasks, by route and backend. */
    private final Map<String, ToolTasks> toolTasks = new ConcurrentHashMap<>();

    private record ToolTasks(Map<String, String> support, long at) {
    }

    @Inject
    TaskBridge(Forwarder forwarder, Vertx vertx) {
        this.forwarder = forwarder;
        this.vertx = vertx;
    }

    static Crossing crossing(GatewaySession session, UpstreamSession upstream) {
        if (upstream == null) {
            return Crossing.NONE;
        }
        boolean modernClient = ProtocolVersions.isModern(session.protocolVersion());
        boolean modernUpstream = ProtocolVersions.isModern(upstream.protocolVersion());
        if (!modernClient && modernUpstream && TaskShapes.declaresExtension(upstream.capabilities())) {
            return Crossing.TO_EXTENSION;
        }
        if (modernClient && !modernUpstream && upstream.has("tasks")) {
            return Crossing.TO_EXPERIMENTAL;
        }
        return Crossing.NONE;
    }

    // ---- creation ----------------------------------------------------------------------------

    /** {@code tools/call} toward one backend (name already the backend's); task ids in the answer are the backend's. */
    Future<JsonRpcResponse> callTool(Route route, GatewaySession session, Caller caller, String backend,
            JsonRpcRequest request, ClientSink sink) {
        UpstreamSession upstream = session.upstream(backend);
        switch (crossing(session, upstream)) {
            case TO_EXTENSION -> {
                // The 2025-11-25 opt-in is per request; the extension's is the per-request capability.
                if (request.params().remove("task") == null) {
                    return forwarder.forward(route, session, caller, backend, request, sink);
                }
                declareExtension(session, request.params());
                return forwarder.forward(route, session, caller, backend, request, sink).map(TaskBridge::createdForLegacy);
            }
            case TO_EXPERIMENTAL -> {
                if (!TaskShapes.offersLegacyToolTasks(upstream.capabilities())) {
                    return forwarder.forward(route, session, caller, backend, request, sink);
                }
                ObjectNode meta = ModernMeta.of(request);
                boolean declared = TaskShapes.declaresExtension(meta == null ? null : meta.get(ModernMeta.CLIENT_CAPABILITIES));
                String tool = request.paramText("name");
                return taskSupport(route, session, caller, backend, tool).compose(support -> {
                    // "optional": the client may ask for a task; "required": it MUST.
                    boolean required = "required".equals(support);
                    if (!required && !(declared && "optional".equals(support))) {
                        return forwarder.forward(route, session, caller, backend, request, sink);
                    }
                    request.params().putObject("task");
                    return forwarder.forward(route, session, caller, backend, request, sink).compose(created -> {
                        if (!(created.result() instanceof ObjectNode res && res.get("task") instanceof ObjectNode task)) {
                            return Future.succeededFuture(created);
                        }
                        if (declared) {
                            return Future.succeededFuture(createdForModern(created));
                        }
                        // "A server MUST NOT return CreateTaskResult to a client that did not include the
                        // extension": the gateway waits for the task and answers its outcome.
                        Target t = new Target(route, session, caller, backend, task.path("taskId").asText(),
                                ClientSink.DISCARD);
                        return awaitTerminal(t, request.id(), null, System.currentTimeMillis(), d -> {
                        }, new AtomicBoolean()).map(d -> outcome(request.id(), d, Names.prefixName(backend, t.taskId)));
                    });
                });
            }
            default -> {
                return forwarder.forward(route, session, caller, backend, request, sink);
            }
        }
    }

    private static JsonRpcResponse createdForLegacy(JsonRpcResponse r) {
        if (r.result() instanceof ObjectNode res
                && TaskShapes.RESULT_TYPE_TASK.equals(res.path(ModernMeta.RESULT_TYPE).asText())) {
            ObjectNode out = JSON.objectNode();
            out.set("task", TaskShapes.toLegacy(res));
            return JsonRpcResponse.result(r.id(), out);
        }
        // The backend answered at once: the result itself, as a receiver that took no task answers.
        return r;
    }

    private static JsonRpcResponse createdForModern(JsonRpcResponse r) {
        if (r.result() instanceof ObjectNode res && res.get("task") instanceof ObjectNode task) {
            ObjectNode out = TaskShapes.toModern(task);
            out.put(ModernMeta.RESULT_TYPE, TaskShapes.RESULT_TYPE_TASK);
            if (res.get("_meta") instanceof ObjectNode meta) {
                out.set("_meta", meta);
            }
            return JsonRpcResponse.result(r.id(), out);
        }
        return r;
    }

    /**
     * A 2025-11-25 tool's {@code execution.taskSupport} ("forbidden" when absent), from the backend's
     * own listing. Kept briefly per route and backend: it describes the backend, not a task, so any
     * replica may learn it again.
     */
    private Future<String> taskSupport(Route route, GatewaySession session, Caller caller, String backend, String tool) {
        String key = route.name() + "\0" + backend;
        ToolTasks known = toolTasks.get(key);
        long now = System.currentTimeMillis();
        if (known != null && now - known.at() < TOOL_INFO_MILLIS) {
            return Future.succeededFuture(known.support().getOrDefault(tool, "forbidden"));
        }
        return listTaskSupport(route, session, caller, backend, null, new HashMap<>(), 0).map(support -> {
            toolTasks.put(key, new ToolTasks(Map.copyOf(support), now));
            return support.getOrDefault(tool, "forbidden");
        });
    }

    private Future<Map<String, String>> listTaskSupport(Route route, GatewaySession session, Caller caller, String backend,
            String cursor, Map<String, String> into, int page) {
        ObjectNode params = JSON.objectNode();
        if (cursor != null) {
            params.put("cursor", cursor);
        }
        JsonRpcRequest list = new JsonRpcRequest(JSON.textNode("task-support-" + ids.incrementAndGet()), McpMethods.TOOLS_LIST,
                params);
        return forwarder.forward(route, session, caller, backend, list, ClientSink.DISCARD).compose(r -> {
            if (r.isError() || r.result() == null) {
                return Future.succeededFuture(into);
            }
            for (JsonNode t : r.result().path("tools")) {
                String support = t.path("execution").path("taskSupport").asText(null);
                if (t.hasNonNull("name") && support != null) {
                    into.put(t.get("name").asText(), support);
                }
            }
            String next = r.result().path("nextCursor").asText(null);
            return next == null || page + 1 >= MAX_TOOL_PAGES ? Future.succeededFuture(into)
                    : listTaskSupport(route, session, caller, backend, next, into, page + 1);
        });
    }

    // ---- tasks/get, tasks/result, tasks/cancel, tasks/update -----------------------------------

    /**
     * A task request of a client for a backend of the other era ({@code params.taskId} already the
     * backend's id). Task ids in the answer are the backend's.
     */
    Future<JsonRpcResponse> byTask(Route route, GatewaySession session, Caller caller, String backend,
            JsonRpcRequest request, ClientSink sink) {
        String taskId = request.paramText("taskId");
        Crossing crossing = crossing(session, session.upstream(backend));
        Target t = new Target(route, session, caller, backend, taskId, sink);
        if (crossing == Crossing.TO_EXTENSION) {
            return switch (request.method()) {
                case McpMethods.TASKS_GET -> t.detailed(request.id()).map(d -> ok(request, TaskShapes.toLegacy(d)));
                case McpMethods.TASKS_RESULT -> result(t, request);
                case McpMethods.TASKS_CANCEL -> cancelForLegacy(t, request);
                default -> forwarder.forward(route, session, caller, backend, request, sink);
            };
        }
        return switch (request.method()) {
            case McpMethods.TASKS_GET -> t.detailed(request.id()).map(d -> ok(request, d));
            case McpMethods.TASKS_CANCEL ->
                t.send(request.id(), McpMethods.TASKS_CANCEL).map(r -> ok(request, JSON.objectNode()));
            case McpMethods.TASKS_UPDATE -> Future.failedFuture(new JsonRpcException(ErrorCodes.INVALID_PARAMS,
                    "Invalid params: task " + taskId + " runs on a backend of revision " + ProtocolVersions.V2025_11_25
                            + ", whose tasks take no tasks/update"));
            default -> forwarder.forward(route, session, caller, backend, request, sink);
        };
    }

    private static JsonRpcResponse ok(JsonRpcRequest request, ObjectNode result) {
        return JsonRpcResponse.result(request.id(), result);
    }

    /**
     * 2025-11-25 {@code tasks/result}: "MUST block the response until the task reaches a terminal
     * status", then answer "exactly what the underlying request would have returned". Status changes
     * seen while waiting go to the client as {@code notifications/tasks/status} on this stream.
     */
    private Future<JsonRpcResponse> result(Target t, JsonRpcRequest request) {
        String shownId = Names.prefixName(t.backend, t.taskId);
        Consumer<ObjectNode> notify = d -> {
            ObjectNode params = TaskShapes.toLegacy(d);
            params.put("taskId", shownId);
            t.sink.send(new JsonRpcNotification(McpMethods.NOTIFICATIONS_TASKS_STATUS, params));
        };
        return awaitTerminal(t, request.id(), null, System.currentTimeMillis(), notify, new AtomicBoolean())
                .map(d -> outcome(request.id(), d, shownId));
    }

    /** What the task's underlying request would have returned: its result (naming the task) or its error. */
    private static JsonRpcResponse outcome(JsonNode id, ObjectNode d, String shownId) {
        return switch (d.path("status").asText()) {
            case TaskShapes.COMPLETED -> {
                ObjectNode res = d.get("result") instanceof ObjectNode r ? r.deepCopy() : JSON.objectNode();
                res.remove(ModernMeta.RESULT_TYPE);
                ObjectNode meta = ModernMeta.ensure(res);
                meta.putObject(TaskShapes.RELATED_TASK).put("taskId", shownId);
                yield JsonRpcResponse.result(id, res);
            }
            case TaskShapes.FAILED -> JsonRpcResponse.error(id, error(d.get("error")));
            default -> JsonRpcResponse.error(id,
                    new JsonRpcError(ErrorCodes.REQUEST_CANCELLED, "Task " + shownId + " was cancelled"));
        };
    }

    private static JsonRpcError error(JsonNode e) {
        if (e == null || !e.isObject()) {
            return new JsonRpcError(ErrorCodes.INTERNAL_ERROR, "The task failed without an error");
        }
        return new JsonRpcError(e.path("code").asInt(ErrorCodes.INTERNAL_ERROR), e.path("message").asText("Task failed"),
                e.get("data"));
    }

    /**
     * 2025-11-25 {@code tasks/cancel} answers the task: a terminal one is refused with -32602 ("MUST
     * reject cancellation requests for tasks already in a terminal status"), otherwise the extension's
     * acknowledgement is followed by a fresh status.
     */
    private Future<JsonRpcResponse> cancelForLegacy(Target t, JsonRpcRequest request) {
        return t.detailed(request.id()).compose(before -> {
            String status = before.path("status").asText();
            if (TaskShapes.terminal(status)) {
                throw new JsonRpcException(ErrorCodes.INVALID_PARAMS,
                        "Invalid params: task " + Names.prefixName(t.backend, t.taskId) + " is already " + status);
            }
            return t.send(request.id(), McpMethods.TASKS_CANCEL).compose(ack -> t.detailed(request.id()))
                    .map(after -> ok(request, TaskShapes.toLegacy(after)));
        });
    }

    /** Polls a task until it is terminal (or {@code stopped}), telling {@code onChange} each status seen. */
    private Future<ObjectNode> awaitTerminal(Target t, JsonNode id, String lastSeen, long started,
            Consumer<ObjectNode> onChange,
            AtomicBoolean stopped) {
        return t.detailed(id).compose(d -> {
            String status = d.path("status").asText();
            String seen = status + "\0" + d.path("statusMessage").asText("");
            if (!seen.equals(lastSeen)) {
                onChange.accept(d);
            }
            if (TaskShapes.terminal(status) || stopped.get()) {
                return Future.succeededFuture(d);
            }
            long ttl = d.path("ttlMs").isNumber() ? d.get("ttlMs").asLong() : MAX_WAIT_MILLIS;
            if (System.currentTimeMillis() - started > Math.min(ttl, MAX_WAIT_MILLIS)) {
                return Future.failedFuture(new JsonRpcException(ErrorCodes.UPSTREAM_TIMEOUT,
                        "Task " + Names.prefixName(t.backend, t.taskId) + " did not finish within its time to live"));
            }
            long delay = Math.max(MIN_POLL_MILLIS, Math.min(MAX_POLL_MILLIS, d.path("pollIntervalMs").asLong(500)));
            Promise<ObjectNode> next = Promise.promise();
            vertx.setTimer(delay, x -> awaitTerminal(t, id, seen, started, onChange, stopped).onComplete(next));
            return next.future();
        });
    }

    // ---- status notifications for 2026-07-28 listen streams ------------------------------------

    /**
     * Watches tasks a 2026-07-28 client named in {@code subscriptions/listen} (ids as the client
     * knows them) and sends {@code notifications/tasks} with the full task on every status change,
     * until the task is terminal or the stream closes. Works for backends of either era: the state
     * is asked of the backend, so the stream's replica needs nothing but the session.
     */
    McpRouter.Pump watch(Route route, GatewaySession session, Caller caller, List<String> taskIds, ClientSink sink) {
        AtomicBoolean stopped = new AtomicBoolean();
        List<String> watching = new ArrayList<>();
        for (String shown : taskIds) {
            Names.Qualified q = Names.splitName(shown);
            if (q == null || session.upstream(q.backend()) == null) {
                continue;
            }
            watching.add(shown);
            Target t = new Target(route, session, caller, q.backend(), q.name(), sink);
            Consumer<ObjectNode> notify = d -> {
                if (!stopped.get()) {
                    ObjectNode params = d.deepCopy();
                    params.put("taskId", shown);
                    sink.send(new JsonRpcNotification(McpMethods.NOTIFICATIONS_TASKS, params));
                }
            };
            awaitTerminal(t, JSON.textNode("task-watch-" + ids.incrementAndGet()), null, System.currentTimeMillis(), notify,
                    stopped).onFailure(e -> LOG.debugf("Stopped watching task %s: %s", shown, e.getMessage()));
        }
        LOG.debugf("Watching tasks %s of session %s", watching, session.id());
        return () -> stopped.set(true);
    }

    // ---- one task on one backend ---------------------------------------------------------------

    /** A task of one backend, by the backend's own id. */
    private final class Target {
        final Route route;
        final GatewaySession session;
        final Caller caller;
        final String backend;
        final String taskId;
        final ClientSink sink;
        final boolean modernUpstream;

        Target(Route route, GatewaySession session, Caller caller, String backend, String taskId, ClientSink sink) {
            this.route = route;
            this.session = session;
            this.caller = caller;
            this.backend = backend;
            this.taskId = taskId;
            this.sink = sink;
            UpstreamSession u = session.upstream(backend);
            this.modernUpstream = u != null && ProtocolVersions.isModern(u.protocolVersion());
        }

        /** One task request to the backend; a JSON-RPC error fails the future with that error. */
        Future<JsonNode> send(JsonNode id, String method) {
            ObjectNode params = JSON.objectNode().put("taskId", taskId);
            if (modernUpstream) {
                declareExtension(session, params);
            }
            return forwarder
                    .forward(route, session, caller, backend, new JsonRpcRequest(id, method, params), ClientSink.DISCARD)
                    .map(r -> {
                        if (r.isError()) {
                            throw new JsonRpcException(error(r.error()));
                        }
                        return r.result() == null ? JSON.objectNode() : r.result();
                    });
        }

        /**
         * The task as a 2026-07-28 {@code DetailedTask} (no {@code resultType}): a 2025-11-25 backend's
         * task gets its result or error from {@code tasks/result} once terminal.
         */
        Future<ObjectNode> detailed(JsonNode id) {
            return send(id, McpMethods.TASKS_GET).compose(got -> {
                if (modernUpstream) {
                    ObjectNode d = got instanceof ObjectNode o ? o.deepCopy() : JSON.objectNode();
                    d.remove(ModernMeta.RESULT_TYPE);
                    d.remove("_meta");
                    return Future.succeededFuture(d);
                }
                ObjectNode d = TaskShapes.toModern(got);
                String status = d.path("status").asText();
                if (TaskShapes.INPUT_REQUIRED.equals(status)) {
                    // A 2025-11-25 backend asks on the tasks/result stream; those requests are not bridged.
                    d.putObject("inputRequests");
                }
                if (!TaskShapes.COMPLETED.equals(status) && !TaskShapes.FAILED.equals(status)) {
                    return Future.succeededFuture(d);
                }
                // Terminal: tasks/result answers at once with the underlying result or error.
                return send(id, McpMethods.TASKS_RESULT).map(result -> {
                    ObjectNode r = result instanceof ObjectNode o ? o.deepCopy() : JSON.objectNode();
                    if (r.get("_meta") instanceof ObjectNode meta) {
                        meta.remove(TaskShapes.RELATED_TASK);
                        if (meta.isEmpty()) {
                            r.remove("_meta");
                        }
                    }
                    d.set("result", r);
                    return d;
                }).recover(e -> {
                    if (e instanceof JsonRpcException j) {
                        d.put("status", TaskShapes.FAILED);
                        d.set("error", j.error().toJson());
                        return Future.succeededFuture(d);
                    }
                    return Future.failedFuture(e);
                });
            });
        }
    }

    /** Adds the extension to the client capabilities a request declares toward a 2026-07-28 backend. */
    private static void declareExtension(GatewaySession session, ObjectNode params) {
        ObjectNode meta = ModernMeta.ensure(params);
        ObjectNode caps = meta.get(ModernMeta.CLIENT_CAPABILITIES) instanceof ObjectNode c ? c
                : session.clientCapabilities() instanceof ObjectNode s ? s.deepCopy() : JSON.objectNode();
        (caps.get("extensions") instanceof ObjectNode e ? e : caps.putObject("extensions")).putObject(TaskShapes.EXTENSION);
        meta.set(ModernMeta.CLIENT_CAPABILITIES, caps);
    }
}
