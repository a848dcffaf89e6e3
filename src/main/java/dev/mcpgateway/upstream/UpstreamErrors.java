package dev.mcpgateway.upstream;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.jsonrpc.ErrorCodes;
import dev.mcpgateway.jsonrpc.JsonRpcError;
import dev.mcpgateway.jsonrpc.JsonRpcException;

/** Errors that name the backend they came from, so a client can tell which upstream failed. */
public final class UpstreamErrors {

    private UpstreamErrors() {
    }

    public static JsonRpcException unavailable(String backend, String why) {
        return new JsonRpcException(new JsonRpcError(ErrorCodes.UPSTREAM_UNAVAILABLE,
                "Backend '" + backend + "' is unavailable: " + why, data(backend)));
    }

    public static JsonRpcException timeout(String backend, long millis) {
        return new JsonRpcException(new JsonRpcError(ErrorCodes.UPSTREAM_TIMEOUT,
                "Backend '" + backend + "' did not answer within " + millis + " ms", data(backend)));
    }

    /**
     * The upstream sent more than the gateway accepts in one piece: {@code what} (say "a response
     * body") passed {@code limit} bytes. The setting is named so an operator knows what to raise.
     */
    public static JsonRpcException tooLarge(String backend, String what, long limit) {
        return new JsonRpcException(new JsonRpcError(ErrorCodes.UPSTREAM_UNAVAILABLE,
                "Backend '" + backend + "' sent " + what + " larger than " + limit
                        + " bytes (the limit set by mcp-gateway.upstream.max-message-size)",
                data(backend).put("limit", limit)));
    }

    /** Whether a failure is the deadline of an upstream call passing. */
    public static boolean isTimeout(Throwable t) {
        return t instanceof JsonRpcException e && e.error().code() == ErrorCodes.UPSTREAM_TIMEOUT;
    }

    /** The upstream ended the session (HTTP 404 to a request that carried its session id). */
    public static JsonRpcException sessionExpired(String backend) {
        return new JsonRpcException(new JsonRpcError(ErrorCodes.UPSTREAM_UNAVAILABLE,
                "Backend '" + backend + "' ended its session", data(backend).put("sessionExpired", true)));
    }

    public static boolean isSessionExpired(Throwable t) {
        return t instanceof JsonRpcException e && e.error().data() != null
                && e.error().data().path("sessionExpired").asBoolean(false);
    }

    private static ObjectNode data(String backend) {
        return JsonNodeFactory.instance.objectNode().put("backend", backend);
    }
}
