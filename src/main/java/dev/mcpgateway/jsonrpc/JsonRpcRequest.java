package dev.mcpgateway.jsonrpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** A request: has an id (kept exactly as it arrived, string or number) and a method. */
public record JsonRpcRequest(JsonNode id, String method, ObjectNode params) implements JsonRpcMessage {

    public JsonRpcRequest withId(JsonNode newId) {
        return new JsonRpcRequest(newId, method, params);
    }

    public JsonRpcRequest withParams(ObjectNode newParams) {
        return new JsonRpcRequest(id, method, newParams);
    }

    /** {@code params.name} or null. */
    public String paramText(String field) {
        if (params == null) {
            return null;
        }
        JsonNode v = params.get(field);
        return v != null && v.isTextual() ? v.asText() : null;
    }
}
