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

    /**
     * A message copied from a backend's event stream, with the upstream's id of its event (null when
     * the upstream gave none), so whoever stores it can record where to resume that backend.
     */
    default void send(JsonRpcMessage message, String backend, String upstreamEventId) {
        send(message);
    }
}
