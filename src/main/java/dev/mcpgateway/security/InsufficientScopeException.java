package dev.mcpgateway.security;

import java.util.List;

import dev.mcpgateway.jsonrpc.JsonRpcException;

/**
 * A call refused by a rule that a scope would satisfy: the transport answers HTTP 403 with
 * {@code WWW-Authenticate: Bearer error="insufficient_scope", scope="..."} (step-up authorization).
 */
public final class InsufficientScopeException extends RuntimeException {

    private final List<String> scopes;
    private final JsonRpcException error;

    public InsufficientScopeException(List<String> scopes, JsonRpcException error) {
        super(error.getMessage(), null, false, false);
        this.scopes = List.copyOf(scopes);
        this.error = error;
    }

    public List<String> scopes() {
        return scopes;
    }

    public JsonRpcException error() {
        return error;
    }
}
