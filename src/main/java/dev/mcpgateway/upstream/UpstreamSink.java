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
}
