package dev.mcpgateway.jsonrpc;

/** Carries a JSON-RPC error through futures; its message is safe to show to clients. */
public final class JsonRpcException extends RuntimeException {

    private final JsonRpcError error;

    public JsonRpcException(JsonRpcError error) {
        super(error.message(), null, false, false);
        this.error = error;
    }

    public JsonRpcException(int code, String message) {
        this(new JsonRpcError(code, message));
    }

    public JsonRpcError error() {
        return error;
    }
}
