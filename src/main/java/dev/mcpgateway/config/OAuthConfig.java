package dev.mcpgateway.config;

import java.util.List;

/**
 * MCP authorization for a route (MCPRoute {@code securityPolicy.oauth}): clients present bearer
 * tokens issued by {@code issuer}; the gateway publishes RFC 9728 protected resource metadata.
 *
 * @param issuer the authorization server's issuer identifier
 * @param audiences accepted {@code aud} values; empty accepts any
 * @param jwks where the token signing keys come from; null means discovered from the issuer's
 *        metadata (RFC 8414 {@code /.well-known/oauth-authorization-server}, then OpenID discovery)
 * @param resourceMetadata the RFC 9728 document served for this route
 * @param claimToHeaders token claims copied into headers sent upstream
 */
public record OAuthConfig(
        String issuer,
        List<String> audiences,
        Jwks jwks,
        ProtectedResourceMetadata resourceMetadata,
        List<ClaimToHeader> claimToHeaders) {

    /**
     * The token signing keys: exactly one of a URL to fetch them from and a JWK set given inline.
     *
     * @param remoteUri the JWKS URL
     * @param localJson a JWK set document ({@code {"keys": [...]}})
     */
    public record Jwks(String remoteUri, String localJson) {
    }

    /**
     * RFC 9728 protected resource metadata.
     *
     * @param resource the protected resource's identifier, normally the route's public URL
     * @param resourceName human-readable name, or null
     * @param scopesSupported scopes a client should request for basic use
     * @param resourceSigningAlgValuesSupported JWS algorithms the resource accepts, or empty
     * @param resourceDocumentation URL of documentation, or null
     * @param resourcePolicyUri URL of the resource's policy, or null
     */
    public record ProtectedResourceMetadata(
            String resource,
            String resourceName,
            List<String> scopesSupported,
            List<String> resourceSigningAlgValuesSupported,
            String resourceDocumentation,
            String resourcePolicyUri) {
    }

    /**
     * A token claim sent upstream as a header. Any header of that name from the client is removed
     * first.
     *
     * @param claim the claim name; nested claims with dots ({@code org.team})
     * @param header the header name
     */
    public record ClaimToHeader(String claim, String header) {
    }
}
