package dev.mcpgateway.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import dev.mcpgateway.jsonrpc.JsonRpcNotification;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.jsonrpc.McpMethods;
import dev.mcpgateway.jsonrpc.ProtocolVersions;

/** The handshake every transport performs the same way. */
final class Initialization {

    static final JsonNode INIT_ID = TextNode.valueOf("mcp-gateway-initialize");

    private Initialization() {
    }

    static JsonRpcRequest request(ObjectNode params) {
        return new JsonRpcRequest(INIT_ID, McpMethods.INITIALIZE, params);
    }

    static JsonRpcNotification initialized() {
        return new JsonRpcNotification(McpMethods.NOTIFICATIONS_INITIALIZED, null);
    }

    /** Checks the upstream's answer and builds the session record, or throws naming the backend. */
    static UpstreamSession session(String backend, String sessionId, JsonRpcResponse response) {
        if (response.isError()) {
            throw UpstreamErrors.unavailable(backend, "initialize failed: " + response.error().path("message").asText());
        }
        JsonNode result = response.result();
        String version = result == null ? null : result.path("protocolVersion").asText(null);
        if (version == null || !ProtocolVersions.isSupported(version)) {
            throw UpstreamErrors.unavailable(backend, "it negotiated protocol version " + version
                    + ", which the gateway does not speak (supported: " + ProtocolVersions.SUPPORTED + ")");
        }
        JsonNode caps = result.get("capabilities");
        return new UpstreamSession(backend, sessionId, version,
                caps == null ? JsonNodeFactory.instance.objectNode() : caps, result.get("serverInfo"));
    }
}
