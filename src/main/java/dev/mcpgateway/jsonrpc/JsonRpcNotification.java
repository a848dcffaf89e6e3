package dev.mcpgateway.jsonrpc;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** A notification: a method without an id; never answered. */
public record JsonRpcNotification(String method, ObjectNode params) implements JsonRpcMessage {
}
