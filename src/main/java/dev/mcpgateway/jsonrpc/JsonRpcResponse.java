package dev.mcpgateway.jsonrpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A response: exactly one of {@code result} and {@code error} is non-null. {@code wire}, when set,
 * is the exact encoding of this response as an upstream sent it, passed on without serializing
 * again; anything that changes the response drops it.
 */
public record JsonRpcResponse(JsonNode id, JsonNode result, ObjectNode error, byte[] wire) implements JsonRpcMessage {

    public JsonRpcResponse(JsonNode id, JsonNode result, ObjectNode error) {
        this(id, result, error, null);
    }

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

    /** The same response, remembering the bytes it arrived as. */
    public JsonRpcResponse withWire(byte[] bytes) {
        return new JsonRpcResponse(id, result, error, bytes);
    }

    /** The same response, re-encoded when written (call after changing {@code result}). */
    public JsonRpcResponse changed() {
        return wire == null ? this : new JsonRpcResponse(id, result, error);
    }
}
