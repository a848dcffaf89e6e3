package dev.mcpgateway.upstream;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import dev.mcpgateway.jsonrpc.JsonRpcMessage;
import dev.mcpgateway.jsonrpc.JsonRpcNotification;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.jsonrpc.McpMethods;
import dev.mcpgateway.jsonrpc.ModernMeta;
import dev.mcpgateway.jsonrpc.ProtocolVersions;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

/**
 * A {@code subscriptions/listen} held open on the process of a 2026-07-28 stdio backend: the stdio
 * counterpart of an HTTP upstream's listen stream. It is a request without a deadline whose
 * notifications arrive on stdout tagged with its id ({@code _meta.io.modelcontextprotocol/subscriptionId});
 * the {@link CallTable} hands them to this listener alone. It opens once the server acknowledges
 * it. Closing sends {@code notifications/cancelled} for it ("send notifications/cancelled referencing
 * the subscriptions/listen request ID (stdio)"). When the server ends it (a result) or its process
 * exits ("Active subscriptions/listen streams must also be re-established after restart"), it is
 * sent again, after a growing pause; a refusal (an error) or the end of its slot ends it for good.
 */
final class StdioListen implements UpstreamListener {

    private static final Logger LOG = Logger.getLogger(StdioListen.class);
    private static final long FIRST_RETRY_MILLIS = 250;
    private static final long MAX_RETRY_MILLIS = 30_000;
    private static final AtomicLong IDS = new AtomicLong();

    private final Vertx vertx;
    private final String backend;
    private final StdioSlot slot;
    private final UpstreamSink sink;
    private final Context context;
    private final JsonRpcRequest request;
    private final long timeoutMillis;
    private final Promise<UpstreamListener> opened = Promise.promise();
    private volatile boolean closed;
    private volatile CallTable.Call current;
    private long retryMillis = FIRST_RETRY_MILLIS;

    /**
     * @param resourceUris the resources whose updates are wanted; every list change is asked for
     */
    StdioListen(Vertx vertx, String backend, StdioSlot slot, List<String> resourceUris, UpstreamSink sink,
            long timeoutMillis) {
        this.vertx = vertx;
        this.backend = backend;
        this.slot = slot;
        this.sink = sink;
        this.context = Multiplexing.callerContext(vertx);
        this.timeoutMillis = timeoutMillis;
        this.request = request(resourceUris);
    }

    /** Sends the listen; completes when the server acknowledges it, fails when it refuses or stays silent. */
    Future<UpstreamListener> open() {
        long timer = vertx.setTimer(timeoutMillis, t -> {
            if (opened.tryFail(UpstreamErrors.timeout(backend, timeoutMillis))) {
                close();
            }
        });
        send();
        return opened.future().onComplete(ar -> vertx.cancelTimer(timer));
    }

    private static JsonRpcRequest request(List<String> resourceUris) {
        ObjectNode params = JsonNodeFactory.instance.objectNode();
        ObjectNode meta = params.putObject("_meta");
        meta.put(ModernMeta.PROTOCOL_VERSION, ProtocolVersions.V2026_07_28);
        // A listen stream answers no input requests.
        meta.putObject(ModernMeta.CLIENT_CAPABILITIES);
        meta.putObject(ModernMeta.CLIENT_INFO).put("name", "mcp-gateway").put("version", "1");
        ObjectNode filter = params.putObject("notifications");
        filter.put("toolsListChanged", true);
        filter.put("promptsListChanged", true);
        filter.put("resourcesListChanged", true);
        if (!resourceUris.isEmpty()) {
            ArrayNode uris = filter.putArray("resourceSubscriptions");
            resourceUris.forEach(uris::add);
        }
        // The table gives it the process's id; this one only names it in the gateway's logs.
        return new JsonRpcRequest(TextNode.valueOf("mcp-gateway-listen-" + IDS.incrementAndGet()),
                McpMethods.SUBSCRIPTIONS_LISTEN, params);
    }

    private void send() {
        if (closed) {
            return;
        }
        CallTable.Call call = slot.table.call(request, this::onMessage, context, slot.owner, 0);
        current = call;
        slot.touch();
        call.future().onComplete(ar -> ended(call, ar));
        slot.whenReady(call);
    }

    private void onMessage(JsonRpcMessage m) {
        if (closed || !(m instanceof JsonRpcNotification n)) {
            return;
        }
        if (McpMethods.NOTIFICATIONS_SUBSCRIPTIONS_ACKNOWLEDGED.equals(n.method())) {
            retryMillis = FIRST_RETRY_MILLIS;
            opened.tryComplete(this);
            return;
        }
        if (n.params() != null && n.params().get("_meta") instanceof ObjectNode meta) {
            // The subscription is the gateway's own, not the client's.
            meta.remove(ModernMeta.SUBSCRIPTION_ID);
            if (meta.isEmpty()) {
                n.params().remove("_meta");
            }
        }
        sink.onMessage(n);
    }

    private void ended(CallTable.Call call, AsyncResult<JsonRpcResponse> outcome) {
        if (closed || current != call) {
            return;
        }
        if (outcome.succeeded() && outcome.result().isError()) {
            closed = true;
            String why = outcome.result().error().path("message").asText();
            LOG.infof("Backend %s refused subscriptions/listen: %s", backend, why);
            opened.tryFail(UpstreamErrors.unavailable(backend, "it refused subscriptions/listen: " + why));
            return;
        }
        if (slot.isEnded()) {
            closed = true;
            opened.tryFail(outcome.failed() ? outcome.cause()
                    : UpstreamErrors.unavailable(backend, "its process was stopped"));
            return;
        }
        // Ended by the server, or its process exited: listen again (a restart is waited for).
        long delay = retryMillis;
        retryMillis = Math.min(retryMillis * 2, MAX_RETRY_MILLIS);
        LOG.debugf("Backend %s: its subscriptions/listen ended (%s); listening again in %d ms", backend,
                outcome.failed() ? outcome.cause().getMessage() : "by the server", delay);
        vertx.setTimer(delay, t -> send());
    }

    @Override
    public void close() {
        closed = true;
        CallTable.Call call = current;
        if (call != null) {
            slot.table.abandon(call, "the gateway no longer listens");
        }
        slot.touch();
    }
}
