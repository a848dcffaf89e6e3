package dev.mcpgateway.jsonrpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** An error object; {@link #toJson()} gives the wire form. */
public record JsonRpcError(int code, String message, JsonNode data) {

    public JsonRpcError(int code, String message) {
        this(code, message, null);
    }

    public ObjectNode toJson() {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("code", code);
        node.put("message", message);
        if (data != null) {
            node.set("data", data);
        }
        return node;
    }

    /** Thrown inside the gateway to end a request with this error. */
    public JsonRpcException exception() {
        return new JsonRpcException(this);
    }
}
