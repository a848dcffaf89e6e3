package dev.mcpgateway.security;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;

import dev.mcpgateway.config.RouteConfig;
import io.quarkus.arc.DefaultBean;
import io.vertx.core.MultiMap;

/** Everything is allowed: the behaviour of routes without authorization rules, until rules are enforced. */
@ApplicationScoped
@DefaultBean
public class AllowAllAuthorizer implements ToolAuthorizer {

    @Override
    public Decision decide(RouteConfig route, Principal principal, String method, String backend, String kind, String name,
            JsonNode arguments, MultiMap headers) {
        return Decision.ALLOW;
    }
}
