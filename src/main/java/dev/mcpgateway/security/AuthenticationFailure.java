package dev.mcpgateway.security;

/**
 * A request the gateway refuses before it reaches the MCP layer: the transport answers with this
 * status, this {@code WWW-Authenticate} header (when not null) and the message as a JSON-RPC error.
 */
public final class AuthenticationFailure extends RuntimeException {

    private final int status;
    private final String wwwAuthenticate;

    public AuthenticationFailure(int status, String wwwAuthenticate, String message) {
        super(message, null, false, false);
        this.status = status;
        this.wwwAuthenticate = wwwAuthenticate;
    }

    public int status() {
        return status;
    }

    public String wwwAuthenticate() {
        return wwwAuthenticate;
    }
}
