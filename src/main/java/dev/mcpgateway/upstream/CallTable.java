package dev.mcpgateway.upstream;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.jsonrpc.ErrorCodes;
import dev.mcpgateway.jsonrpc.JsonRpcCodec;
import dev.mcpgateway.jsonrpc.JsonRpcError;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import dev.mcpgateway.jsonrpc.JsonRpcMessage;
import dev.mcpgateway.jsonrpc.JsonRpcNotification;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.jsonrpc.McpMethods;
import dev.mcpgateway.jsonrpc.ModernMeta;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

/**
 * The calls in flight on one upstream channel that carries no request ids of its own (a stdio
 * process, a legacy SSE session), and the routing of what that channel says back.
 * <p>
 * Requests go out under ids (and progress tokens) the table assigns, unique on the channel, and
 * their answers come back under the caller's. A channel serves either one owner (a client session or
 * principal) or many ({@code owner == null}). An owned channel may hand a server request to the
 * latest call of that owner, and notifications to its listeners. A shared channel delivers only what
 * it can attribute without doubt: responses by id and progress by token; it refuses server requests
 * toward the upstream and drops notifications that carry data, since it cannot tell whose they are.
 */
final class CallTable {

    private static final Logger LOG = Logger.getLogger(CallTable.class);

    /** Where the table writes what it says to the upstream itself (cancellations, pings, refusals). */
    @FunctionalInterface
    interface Outbound {
        Future<Void> send(JsonRpcMessage message);
    }

    private final Vertx vertx;
    private final String backend;
    /** The one owner this channel serves; null when it is shared among owners. */
    private final String owner;
    private final Outbound out;
    private final AtomicLong ids = new AtomicLong();
    /** Calls sent on the channel, by the id the upstream saw. */
    private final Map<Long, Call> pending = new ConcurrentHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    /** Calls not yet settled, sent or still waiting for the channel. */
    private final AtomicInteger open = new AtomicInteger();

    CallTable(Vertx vertx, String backend, String owner, Outbound out) {
        this.vertx = vertx;
        this.backend = backend;
        this.owner = owner;
        this.out = out;
    }

    /**
     * Starts the clock on a request; it goes on the wire with {@link #register}. A call without a
     * timeout ({@code timeoutMillis <= 0}: a {@code subscriptions/listen}) lasts until it is answered,
     * {@link #abandon abandoned} or its channel fails.
     */
    Call call(JsonRpcRequest request, UpstreamSink sink, Context context, String callOwner, long timeoutMillis) {
        Call call = new Call(request, sink, context, callOwner);
        open.incrementAndGet();
        if (timeoutMillis > 0) {
            call.timer = vertx.setTimer(timeoutMillis, t -> timedOut(call, timeoutMillis));
        }
        return call;
    }

    /**
     * Gives the call its id on the channel and answers the request to write, or null when the call
     * ended meanwhile. {@code via} tags the call with what carries it (a process) for
     * {@link #failAll}.
     */
    JsonRpcRequest register(Call call, Object via) {
        if (call.done.get()) {
            return null;
        }
        long id = ids.incrementAndGet();
        call.via = via;
        call.upstreamId = id;
        pending.put(id, call);
        if (call.done.get()) {
            pending.remove(id, call);
            return null;
        }
        return rewrite(call, id);
    }

    /** Takes back a call registered on a channel that died before it was written; true if it was still there. */
    boolean unregister(Call call) {
        if (pending.remove(call.upstreamId, call)) {
            call.upstreamId = 0;
            call.via = null;
            return true;
        }
        return false;
    }

    /** Ends a call once, on the context that sent it. */
    boolean settle(Call call, AsyncResult<JsonRpcResponse> outcome) {
        if (!call.done.compareAndSet(false, true)) {
            return false;
        }
        vertx.cancelTimer(call.timer);
        open.decrementAndGet();
        if (call.upstreamId != 0) {
            pending.remove(call.upstreamId, call);
        }
        Multiplexing.run(call.context, () -> call.result.handle(outcome));
        return true;
    }

    /** Fails every call carried by {@code via} (every call when null). */
    void failAll(Object via, JsonRpcException error) {
        for (Call call : new ArrayList<>(pending.values())) {
            if (via == null || call.via == via) {
                settle(call, Future.failedFuture(error));
            }
        }
    }

    /** Fails the pending call the upstream answered under {@code upstreamId}, if there is one. */
    boolean fail(long upstreamId, JsonRpcException error) {
        Call call = pending.get(upstreamId);
        return call != null && settle(call, Future.failedFuture(error));
    }

    UpstreamListener listen(Context context, UpstreamSink sink, String listenerOwner) {
        Listener listener = new Listener(context, sink, listenerOwner);
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    void clearListeners() {
        listeners.clear();
    }

    /** Nothing in flight and nobody listening. */
    boolean idle() {
        return open.get() == 0 && listeners.isEmpty();
    }

    // ---- what the caller says ------------------------------------------------------------------

    private void timedOut(Call call, long timeoutMillis) {
        long id = call.upstreamId;
        if (!settle(call, Future.failedFuture(UpstreamErrors.timeout(backend, timeoutMillis)))) {
            return;
        }
        LOG.debugf("Backend %s: %s %s timed out after %d ms", backend, call.request.method(), call.request.id(),
                timeoutMillis);
        // The spec forbids cancelling initialize; an unanswered server/discover is how a legacy server
        // shows itself, and it is to be initialized next, not told of requests it never knew.
        if (id != 0 && !McpMethods.INITIALIZE.equals(call.request.method())
                && !McpMethods.SERVER_DISCOVER.equals(call.request.method())) {
            tell(cancelled(id, "timed out at the gateway"));
        }
    }

    /** Ends a call its caller no longer wants and tells the upstream, by the channel's id, to stop it. */
    void abandon(Call call, String reason) {
        long id = call.upstreamId;
        if (settle(call, Future.failedFuture(new JsonRpcException(ErrorCodes.REQUEST_CANCELLED, reason))) && id != 0) {
            tell(cancelled(id, reason));
        }
    }

    /** A client cancels its request by its own id; translate it to the channel's id. */
    Future<Void> cancel(JsonRpcNotification notification) {
        JsonNode requestId = notification.params() == null ? null : notification.params().get("requestId");
        if (requestId == null) {
            return Future.succeededFuture();
        }
        List<Call> matches = new ArrayList<>(1);
        for (Call c : pending.values()) {
            if (requestId.equals(c.request.id()) && !McpMethods.INITIALIZE.equals(c.request.method())) {
                matches.add(c);
            }
        }
        if (matches.size() != 1) {
            // Two sessions on one channel may use the same id at once; the notification does not
            // say whose, and cancelling the wrong one would be worse than cancelling none.
            LOG.debugf("Backend %s: cancellation of %s matches %d requests; not forwarded", backend, requestId,
                    matches.size());
            return Future.succeededFuture();
        }
        Call call = matches.get(0);
        long id = call.upstreamId;
        String reason = notification.params().path("reason").asText(null);
        if (!settle(call, Future.failedFuture(new JsonRpcException(new JsonRpcError(ErrorCodes.INTERNAL_ERROR,
                "Request to backend '" + backend + "' was cancelled",
                JsonNodeFactory.instance.objectNode().put("backend", backend)))))) {
            return Future.succeededFuture();
        }
        return out.send(cancelled(id, reason));
    }

    // ---- what the upstream says ------------------------------------------------------------------

    /** Decodes one message (or batch) the upstream sent and routes each part. */
    void receive(byte[] json) {
        List<JsonRpcMessage> messages;
        try {
            messages = JsonRpcCodec.decodeAll(JsonRpcCodec.parseTree(json));
        } catch (JsonRpcException e) {
            String text = new String(json, 0, Math.min(json.length, 200), StandardCharsets.UTF_8);
            LOG.warnf("Backend %s sent a message that is not JSON-RPC (%s): %s%s", backend, e.getMessage(), text,
                    json.length > 200 ? "…" : "");
            return;
        }
        for (JsonRpcMessage m : messages) {
            route(m);
        }
    }

    void route(JsonRpcMessage message) {
        switch (message) {
            case JsonRpcResponse r -> {
                long id = Multiplexing.numeric(r.id());
                Call call = id == 0 ? null : pending.get(id);
                if (call == null) {
                    LOG.debugf("Backend %s answered %s, which is no longer pending", backend, r.id());
                    return;
                }
                settle(call, Future.succeededFuture(r.withId(call.request.id())));
            }
            case JsonRpcNotification n when McpMethods.NOTIFICATIONS_PROGRESS.equals(n.method()) -> progress(n);
            case JsonRpcNotification n -> notification(n);
            case JsonRpcRequest q -> serverRequest(q);
        }
    }

    private void progress(JsonRpcNotification n) {
        JsonNode token = n.params() == null ? null : n.params().get("progressToken");
        long id = Multiplexing.numeric(token);
        Call call = id == 0 ? null : pending.get(id);
        if (call == null || call.progressToken == null) {
            LOG.debugf("Backend %s sent progress for unknown token %s", backend, token);
            return;
        }
        ObjectNode params = n.params().deepCopy();
        params.set("progressToken", call.progressToken);
        deliver(call.context, call.sink, new JsonRpcNotification(n.method(), params));
    }

    private void notification(JsonRpcNotification n) {
        Call ended = McpMethods.NOTIFICATIONS_CANCELLED.equals(n.method()) && n.params() != null
                ? listenCall(Multiplexing.numeric(n.params().get("requestId")))
                : null;
        if (ended != null) {
            // 2026-07-28: "On stdio, the server also sends this notification, solely to terminate a
            // subscriptions/listen stream".
            settle(ended, Future.failedFuture(UpstreamErrors.unavailable(backend, "it ended the subscription")));
            return;
        }
        Call listen = subscription(n);
        if (listen != null) {
            // 2026-07-28: "clients MUST use this field to correlate notifications with their originating
            // subscription", so it belongs to that subscription's caller alone, on a shared channel too.
            deliver(listen.context, listen.sink, n);
            return;
        }
        if (owner == null) {
            // Shared: a list change carries no data, so every session may learn of it; anything
            // else (log lines, resource updates, cancellations) may be one session's business.
            if (n.method() != null && n.method().startsWith("notifications/") && n.method().endsWith("/list_changed")) {
                broadcast(n);
            } else {
                LOG.debugf("Backend %s sent %s on a process shared by sessions; dropped, whose it is cannot be told",
                        backend, n.method());
            }
            return;
        }
        if (McpMethods.NOTIFICATIONS_CANCELLED.equals(n.method())) {
            // It cancels one of its own requests, which went to its owner's latest call.
            Call call = latestOf(owner);
            if (call != null) {
                deliver(call.context, call.sink, n);
                return;
            }
        }
        broadcast(n);
    }

    private void serverRequest(JsonRpcRequest q) {
        if (McpMethods.PING.equals(q.method())) {
            // The channel is the gateway's, so the gateway answers whether it is alive.
            tell(JsonRpcResponse.result(q.id(), JsonNodeFactory.instance.objectNode()));
            return;
        }
        if (owner == null) {
            LOG.infof("Backend %s asked %s on a process shared by sessions; refused, since whose session should "
                    + "answer cannot be told (isolation SESSION or PRINCIPAL routes it)", backend, q.method());
            tell(JsonRpcResponse.error(q.id(), new JsonRpcError(ErrorCodes.METHOD_NOT_FOUND,
                    "The gateway shares this server among sessions and cannot route " + q.method() + " to one")));
            return;
        }
        Call call = askerOf(owner);
        if (call != null) {
            deliver(call.context, call.sink, q);
            return;
        }
        Listener listener = null;
        for (Listener l : listeners) {
            if (owner.equals(l.owner)) {
                listener = l;
            }
        }
        if (listener != null) {
            // One answer is wanted, so the most recent listener gets it rather than all of them.
            deliver(listener.context, listener.sink, q);
            return;
        }
        tell(JsonRpcResponse.error(q.id(), new JsonRpcError(ErrorCodes.METHOD_NOT_FOUND,
                "No client of the gateway is waiting on this server to answer " + q.method())));
    }

    /** The {@code subscriptions/listen} call a notification names in its {@code _meta}, or null. */
    private Call subscription(JsonRpcNotification n) {
        JsonNode id = n.params() == null ? null : n.params().path("_meta").get(ModernMeta.SUBSCRIPTION_ID);
        return listenCall(Multiplexing.numeric(id));
    }

    /** The pending {@code subscriptions/listen} call sent under that id, or null. */
    private Call listenCall(long upstreamId) {
        Call call = upstreamId == 0 ? null : pending.get(upstreamId);
        return call != null && McpMethods.SUBSCRIPTIONS_LISTEN.equals(call.request.method()) ? call : null;
    }

    /** The most recently sent call of that owner still in flight. */
    /**
     * The call a server request most likely belongs to: the owner's latest call that can lead a
     * server to ask (a tool call, a prompt, a read, a completion), else its latest call of any kind.
     * A listing is passed over: a client that lists while a call waits (after a list change, say)
     * would otherwise get the call's question on the listing, where nobody relays it.
     */
    private Call askerOf(String callOwner) {
        Call best = null;
        for (Call c : pending.values()) {
            String method = c.request.method();
            if (callOwner.equals(c.owner) && !method.endsWith("/list") && !McpMethods.PING.equals(method)
                    && !McpMethods.INITIALIZE.equals(method) && !McpMethods.SUBSCRIPTIONS_LISTEN.equals(method)
                    && (best == null || c.upstreamId > best.upstreamId)) {
                best = c;
            }
        }
        return best != null ? best : latestOf(callOwner);
    }

    private Call latestOf(String callOwner) {
        Call best = null;
        for (Call c : pending.values()) {
            if (callOwner.equals(c.owner) && !McpMethods.INITIALIZE.equals(c.request.method())
                    && !McpMethods.SUBSCRIPTIONS_LISTEN.equals(c.request.method())
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
                LOG.errorf(e, "Backend %s: a sink failed on a message", backend);
            }
        });
    }

    private void tell(JsonRpcMessage message) {
        out.send(message).onFailure(t -> LOG.debugf("Backend %s: could not send %s: %s", backend,
                message instanceof JsonRpcNotification n ? n.method() : "a response", t.getMessage()));
    }

    /** The request as the upstream sees it: our id, and our progress token if it asked for progress. */
    private static JsonRpcRequest rewrite(Call call, long id) {
        JsonRpcRequest rewritten = call.request.withId(LongNode.valueOf(id));
        if (call.progressToken == null) {
            return rewritten;
        }
        ObjectNode params = JsonNodeFactory.instance.objectNode();
        params.setAll(call.request.params());
        ObjectNode meta = ((ObjectNode) call.request.params().get("_meta")).deepCopy();
        meta.put("progressToken", id);
        params.set("_meta", meta);
        return rewritten.withParams(params);
    }

    private static JsonRpcNotification cancelled(long id, String reason) {
        ObjectNode params = JsonNodeFactory.instance.objectNode();
        params.put("requestId", id);
        if (reason != null) {
            params.put("reason", reason);
        }
        return new JsonRpcNotification(McpMethods.NOTIFICATIONS_CANCELLED, params);
    }

    // ---- types ------------------------------------------------------------------------------------

    /** A listen() registration; identity matters, so not a record. */
    private static final class Listener {
        final Context context;
        final UpstreamSink sink;
        final String owner;

        Listener(Context context, UpstreamSink sink, String owner) {
            this.context = context;
            this.sink = sink;
            this.owner = owner;
        }
    }

    /** One request from a client session, from arrival to its response, error or timeout. */
    static final class Call {
        final JsonRpcRequest request;
        final UpstreamSink sink;
        /** Where the caller waits; null for the gateway's own initialize. */
        final Context context;
        final String owner;
        final JsonNode progressToken;
        final Promise<JsonRpcResponse> result = Promise.promise();
        final AtomicBoolean done = new AtomicBoolean();
        volatile long upstreamId;
        volatile Object via;
        volatile long timer = -1;

        private Call(JsonRpcRequest request, UpstreamSink sink, Context context, String owner) {
            this.request = request;
            this.sink = sink;
            this.context = context;
            this.owner = owner;
            JsonNode meta = request.params() == null ? null : request.params().get("_meta");
            this.progressToken = meta instanceof ObjectNode m ? m.get("progressToken") : null;
        }

        Future<JsonRpcResponse> future() {
            return result.future();
        }
    }
}
