package dev.mcpgateway.jsonrpc;

/**
 * A JSON-RPC 2.0 message as the gateway routes it. Payloads ({@code params}, {@code result},
 * {@code error}) stay opaque JSON so fields the gateway has never seen pass through untouched.
 */
public sealed interface JsonRpcMessage permits JsonRpcRequest, JsonRpcNotification, JsonRpcResponse {
}
