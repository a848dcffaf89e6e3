package dev.mcpgateway.config;

import java.util.List;

/** The whole configuration in force: every route, whichever file format it came from. */
public record GatewayModel(String source, List<RouteConfig> routes) {

    public RouteConfig routeForPath(String path) {
        for (RouteConfig r : routes) {
            if (r.path().equals(path)) {
                return r;
            }
        }
        return null;
    }
}
