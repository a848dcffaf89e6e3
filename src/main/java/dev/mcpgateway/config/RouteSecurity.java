package dev.mcpgateway.config;

/**
 * Who may use a route and what they may call (MCPRoute {@code spec.securityPolicy}). Each part is
 * null when not configured.
 *
 * @param oauth MCP authorization: bearer tokens from an OAuth authorization server, RFC 9728
 *        metadata
 * @param apiKeyAuth client API keys
 * @param authorization rules deciding which tools a caller may call
 */
public record RouteSecurity(OAuthConfig oauth, ApiKeyAuthConfig apiKeyAuth, AuthorizationConfig authorization) {

    /** Anyone may call anything. */
    public static final RouteSecurity NONE = new RouteSecurity(null, null, null);

    public boolean isNone() {
        return oauth == null && apiKeyAuth == null && authorization == null;
    }
}
