package dev.mcpgateway.federation;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.mcpgateway.config.RouteConfig;
import dev.mcpgateway.upstream.UpstreamClient;

/**
 * A configured route with a live client per backend. With prefixing off, names are routed by what
 * the last listings said each backend offers.
 */
public final class Route {

    private final RouteConfig config;
    private final Map<String, UpstreamClient> clients;
    final Map<String, String> toolOwners = new ConcurrentHashMap<>();
    final Map<String, String> promptOwners = new ConcurrentHashMap<>();
    final Map<String, String> resourceOwners = new ConcurrentHashMap<>();
    /** Which tools' results may be cached, as this replica's listings showed them. */
    final ToolHints toolHints = new ToolHints();

    Route(RouteConfig config, Map<String, UpstreamClient> clients) {
        this.config = config;
        this.clients = clients;
    }

    public RouteConfig config() {
        return config;
    }

    public String name() {
        return config.name();
    }

    public String path() {
        return config.path();
    }

    public UpstreamClient client(String backend) {
        return clients.get(backend);
    }

    Collection<UpstreamClient> clients() {
        return clients.values();
    }
}
