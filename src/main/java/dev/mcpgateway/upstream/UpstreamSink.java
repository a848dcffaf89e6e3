package dev.mcpgateway.upstream;

import dev.mcpgateway.jsonrpc.JsonRpcMessage;

/**
 * Receives what an upstream sends while a request is in flight, before its response: progress and
 * log notifications, and server-to-client requests (sampling, elicitation, roots).
 */
@FunctionalInterface
public interface UpstreamSink {

    UpstreamSink DISCARD = message -> {
    };

    void onMessage(JsonRpcMessage message);

    /**
     * A message from an upstream event stream, with the upstream's id of its event (the last id it
     * gave when this event had none; null when it never gave one): where to resume after it.
     */
    default void onMessage(JsonRpcMessage message, String upstreamEventId) {
        onMessage(message);
    }
}
