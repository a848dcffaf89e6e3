package dev.mcpgateway.jsonrpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** A response: exactly one of {@code result} and {@code error} is non-null. */
public record JsonRpcResponse(JsonNode id, JsonNode result, ObjectNode error) implements JsonRpcMessage {

    public static JsonRpcResponse result(JsonNode id, JsonNode result) {
        return new JsonRpcResponse(id, result, null);
    }

    public static JsonRpcResponse error(JsonNode id, JsonRpcError error) {
        return new JsonRpcResponse(id, null, error.toJson());
    }

    public boolean isError() {
        return error != null;
    }

    public JsonRpcResponse withId(JsonNode newId) {
        return new JsonRpcResponse(newId, result, error);
    }
}
