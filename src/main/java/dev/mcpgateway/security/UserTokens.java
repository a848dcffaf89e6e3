package dev.mcpgateway.security;

import dev.mcpgateway.config.BackendConfig;
import dev.mcpgateway.config.RouteConfig;
import dev.mcpgateway.config.RouteSecurity.UpstreamAuth;
import io.vertx.core.Future;

/**
 * The token a request of a caller to a {@code user_oauth} backend carries: that caller's own grant
 * (implemented by the grants package, which holds the grants and the consent flow).
 */
public interface UserTokens {

    /** The caller's access token for {@code backend}, or null when the request goes without one. */
    Future<String> token(RouteConfig route, BackendConfig backend, UpstreamAuth auth, Principal principal);
}
