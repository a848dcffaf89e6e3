package dev.mcpgateway.jsonrpc;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Reads and writes JSON-RPC envelopes. Thread-safe. */
public final class JsonRpcCodec {

    public static final ObjectMapper MAPPER = new ObjectMapper();
    /** A body is one JSON value: {@code {...} trailing} is not JSON, so it is not half-read. */
    private static final ObjectReader BODY_READER = MAPPER.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private JsonRpcCodec() {
    }

    /** Parses a body; throws {@link JsonRpcException} with -32700 for bytes that are not JSON. */
    public static JsonNode parseTree(byte[] bytes) {
        try {
            JsonNode node = BODY_READER.readTree(bytes);
            if (node == null || node.isMissingNode()) {
                throw new JsonRpcException(ErrorCodes.PARSE_ERROR, "Parse error: empty body");
            }
            return node;
        } catch (IOException e) {
            throw new JsonRpcException(ErrorCodes.PARSE_ERROR, "Parse error: body is not valid JSON");
        }
    }

    /**
     * Turns one JSON value into a message, or throws -32600 naming what is wrong. A batch (array)
     * is the caller's business: see {@link #decodeAll(JsonNode)}.
     */
    public static JsonRpcMessage decode(JsonNode node) {
        if (!(node instanceof ObjectNode obj)) {
            throw invalid("a JSON-RPC message must be a JSON object");
        }
        JsonNode version = obj.get("jsonrpc");
        // JSON-RPC 2.0: "A String specifying the version of the JSON-RPC protocol. MUST be exactly "2.0"."
        if (version == null || !version.isTextual() || !"2.0".equals(version.textValue())) {
            throw invalid("\"jsonrpc\" must be \"2.0\"");
        }
        JsonNode method = obj.get("method");
        JsonNode id = obj.get("id");
        if (method != null) {
            if (!method.isTextual()) {
                throw invalid("\"method\" must be a string");
            }
            JsonNode params = obj.get("params");
            if (params != null && !params.isNull() && !params.isObject()) {
                throw invalid("\"params\" must be an object");
            }
            ObjectNode p = params instanceof ObjectNode o ? o : null;
            // MCP: "_meta?: { [key: string]: unknown }". Peers drop a message whose _meta is anything
            // else without answering (the TypeScript SDK over stdio), so it must not travel on.
            if (p != null && p.has("_meta") && !p.get("_meta").isObject()) {
                throw new JsonRpcException(ErrorCodes.INVALID_PARAMS, "Invalid params: \"_meta\" must be an object");
            }
            if (id == null) {
                return new JsonRpcNotification(method.asText(), p);
            }
            if (!id.isTextual() && !id.isIntegralNumber()) {
                throw invalid("\"id\" must be a string or an integer");
            }
            return new JsonRpcRequest(id, method.asText(), p);
        }
        if (id != null && (obj.has("result") || obj.has("error"))) {
            JsonNode error = obj.get("error");
            if (error != null && !error.isObject()) {
                throw invalid("\"error\" must be an object");
            }
            return new JsonRpcResponse(id, obj.get("result"), (ObjectNode) error);
        }
        throw invalid("a JSON-RPC message needs \"method\", or \"id\" with \"result\" or \"error\"");
    }

    /** Decodes a batch or a single message into a list (never empty; an empty batch is -32600). */
    public static List<JsonRpcMessage> decodeAll(JsonNode node) {
        if (!node.isArray()) {
            return List.of(decode(node));
        }
        if (node.isEmpty()) {
            throw invalid("an empty batch is not a valid request");
        }
        List<JsonRpcMessage> out = new ArrayList<>(node.size());
        for (JsonNode element : node) {
            out.add(decode(element));
        }
        return out;
    }

    public static ObjectNode toJson(JsonRpcMessage message) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("jsonrpc", "2.0");
        switch (message) {
            case JsonRpcRequest r -> {
                node.set("id", r.id());
                node.put("method", r.method());
                if (r.params() != null) {
                    node.set("params", r.params());
                }
            }
            case JsonRpcNotification n -> {
                node.put("method", n.method());
                if (n.params() != null) {
                    node.set("params", n.params());
                }
            }
            case JsonRpcResponse r -> {
                node.set("id", r.id() == null ? NullNode.getInstance() : r.id());
                if (r.error() != null) {
                    node.set("error", r.error());
                } else {
                    node.set("result", r.result() == null ? JsonNodeFactory.instance.objectNode() : r.result());
                }
            }
        }
        return node;
    }

    public static byte[] encode(JsonRpcMessage message) {
        if (message instanceof JsonRpcResponse r && r.wire() != null) {
            return r.wire();
        }
        return writeBytes(toJson(message));
    }

    public static byte[] writeBytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize JSON", e);
        }
    }

    public static String writeString(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize JSON", e);
        }
    }

    private static JsonRpcException invalid(String why) {
        return new JsonRpcException(ErrorCodes.INVALID_REQUEST, "Invalid Request: " + why);
    }
}
