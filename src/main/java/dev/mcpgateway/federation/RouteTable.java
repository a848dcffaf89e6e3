package dev.mcpgateway.federation;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

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
import dev.mcpgateway.config.RouteInstaller;
import dev.mcpgateway.config.RouteSource;
import dev.mcpgateway.events.GatewayEvents;
import dev.mcpgateway.upstream.ProcessBudget;
import dev.mcpgateway.upstream.UpstreamClient;
import dev.mcpgateway.upstream.UpstreamClients;
import dev.mcpgateway.upstream.UpstreamOptions;
import io.quarkus.runtime.Startup;
import io.vertx.core.Vertx;

/**
 * The routes in force and their upstream clients, built from the configuration file and rebuilt
 * when it changes (a mounted ConfigMap included: the file's content is compared, not its time), or
 * installed by another config source (the Kubernetes API). Every replica reads its source itself and
 * installs the same change.
 */
@ApplicationScoped
@Startup
public class RouteTable implements RouteSource, RouteInstaller {

    private static final Logger LOG = Logger.getLogger(RouteTable.class);

    /** What a reload changed, for those who must react: new paths, sessions to notify. */
    public record Change(List<Route> routes, List<String> changedRoutes) {
    }

    private final Vertx vertx;
    private final UpstreamOptions options;
    private final GatewayEvents events;
    private final List<Consumer<Change>> listeners = new CopyOnWriteArrayList<>();
    private volatile Map<String, Route> byPath = Map.of();
    private Path file;
    private byte[] loadedDigest;

    @Inject
    public RouteTable(Vertx vertx, GatewayConfig config, GatewayEvents events) {
        this.vertx = vertx;
        this.events = events;
        GatewayConfig.Upstream u = config.upstream();
        this.options = new UpstreamOptions(u.connectTimeout(), u.idleConnectionTimeout(), u.maxConnectionsPerBackend(),
                u.stdioRestartMaxBackoff(), u.maxMessageSize().asLongValue(), u.stdioIdleTimeout(),
                new ProcessBudget(u.maxStdioProcesses()));
        if (config.configSource() == GatewayConfig.ConfigSourceKind.KUBERNETES) {
            // dev.mcpgateway.config.kubernetes installs the routes once it has listed them.
            config.configFile().ifPresent(f -> LOG.warnf(
                    "mcp-gateway.config-file (%s) is ignored: routes come from the Kubernetes API (config-source=kubernetes)",
                    f));
        } else if (config.configFile().isPresent()) {
            file = Path.of(config.configFile().get());
            try {
                loadedDigest = digest(file);
                install(ConfigFiles.load(file));
            } catch (ConfigException | IOException e) {
                // The launcher validated the file before starting; this is a file changed since.
                throw new IllegalStateException(e.getMessage(), e);
            }
            long every = config.configReloadInterval().toMillis();
            if (every > 0) {
                vertx.setPeriodic(every, id -> vertx.executeBlocking(() -> {
                    reloadIfChanged();
                    return null;
                }, false));
            }
        } else {
            LOG.warn("No upstream servers configured: set mcp-gateway.config-file or use `run --mcp-config FILE`");
        }
    }

    /** Called with every change a reload installs. */
    public void onChange(Consumer<Change> listener) {
        listeners.add(listener);
    }

    /** Re-reads the file if its content changed; a file that does not validate changes nothing. */
    synchronized void reloadIfChanged() {
        byte[] now;
        try {
            now = digest(file);
        } catch (IOException e) {
            LOG.errorf("Cannot read %s (%s); the configuration in force stays", file, e.getMessage());
            return;
        }
        if (Arrays.equals(now, loadedDigest)) {
            return;
        }
        loadedDigest = now;
        GatewayModel model;
        try {
            model = ConfigFiles.load(file);
        } catch (ConfigException e) {
            LOG.errorf("Configuration change refused, the last good configuration stays in force: %s", e.getMessage());
            events.configRefused(file.toString(), e.getMessage());
            return;
        }
        LOG.infof("Configuration %s changed: reloading", file);
        install(model);
    }

    /**
     * Replaces every route. Clients of backends whose connection settings did not change are kept
     * (a stdio process keeps running); the others are shut down.
     */
    @Override
    public synchronized void install(GatewayModel model) {
        Map<String, Route> previous = byPath;
        Map<String, UpstreamClient> reusable = new LinkedHashMap<>();
        Map<String, RouteConfig> previousConfigs = new LinkedHashMap<>();
        for (Route r : previous.values()) {
            previousConfigs.put(r.name(), r.config());
            for (UpstreamClient c : r.clients()) {
                reusable.put(r.name() + "/" + c.name(), c);
            }
        }
        Map<String, Route> next = new LinkedHashMap<>();
        List<String> changed = new java.util.ArrayList<>();
        for (RouteConfig rc : model.routes()) {
            Map<String, UpstreamClient> clients = new LinkedHashMap<>();
            for (BackendConfig b : rc.backends()) {
                UpstreamClient old = reusable.get(rc.name() + "/" + b.name());
                if (old != null && sameConnection(old.config(), b)) {
                    reusable.remove(rc.name() + "/" + b.name());
                    // Filters are read from the route, not the client, so the old client serves as it is.
                    clients.put(b.name(), old);
                } else {
                    clients.put(b.name(), UpstreamClients.create(vertx, b, options));
                }
            }
            next.put(rc.path(), new Route(rc, clients));
            RouteConfig before = previousConfigs.get(rc.name());
            if (before != null && !sameOffer(before, rc)) {
                changed.add(rc.name());
            }
            LOG.infof("Route %s: %d backend(s): %s", rc.path(), rc.backends().size(),
                    String.join(", ", rc.backends().stream().map(b -> b.name() + " (" + b.transport() + ")").toList()));
        }
        byPath = Collections.unmodifiableMap(next);
        reusable.values().forEach(UpstreamClient::shutdown);
        events.configApplied(file == null ? "api" : file.toString(), model.routes().stream().map(RouteConfig::name).toList());
        // Also from no routes at all: a source that starts empty (the Kubernetes API) gets the endpoints registered.
        if (!previous.isEmpty() || !next.isEmpty()) {
            Change change = new Change(List.copyOf(next.values()), List.copyOf(changed));
            listeners.forEach(l -> l.accept(change));
        }
    }

    /** The settings that make a client: if none changed, the same client serves the new config. */
    private static boolean sameConnection(BackendConfig a, BackendConfig b) {
        return a.transport() == b.transport() && Objects.equals(a.url(), b.url()) && a.headers().equals(b.headers())
                && Objects.equals(a.command(), b.command()) && a.args().equals(b.args()) && a.env().equals(b.env())
                && Objects.equals(a.cwd(), b.cwd()) && a.timeout().equals(b.timeout()) && a.tls().equals(b.tls())
                && a.isolation() == b.isolation() && a.inheritEnv().equals(b.inheritEnv())
                && Objects.equals(a.openapi(), b.openapi());
    }

    /** Whether clients of the route could see a different set of tools, prompts or resources. */
    private static boolean sameOffer(RouteConfig a, RouteConfig b) {
        if (a.prefixMode() != b.prefixMode() || a.backends().size() != b.backends().size()) {
            return false;
        }
        for (int i = 0; i < a.backends().size(); i++) {
            BackendConfig x = a.backends().get(i);
            BackendConfig y = b.backends().get(i);
            if (!x.name().equals(y.name()) || !sameConnection(x, y) || !sameFilter(x, y)) {
                return false;
            }
        }
        return true;
    }

    private static boolean sameFilter(BackendConfig x, BackendConfig y) {
        // Patterns do not compare by value; their sources do.
        return x.tools().include().equals(y.tools().include()) && x.tools().exclude().equals(y.tools().exclude())
                && patterns(x.tools().includeRegex()).equals(patterns(y.tools().includeRegex()))
                && patterns(x.tools().excludeRegex()).equals(patterns(y.tools().excludeRegex()));
    }

    private static List<String> patterns(List<java.util.regex.Pattern> ps) {
        return ps.stream().map(java.util.regex.Pattern::pattern).toList();
    }

    private static byte[] digest(Path file) throws IOException {
        try {
            return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public Route route(String path) {
        return byPath.get(path);
    }

    public List<Route> routes() {
        return List.copyOf(byPath.values());
    }

    @Override
    public List<RouteConfig> routeConfigs() {
        return byPath.values().stream().map(Route::config).toList();
    }

    @Override
    public void onRoutesChanged(Consumer<List<RouteConfig>> listener) {
        onChange(change -> listener.accept(change.routes().stream().map(Route::config).toList()));
    }

    @PreDestroy
    void shutdown() {
        byPath.values().forEach(r -> r.clients().forEach(UpstreamClient::shutdown));
    }
}
