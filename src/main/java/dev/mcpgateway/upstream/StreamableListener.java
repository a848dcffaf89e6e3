package dev.mcpgateway.upstream;

import java.util.List;
import java.util.Map;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import dev.mcpgateway.jsonrpc.JsonRpcCodec;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import dev.mcpgateway.jsonrpc.JsonRpcMessage;
import dev.mcpgateway.jsonrpc.JsonRpcNotification;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.jsonrpc.McpMethods;
import dev.mcpgateway.jsonrpc.ModernMeta;
import dev.mcpgateway.jsonrpc.ProtocolVersions;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.RequestOptions;

/**
 * A Streamable HTTP upstream's stream of messages that answer no request, for one session: the GET
 * stream, or for a 2026-07-28 upstream a {@code subscriptions/listen} POST. Reconnects when it
 * drops, with the upstream's {@code Last-Event-ID}, so a resumable upstream loses nothing; stops on
 * 404 (session gone), 405 (the upstream offers no such stream) or 400. Each connection's response
 * headers must arrive within the backend's timeout; the stream itself may stay silent for as long
 * as it likes.
 */
final class StreamableListener implements UpstreamListener {

    private static final Logger LOG = Logger.getLogger(StreamableListener.class);
    private static final long MAX_RECONNECT_MILLIS = 30_000;

    private final StreamableHttpClient client;
    private final UpstreamSession session;
    private final UpstreamSink sink;
    private final Map<String, String> extra;
    /** For a 2026-07-28 upstream: the resource URIs to hear updates of. */
    private final List<String> resources;
    private final ResumableEventStream stream;
    private volatile boolean closed;
    private int failures;

    StreamableListener(StreamableHttpClient client, UpstreamSession session, String lastEventId, UpstreamSink sink,
            Map<String, String> extra, List<String> resources) {
        this.client = client;
        this.session = session;
        this.sink = sink;
        this.extra = extra;
        this.resources = List.copyOf(resources);
        this.stream = new ResumableEventStream(client.http(), lastEventId, this::onMessage);
    }

    /** Opens one connection of the stream; answers false when the upstream has no such stream. */
    Future<Boolean> connect() {
        String name = client.name();
        boolean stateless = ProtocolVersions.isModern(session.protocolVersion());
        JsonRpcRequest listen = stateless ? listenRequest() : null;
        RequestOptions req = stateless ? client.post(null, session.protocolVersion(), extra, listen)
                : client.get(session.sessionId(), session.protocolVersion(), extra, stream.lastEventId());
        Buffer body = stateless ? Buffer.buffer(JsonRpcCodec.encode(listen)) : null;
        return stream.open(req, body, client.timeoutMillis()).compose(resp -> {
            if (!ResumableEventStream.isEventStream(resp)) {
                int status = resp.statusCode();
                if (status == 405 || status == 404 || status == 400) {
                    LOG.debugf("Backend %s: no standalone stream (HTTP %d)", name, status);
                    return Future.succeededFuture(false);
                }
                return Future.failedFuture(UpstreamErrors.unavailable(name, "GET stream answered HTTP " + status));
            }
            failures = 0;
            stream.read(resp).onComplete(ar -> {
                if (ar.cause() instanceof JsonRpcException e) {
                    LOG.warnf("%s: its stream is reopened", e.getMessage());
                }
                reconnectLater();
            });
            return Future.succeededFuture(true);
        });
    }

    private void onMessage(JsonRpcMessage m) {
        if (m instanceof JsonRpcNotification n && McpMethods.NOTIFICATIONS_SUBSCRIPTIONS_ACKNOWLEDGED.equals(n.method())) {
            return;
        }
        if (m instanceof JsonRpcNotification n && n.params() != null && n.params().get("_meta") instanceof ObjectNode meta) {
            // The subscription is the gateway's own, not the client's.
            meta.remove(ModernMeta.SUBSCRIPTION_ID);
            if (meta.isEmpty()) {
                n.params().remove("_meta");
            }
        }
        if (m instanceof JsonRpcResponse) {
            // The upstream ended the subscription gracefully; listen again later.
            return;
        }
        // Called while the stream reads this message's event: its last event id is this event's.
        sink.onMessage(m, stream.lastEventId());
    }

    /** A 2026-07-28 upstream's change notifications: every list change, and the resources named. */
    private JsonRpcRequest listenRequest() {
        ObjectNode params = JsonRpcCodec.MAPPER.createObjectNode();
        ObjectNode meta = params.putObject("_meta");
        meta.put(ModernMeta.PROTOCOL_VERSION, session.protocolVersion());
        meta.putObject(ModernMeta.CLIENT_CAPABILITIES);
        ObjectNode filter = params.putObject("notifications");
        filter.put("toolsListChanged", true);
        filter.put("promptsListChanged", true);
        filter.put("resourcesListChanged", true);
        if (!resources.isEmpty()) {
            ArrayNode uris = filter.putArray("resourceSubscriptions");
            resources.forEach(uris::add);
        }
        return new JsonRpcRequest(TextNode.valueOf("mcp-gateway-listen"), McpMethods.SUBSCRIPTIONS_LISTEN, params);
    }

    private void reconnectLater() {
        if (closed) {
            return;
        }
        long delay = Math.min(MAX_RECONNECT_MILLIS, stream.retryMillis() * (1L << Math.min(failures, 5)));
        failures++;
        client.vertx().setTimer(delay, id -> {
            if (closed) {
                return;
            }
            Future<Boolean> again;
            try {
                again = connect();
            } catch (IllegalStateException e) {
                // The backend was removed by a reload and its client shut down.
                closed = true;
                return;
            }
            again.onComplete(ar -> {
                if (ar.failed()) {
                    reconnectLater();
                } else if (!ar.result()) {
                    closed = true;
                }
            });
        });
    }

    @Override
    public String lastEventId() {
        return stream.lastEventId();
    }

    @Override
    public void close() {
        closed = true;
        stream.close();
    }
}
