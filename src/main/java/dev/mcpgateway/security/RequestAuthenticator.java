package dev.mcpgateway.security;

import dev.mcpgateway.config.RouteConfig;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;

/**
 * Decides who is calling a route. The transport calls it first on every POST, GET and DELETE of
 * an MCP endpoint; a failed future carrying an {@link AuthenticationFailure} ends the request.
 */
public interface RequestAuthenticator {

    Future<Principal> authenticate(RouteConfig route, HttpServerRequest request);

    /** The {@code WWW-Authenticate} value of a 403 that asks the client to step up to these scopes. */
    default String insufficientScope(RouteConfig route, HttpServerRequest request, java.util.List<String> scopes) {
        return "Bearer error=\"insufficient_scope\", scope=\"" + String.join(" ", scopes) + "\"";
    }
}
