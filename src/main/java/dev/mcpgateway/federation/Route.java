package dev.mcpgateway.federation;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.config.RouteConfig;
import dev.mcpgateway.upstream.UpstreamClient;
import dev.mcpgateway.upstream.UpstreamSession;

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
    /** Each backend's upstream session last opened on this replica: what it announced, in which revision. */
    private final Map<String, UpstreamSession> announced = new ConcurrentHashMap<>();
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

    /** Remembers what the backends of newly opened upstream sessions announced. */
    void announced(Collection<UpstreamSession> upstreams) {
        for (UpstreamSession u : upstreams) {
            if (u.capabilities() != null) {
                announced.put(u.backend(), u);
            }
        }
    }

    /**
     * What the route's backends offer together, as they last announced it on this replica and as
     * {@code server/discover} presents it (tasks as the 2026-07-28 extension); null while no
     * upstream session has opened here.
     */
    public ObjectNode announcedCapabilities() {
        if (announced.isEmpty()) {
            return null;
        }
        ObjectNode caps = Capabilities.merge(announced.values());
        TaskShapes.announce(caps, announced.values(), true);
        return caps;
    }
}
