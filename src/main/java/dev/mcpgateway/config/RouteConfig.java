package dev.mcpgateway.config;

import java.util.List;

/**
 * One MCP endpoint of the gateway: a path and the backends it federates.
 *
 * @param security who may use the route and what they may call; {@link RouteSecurity#NONE} when open
 * @param toolDiscovery whether {@code tools/list} shows the catalogue or the gateway's search tools
 * @param rateLimits the route's rate-limit rules, in order (empty: nothing is limited)
 */
public record RouteConfig(String name, String path, PrefixMode prefixMode, List<BackendConfig> backends,
        RouteSecurity security, ToolDiscovery toolDiscovery, List<RateLimitRule> rateLimits) {

    public RouteConfig {
        security = security == null ? RouteSecurity.NONE : security;
        toolDiscovery = toolDiscovery == null ? ToolDiscovery.LIST : toolDiscovery;
        rateLimits = rateLimits == null ? List.of() : List.copyOf(rateLimits);
    }

    /** A route without rate limits. */
    public RouteConfig(String name, String path, PrefixMode prefixMode, List<BackendConfig> backends,
            RouteSecurity security, ToolDiscovery toolDiscovery) {
        this(name, path, prefixMode, backends, security, toolDiscovery, List.of());
    }

    /** A route listing its whole catalogue. */
    public RouteConfig(String name, String path, PrefixMode prefixMode, List<BackendConfig> backends,
            RouteSecurity security) {
        this(name, path, prefixMode, backends, security, ToolDiscovery.LIST);
    }

    /** The same route with another way of presenting its tools. */
    public RouteConfig withToolDiscovery(ToolDiscovery newDiscovery) {
        return new RouteConfig(name, path, prefixMode, backends, security, newDiscovery, rateLimits);
    }

    /** The same route with other rate-limit rules. */
    public RouteConfig withRateLimits(List<RateLimitRule> newRateLimits) {
        return new RouteConfig(name, path, prefixMode, backends, security, toolDiscovery, newRateLimits);
    }

    /** An open route (no authentication, no authorization rules). */
    public RouteConfig(String name, String path, PrefixMode prefixMode, List<BackendConfig> backends) {
        this(name, path, prefixMode, backends, RouteSecurity.NONE);
    }

    /** Whether anyone may use the route and see the same things: no authentication, no rules. */
    public boolean open() {
        return security.equals(RouteSecurity.NONE);
    }

    public BackendConfig backend(String backendName) {
        for (BackendConfig b : backends) {
            if (b.name().equals(backendName)) {
                return b;
            }
        }
        return null;
    }

    /** True when names of this route carry their backend's prefix. */
    public boolean prefixed() {
        return switch (prefixMode) {
            case ALWAYS -> true;
            case CONDITIONAL -> backends.size() > 1;
            case NEVER -> false;
        };
    }
}
