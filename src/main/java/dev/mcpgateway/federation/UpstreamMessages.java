package dev.mcpgateway.federation;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.cluster.ReplicaInbox;
import dev.mcpgateway.config.TransportKind;
import dev.mcpgateway.jsonrpc.JsonRpcMessage;
import dev.mcpgateway.jsonrpc.JsonRpcNotification;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.jsonrpc.McpMethods;
import dev.mcpgateway.session.GatewaySession;
import dev.mcpgateway.upstream.UpstreamClient;
import dev.mcpgateway.upstream.UpstreamSession;
import dev.mcpgateway.upstream.UpstreamSink;

/**
 * Rewrites what a backend sends outside a response so the client can use it: server requests get
 * signed ids, log messages name the backend, URIs and task ids get their prefixes.
 */
@Singleton
class UpstreamMessages {

    private final RequestIds requestIds;
    private final ReplicaInbox inbox;

    @Inject
    UpstreamMessages(RequestIds requestIds, ReplicaInbox inbox) {
        this.requestIds = requestIds;
        this.inbox = inbox;
    }

    /** A sink for one backend of one session that forwards what it receives, rewritten, to the client. */
    UpstreamSink toClient(Route route, GatewaySession session, UpstreamSession upstream, ClientSink sink) {
        return message -> {
            JsonRpcMessage rewritten = rewrite(route, session, upstream, message);
            if (rewritten != null) {
                sink.send(rewritten);
            }
        };
    }

    /** The message as the client sees it; null for what the client must not see. */
    JsonRpcMessage rewrite(Route route, GatewaySession session, UpstreamSession upstream, JsonRpcMessage message) {
        String backend = upstream.backend();
        switch (message) {
            case JsonRpcRequest r -> {
                return r.withId(
                        requestIds.sign(session.id(), backend, upstream.sessionId(), r.id(), answeredBy(route, backend)));
            }
            case JsonRpcResponse r -> {
                return null;
            }
            case JsonRpcNotification n -> {
                ObjectNode p = n.params();
                if (p == null) {
                    return n;
                }
                switch (n.method()) {
                    case McpMethods.NOTIFICATIONS_MESSAGE -> {
                        String logger = p.path("logger").asText(null);
                        p.put("logger", logger == null ? backend : backend + "/" + logger);
                    }
                    case McpMethods.NOTIFICATIONS_RESOURCES_UPDATED -> {
                        if (route.config().prefixed() && p.hasNonNull("uri")) {
                            p.put("uri", Names.prefixUri(backend, p.get("uri").asText()));
                        }
                    }
                    case McpMethods.NOTIFICATIONS_CANCELLED -> {
                        // The upstream gave up on a request it sent the client: name it as the client knows it.
                        if (p.hasNonNull("requestId")) {
                            p.set("requestId", requestIds.sign(session.id(), backend, upstream.sessionId(),
                                    p.get("requestId"), answeredBy(route, backend)));
                        }
                    }
                    case McpMethods.NOTIFICATIONS_TASKS_STATUS, McpMethods.NOTIFICATIONS_TASKS -> {
                        if (p.hasNonNull("taskId")) {
                            p.put("taskId", Names.prefixName(backend, p.get("taskId").asText()));
                        }
                    }
                    default -> {
                    }
                }
                return n;
            }
        }
    }

    /** "" when any replica can deliver an answer to this backend; this replica when only it can. */
    private String answeredBy(Route route, String backend) {
        UpstreamClient c = route.client(backend);
        return c == null || c.config().transport() == TransportKind.STREAMABLE_HTTP ? "" : inbox.replicaId();
    }
}
