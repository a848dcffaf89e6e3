package dev.mcpgateway.jsonrpc;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The request headers of revision 2026-07-28 that mirror the body so intermediaries can route
 * without parsing it: {@code Mcp-Method} always, {@code Mcp-Name} for the methods that name a tool,
 * prompt or resource. Values that are not plain printable ASCII travel as
 * {@code =?base64?...?=}.
 */
public final class McpHeaders {

    public static final String METHOD = "Mcp-Method";
    public static final String NAME = "Mcp-Name";
    private static final String SENTINEL_START = "=?base64?";
    private static final String SENTINEL_END = "?=";

    private McpHeaders() {
    }

    /** The body field {@code Mcp-Name} mirrors, or null when the method has none. */
    public static String nameSource(JsonRpcRequest request) {
        return switch (request.method()) {
            case McpMethods.TOOLS_CALL, McpMethods.PROMPTS_GET -> request.paramText("name");
            case McpMethods.RESOURCES_READ -> request.paramText("uri");
            // Tasks extension: "the client MUST set the Mcp-Name header ... to the value of params.taskId".
            case McpMethods.TASKS_GET, McpMethods.TASKS_UPDATE, McpMethods.TASKS_CANCEL -> request.paramText("taskId");
            default -> null;
        };
    }

    /** Whether the method must carry {@code Mcp-Name}. */
    public static boolean needsName(String method) {
        return McpMethods.TOOLS_CALL.equals(method) || McpMethods.PROMPTS_GET.equals(method)
                || McpMethods.RESOURCES_READ.equals(method);
    }

    /** Sets the mirrored headers of a request being sent. */
    public static void mirror(JsonRpcRequest request, BiConsumer<String, String> header) {
        header.accept(METHOD, request.method());
        String name = nameSource(request);
        if (name != null) {
            header.accept(NAME, encode(name));
        }
    }

    /**
     * Checks a received request's headers against its body; answers what is wrong, or null. A
     * missing {@code Mcp-Name} is wrong only where the method names something.
     */
    public static String mismatch(JsonRpcRequest request, Function<String, String> header) {
        String method = header.apply(METHOD);
        if (method == null) {
            return "the Mcp-Method header is required";
        }
        if (!method.equals(request.method())) {
            return "Mcp-Method header value '" + method + "' does not match body value '" + request.method() + "'";
        }
        if (!needsName(request.method())) {
            return null;
        }
        String raw = header.apply(NAME);
        if (raw == null) {
            return "the Mcp-Name header is required for " + request.method();
        }
        String name = decode(raw);
        if (name == null) {
            return "the Mcp-Name header is not valid base64";
        }
        String body = nameSource(request);
        if (!name.equals(body)) {
            return "Mcp-Name header value '" + name + "' does not match body value '" + body + "'";
        }
        return null;
    }

    static String encode(String value) {
        boolean plain = !value.isEmpty() && value.charAt(0) != ' ' && value.charAt(value.length() - 1) != ' '
                && !(value.startsWith(SENTINEL_START) && value.endsWith(SENTINEL_END));
        for (int i = 0; plain && i < value.length(); i++) {
            char c = value.charAt(i);
            plain = c >= 0x20 && c < 0x7f;
        }
        return plain ? value
                : SENTINEL_START + Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8))
                        + SENTINEL_END;
    }

    /** The header value as the body would hold it; null when its base64 is broken. */
    static String decode(String value) {
        if (value.startsWith(SENTINEL_START) && value.endsWith(SENTINEL_END)
                && value.length() >= SENTINEL_START.length() + SENTINEL_END.length()) {
            try {
                return new String(Base64.getDecoder().decode(
                        value.substring(SENTINEL_START.length(), value.length() - SENTINEL_END.length())),
                        StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return value;
    }
}
