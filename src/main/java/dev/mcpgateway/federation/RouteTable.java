package dev.mcpgateway.federation;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.mcpgateway.config.BackendConfig;
import dev.mcpgateway.config.ConfigException;
import dev.mcpgateway.config.ConfigFiles;
import dev.mcpgateway.config.GatewayConfig;
import dev.mcpgateway.config.GatewayModel;
import dev.mcpgateway.config.RouteConfig;
import dev.mcpgateway.upstream.UpstreamClient;
import dev.mcpgateway.upstream.UpstreamClients;
import dev.mcpgateway.upstream.UpstreamOptions;
import io.quarkus.runtime.Startup;
import io.vertx.core.Vertx;

/** The routes in force and their upstream clients, built from the configuration file. */
@ApplicationScoped
@Startup
public class RouteTable {

    private static final Logger LOG = Logger.getLogger(RouteTable.class);

    private final Vertx vertx;
    private final UpstreamOptions options;
    private volatile Map<String, Route> byPath = Map.of();

    @Inject
    public RouteTable(Vertx vertx, GatewayConfig config) {
        this.vertx = vertx;
        GatewayConfig.Upstream u = config.upstream();
        this.options = new UpstreamOptions(u.connectTimeout(), u.idleConnectionTimeout(), u.maxConnectionsPerBackend(),
                u.stdioRestartMaxBackoff());
        if (config.configFile().isPresent()) {
            String file = config.configFile().get();
            try {
                install(ConfigFiles.load(Path.of(file)));
            } catch (ConfigException e) {
                // The launcher validated the file before starting; this is a file changed since.
                throw new IllegalStateException(e.getMessage(), e);
            }
        } else {
            LOG.warn("No upstream servers configured: set mcp-gateway.config-file or use `run --mcp-config FILE`");
        }
    }

    /** Replaces every route; clients of the old table are shut down. */
    public synchronized void install(GatewayModel model) {
        Map<String, Route> next = new LinkedHashMap<>();
        for (RouteConfig rc : model.routes()) {
            Map<String, UpstreamClient> clients = new LinkedHashMap<>();
            for (BackendConfig b : rc.backends()) {
                clients.put(b.name(), UpstreamClients.create(vertx, b, options));
            }
            next.put(rc.path(), new Route(rc, clients));
            LOG.infof("Route %s: %d backend(s): %s", rc.path(), rc.backends().size(),
                    String.join(", ", rc.backends().stream().map(b -> b.name() + " (" + b.transport() + ")").toList()));
        }
        Map<String, Route> previous = byPath;
        byPath = java.util.Collections.unmodifiableMap(next);
        previous.values().forEach(r -> r.clients().forEach(UpstreamClient::shutdown));
    }

    public Route route(String path) {
        return byPath.get(path);
    }

    public List<Route> routes() {
        return List.copyOf(byPath.values());
    }

    @PreDestroy
    void shutdown() {
        byPath.values().forEach(r -> r.clients().forEach(UpstreamClient::shutdown));
    }
}
