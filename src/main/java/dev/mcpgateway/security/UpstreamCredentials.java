package dev.mcpgateway.security;

import java.util.Map;

import dev.mcpgateway.config.BackendConfig;
import dev.mcpgateway.config.RouteConfig;
import io.vertx.core.Future;

/**
 * Headers a request to a backend carries on behalf of a caller, beyond the backend's static
 * headers: an OAuth token the gateway obtained (client credentials, RFC 8693 token exchange), the
 * caller's own token only where the route's {@code upstreams} says {@code passthrough}, claims
 * copied into headers ({@code claimToHeaders}) and the API-key client id
 * ({@code forwardClientIdHeader}). Header names are as they should be sent; an empty map means
 * nothing to add. The upstream clients call it before each HTTP request to a backend (tokens are
 * cached, so this is cheap after the first call).
 */
public interface UpstreamCredentials {

    Future<Map<String, String>> headers(RouteConfig route, BackendConfig backend, Principal principal);
}
