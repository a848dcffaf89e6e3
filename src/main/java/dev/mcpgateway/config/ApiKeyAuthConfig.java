package dev.mcpgateway.config;

import java.util.List;
import java.util.Map;

/**
 * Clients authenticate with an API key (MCPRoute {@code securityPolicy.apiKeyAuth}, Envoy
 * Gateway's APIKeyAuth).
 *
 * @param clientKeys the accepted keys by client id (the keys of the referenced Secrets)
 * @param headers request headers a key is read from
 * @param queryParams query parameters a key is read from
 * @param forwardClientIdHeader when set, the authenticated client id is sent upstream in this header
 * @param sanitize remove the key from the request before it is forwarded
 */
public record ApiKeyAuthConfig(
        Map<String, String> clientKeys,
        List<String> headers,
        List<String> queryParams,
        String forwardClientIdHeader,
        boolean sanitize) {
}
