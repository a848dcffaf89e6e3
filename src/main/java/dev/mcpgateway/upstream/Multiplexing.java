package dev.mcpgateway.upstream;

import com.fasterxml.jackson.databind.JsonNode;

import dev.mcpgateway.jsonrpc.JsonRpcException;
import dev.mcpgateway.jsonrpc.JsonRpcMessage;
import dev.mcpgateway.jsonrpc.JsonRpcNotification;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * What the transports that share one connection among many sessions (stdio, legacy SSE) need
 * alike: copies for several sinks, the gateway's own numeric ids, and the caller's Vert.x context.
 */
final class Multiplexing {

    private Multiplexing() {
    }

    /** A copy each sink may change in place (the router rewrites params). */
    static JsonRpcMessage copy(JsonRpcMessage message) {
        return switch (message) {
            case JsonRpcNotification n ->
                new JsonRpcNotification(n.method(), n.params() == null ? null : n.params().deepCopy());
            case JsonRpcRequest r -> r.params() == null ? r : r.withParams(r.params().deepCopy());
            case JsonRpcResponse r -> r;
        };
    }

    /** Ids and tokens the gateway assigned are positive longs; anything else is not ours (0). */
    static long numeric(JsonNode node) {
        if (node == null) {
            return 0;
        }
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            return node.asLong();
        }
        if (node.isTextual()) {
            try {
                return Long.parseLong(node.asText());
            } catch (NumberFormatException e) {
                return 0;
            }
        }
        return 0;
    }

    /** A failure as the JSON-RPC error a caller gets, naming the backend. */
    static JsonRpcException asJsonRpc(String backend, Throwable t) {
        if (t instanceof JsonRpcException e) {
            return e;
        }
        return UpstreamErrors.unavailable(backend, t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage());
    }

    /** The context to complete a caller's futures on. */
    static Context callerContext(Vertx vertx) {
        Context current = Vertx.currentContext();
        return current != null ? current : vertx.getOrCreateContext();
    }

    static void run(Context context, Runnable task) {
        if (context == null) {
            task.run();
        } else {
            context.runOnContext(v -> task.run());
        }
    }
}
