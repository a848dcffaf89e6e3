package dev.mcpgateway.federation;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.jsonrpc.ErrorCodes;
import dev.mcpgateway.jsonrpc.JsonRpcCodec;
import dev.mcpgateway.jsonrpc.JsonRpcException;

/**
 * The pagination cursor a client gets for a merged list: for each backend that has more, that
 * backend's own cursor. Opaque to clients (base64url of a small JSON object); never forwarded whole.
 */
final class CompositeCursor {

    private CompositeCursor() {
    }

    /** Null when no backend has more. */
    static String encode(Map<String, String> remaining) {
        if (remaining.isEmpty()) {
            return null;
        }
        ObjectNode node = JsonRpcCodec.MAPPER.createObjectNode();
        remaining.forEach(node::put);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(JsonRpcCodec.writeBytes(node));
    }

    /** Backend to its cursor, in the order encoded; -32602 for anything the gateway did not issue. */
    static Map<String, String> decode(String cursor) {
        try {
            byte[] raw = Base64.getUrlDecoder().decode(cursor);
            JsonNode node = JsonRpcCodec.MAPPER.readTree(new String(raw, StandardCharsets.UTF_8));
            if (node == null || !node.isObject() || node.isEmpty()) {
                throw invalid();
            }
            Map<String, String> out = new LinkedHashMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = node.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isTextual()) {
                    throw invalid();
                }
                out.put(e.getKey(), e.getValue().asText());
            }
            return out;
        } catch (IllegalArgumentException | java.io.IOException e) {
            throw invalid();
        }
    }

    private static JsonRpcException invalid() {
        return new JsonRpcException(ErrorCodes.INVALID_PARAMS, "Invalid params: unknown or malformed cursor");
    }
}
