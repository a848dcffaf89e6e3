package dev.mcpgateway.security;

import jakarta.enterprise.context.ApplicationScoped;

import dev.mcpgateway.config.RouteConfig;
import io.quarkus.arc.DefaultBean;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;

/** Everyone is anonymous: the behaviour of routes without security, until a real authenticator exists. */
@ApplicationScoped
@DefaultBean
public class AnonymousAuthenticator implements RequestAuthenticator {

    @Override
    public Future<Principal> authenticate(RouteConfig route, HttpServerRequest request) {
        return Future.succeededFuture(Principal.ANONYMOUS);
    }
}
