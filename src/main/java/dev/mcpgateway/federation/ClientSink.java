package dev.mcpgateway.federation;

import dev.mcpgateway.jsonrpc.JsonRpcMessage;

/**
 * Where messages for the client go while its request is in flight: the POST's event stream when
 * the client accepts one. Messages arrive already rewritten for the client.
 */
@FunctionalInterface
public interface ClientSink {

    ClientSink DISCARD = message -> {
    };

    void send(JsonRpcMessage message);
}
