package dev.mcpgateway.jsonrpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The {@code _meta} keys of revision 2026-07-28, which carry on every request what a session used
 * to hold (version, client capabilities, client info, log level), and on every result who answered.
 */
public final class ModernMeta {

    public static final String PROTOCOL_VERSION = "io.modelcontextprotocol/protocolVersion";
    public static final String CLIENT_CAPABILITIES = "io.modelcontextprotocol/clientCapabilities";
    public static final String CLIENT_INFO = "io.modelcontextprotocol/clientInfo";
    public static final String LOG_LEVEL = "io.modelcontextprotocol/logLevel";
    public static final String SUBSCRIPTION_ID = "io.modelcontextprotocol/subscriptionId";
    public static final String SERVER_INFO = "io.modelcontextprotocol/serverInfo";

    public static final String RESULT_TYPE = "resultType";
    public static final String COMPLETE = "complete";
    public static final String INPUT_REQUIRED = "input_required";

    private ModernMeta() {
    }

    /** {@code params._meta} of a request, or null. */
    public static ObjectNode of(JsonRpcRequest request) {
        return request.params() != null && request.params().get("_meta") instanceof ObjectNode m ? m : null;
    }

    /** The protocol version a request declares in its {@code _meta}, or null. */
    public static String version(JsonRpcRequest request) {
        ObjectNode meta = of(request);
        JsonNode v = meta == null ? null : meta.get(PROTOCOL_VERSION);
        return v != null && v.isTextual() ? v.asText() : null;
    }

    /** {@code params._meta}, created when missing. */
    public static ObjectNode ensure(ObjectNode params) {
        return params.get("_meta") instanceof ObjectNode m ? m : params.putObject("_meta");
    }

    /** Whether a result asks for more input before it can complete. */
    public static boolean inputRequired(JsonNode result) {
        return result != null && INPUT_REQUIRED.equals(result.path(RESULT_TYPE).asText(null));
    }
}
