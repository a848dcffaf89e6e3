package dev.mcpgateway.console;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.config.BackendConfig;
import dev.mcpgateway.config.GatewayConfig;
import dev.mcpgateway.config.Resilience;
import dev.mcpgateway.config.RouteConfig;
import dev.mcpgateway.config.RouteSecurity;
import dev.mcpgateway.config.TransportKind;
import dev.mcpgateway.federation.Inspection;
import dev.mcpgateway.federation.McpRouter;
import dev.mcpgateway.federation.Route;
import dev.mcpgateway.federation.RouteTable;
import dev.mcpgateway.metrics.GatewayMetrics;
import dev.mcpgateway.security.Principal;
import dev.mcpgateway.session.GatewaySession;
import dev.mcpgateway.session.SessionStore;
import dev.mcpgateway.transport.SessionStreams;
import dev.mcpgateway.upstream.UpstreamSession;
import io.vertx.core.Future;

/** The console's JSON views (docs/console.md describes each). */
@Singleton
class ConsoleApi {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    /** How long what a probe found about a route's backends is shown before probing again. */
    static final long PROBE_MAX_AGE_MILLIS = 30_000;
    /** The principal the backends probe opens upstream sessions as. */
    static final Principal PROBE = new Principal("console", Set.of(), JSON.objectNode().put("sub", "console"), null);

    private record Probed(Inspection.Probe probe, long at) {
    }

    private final RouteTable routes;
    private final Inspection inspection;
    private final McpRouter router;
    private final SessionStore store;
    private final GatewayMetrics metrics;
    private final GatewayConfig gateway;
    private final ConsoleConfig config;
    private final BackendMeters meters;
    private final SessionStreams streams;
    private final TrafficWindow traffic = new TrafficWindow();
    private final Map<String, Future<Probed>> probes = new ConcurrentHashMap<>();

    @Inject
    ConsoleApi(RouteTable routes, Inspection inspection, McpRouter router, SessionStore store, GatewayMetrics metrics,
            GatewayConfig gateway, ConsoleConfig config, BackendMeters meters, SessionStreams streams) {
        this.streams = streams;
        this.routes = routes;
        this.inspection = inspection;
        this.router = router;
        this.store = store;
        this.metrics = metrics;
        this.gateway = gateway;
        this.config = config;
        this.meters = meters;
    }

    TrafficWindow traffic() {
        return traffic;
    }

    /** GET /console/api/routes */
    ObjectNode routes() {
        ObjectNode out = JSON.objectNode();
        ArrayNode list = out.putArray("routes");
        for (Route r : routes.routes()) {
            RouteConfig rc = r.config();
            ObjectNode o = list.addObject();
            o.put("name", rc.name());
            o.put("path", rc.path());
            o.put("prefixMode", rc.prefixMode().name().toLowerCase(Locale.ROOT));
            o.put("prefixed", rc.prefixed());
            o.put("toolDiscovery", String.valueOf(rc.toolDiscovery()).toLowerCase(Locale.ROOT));
            o.set("security", security(rc.security()));
            ArrayNode backends = o.putArray("backends");
            rc.backends().forEach(b -> backends.addObject().put("name", b.name())
                    .put("transport", b.transport().name().toLowerCase(Locale.ROOT)));
        }
        return out;
    }

    private static ObjectNode security(RouteSecurity s) {
        ObjectNode o = JSON.objectNode();
        List<String> kinds = new ArrayList<>();
        if (s.apiKeyAuth() != null) {
            kinds.add("apiKey");
        }
        if (s.oauth() != null) {
            kinds.add("oauth");
            o.put("issuer", s.oauth().issuer());
            ArrayNode scopes = o.putArray("requiredScopes");
            s.oauth().requiredScopes().forEach(scopes::add);
        }
        o.put("kind", kinds.isEmpty() ? "none" : String.join("+", kinds));
        o.put("authorizationRules", s.authorization() == null ? 0 : s.authorization().rules().size());
        if (s.authorization() != null) {
            o.put("defaultAction", String.valueOf(s.authorization().defaultAction()).toLowerCase(Locale.ROOT));
        }
        ArrayNode creds = o.putArray("upstreamCredentials");
        s.upstreams().keySet().forEach(creds::add);
        return o;
    }

    /** GET /console/api/backends: configuration, what a probe found, health and meters per route and backend. */
    Future<ObjectNode> backends(boolean refresh) {
        List<Route> all = routes.routes();
        List<Future<Probed>> found = new ArrayList<>(all.size());
        all.forEach(r -> found.add(probe(r, refresh)));
        return Future.join(found).transform(ignored -> {
            ObjectNode out = JSON.objectNode();
            ArrayNode list = out.putArray("backends");
            Map<String, Boolean> status = metrics.upstreamStatus();
            Map<String, String> circuits = inspection.circuits();
            ObjectNode recent = traffic.snapshot(5).with("backends");
            for (int i = 0; i < all.size(); i++) {
                Probed p = found.get(i).succeeded() ? found.get(i).result() : null;
                for (BackendConfig b : all.get(i).config().backends()) {
                    ObjectNode o = list.addObject();
                    o.put("route", all.get(i).path());
                    describe(b, o);
                    if (p != null) {
                        o.put("probedAt", p.at());
                        UpstreamSession u = p.probe().upstreams().get(b.name());
                        if (u != null) {
                            o.put("protocolVersion", u.protocolVersion());
                            o.set("capabilities", u.capabilities());
                            o.set("serverInfo", u.serverInfo());
                        }
                        String failure = p.probe().failures().get(b.name());
                        if (failure != null) {
                            o.put("probeError", failure);
                        }
                    } else {
                        o.put("probeError", found.get(i).cause().getMessage());
                    }
                    Boolean up = status.get(b.name());
                    o.put("health", up == null ? "unknown" : up ? "reachable" : "unreachable");
                    String circuit = circuits.get(all.get(i).name() + "/" + b.name());
                    if (circuit != null) {
                        o.put("circuit", circuit);
                    }
                    Resilience res = b.resilience();
                    if (res.guarded()) {
                        o.putObject("resilience").put("failureThreshold", res.failureThreshold())
                                .put("openForMs", res.openFor().toMillis()).put("maxConcurrent", res.maxConcurrent())
                                .put("failureMode",
                                        res.failureMode() == Resilience.FailureMode.FAIL_CLOSED ? "failClosed" : "failOpen");
                    }
                    o.set("meters", meters.of(b.name()));
                    JsonNode r = recent.get(b.name());
                    ObjectNode w = o.putObject("recent");
                    w.put("minutes", 5);
                    w.put("requests", r == null ? 0 : r.path("requests").asLong());
                    w.put("errors", r == null ? 0 : r.path("errorCount").asLong());
                    w.put("p50Ms", r == null ? 0 : r.path("p50Window").asDouble());
                    w.put("p90Ms", r == null ? 0 : r.path("p90Window").asDouble());
                    w.put("p99Ms", r == null ? 0 : r.path("p99Window").asDouble());
                    TrafficWindow.LastError last = traffic.lastError(b.name());
                    if (last != null) {
                        o.putObject("lastError").put("at", last.at()).put("outcome", last.outcome());
                    }
                }
            }
            return Future.succeededFuture(out);
        });
    }

    private Future<Probed> probe(Route route, boolean refresh) {
        Future<Probed> f = probes.get(route.path());
        long now = System.currentTimeMillis();
        boolean stale = f == null || (f.isComplete() && (f.failed() || now - f.result().at() > PROBE_MAX_AGE_MILLIS));
        if (refresh && f != null && f.isComplete()) {
            stale = true;
        }
        if (stale) {
            f = inspection.probe(route, PROBE, false).map(p -> new Probed(p, System.currentTimeMillis()));
            probes.put(route.path(), f);
        }
        return f;
    }

    private static void describe(BackendConfig b, ObjectNode o) {
        o.put("name", b.name());
        o.put("transport", b.transport().name().toLowerCase(Locale.ROOT));
        if (b.transport() == TransportKind.STDIO) {
            o.put("command", b.command());
            ArrayNode args = o.putArray("args");
            b.args().forEach(args::add);
        } else {
            o.put("url", redact(b.url()));
        }
        o.put("timeoutMs", b.timeout() == null ? 0 : b.timeout().toMillis());
        o.put("toolOverrides", b.toolOverrides().byUpstream().size());
        if (b.cache() != null) {
            o.putObject("cache").put("ttlMs", b.cache().ttl().toMillis())
                    .put("scope", b.cache().scope().name().toLowerCase(Locale.ROOT));
        }
    }

    /** A URL without user info and with query values hidden: either may hold a credential. */
    static String redact(String url) {
        if (url == null) {
            return null;
        }
        try {
            URI u = URI.create(url);
            StringBuilder sb = new StringBuilder();
            sb.append(u.getScheme()).append("://").append(u.getHost());
            if (u.getPort() >= 0) {
                sb.append(':').append(u.getPort());
            }
            sb.append(u.getRawPath() == null ? "" : u.getRawPath());
            if (u.getRawQuery() != null) {
                sb.append('?').append(String.join("&",
                        java.util.Arrays.stream(u.getRawQuery().split("&")).map(p -> p.replaceAll("=.*", "=***")).toList()));
            }
            return sb.toString();
        } catch (IllegalArgumentException e) {
            return "(unparsable URL)";
        }
    }

    /** GET /console/api/tools: the merged catalogue of a route as one principal sees it. */
    Future<ObjectNode> tools(String path, String q, String principal, String scopes) {
        Route route = path == null ? routes.routes().stream().findFirst().orElse(null) : routes.route(path);
        if (route == null) {
            return Future.failedFuture(new IllegalArgumentException("no route " + (path == null ? "is configured" : path)));
        }
        Principal as = principalOf(principal, scopes);
        return inspection.probe(route, as, true).map(p -> {
            ObjectNode out = JSON.objectNode();
            out.put("route", route.path());
            out.put("principal", as.name());
            ArrayNode tools = out.putArray("tools");
            String needle = q == null ? "" : q.toLowerCase(Locale.ROOT).trim();
            for (ObjectNode t : p.tools()) {
                String text = (t.path("name").asText() + " " + t.path("title").asText() + " "
                        + t.path("description").asText()).toLowerCase(Locale.ROOT);
                if (needle.isEmpty() || text.contains(needle)) {
                    tools.add(t);
                }
            }
            out.put("total", p.tools().size());
            out.put("count", tools.size());
            ObjectNode failures = out.putObject("failures");
            p.failures().forEach(failures::put);
            return out;
        });
    }

    /**
     * The principal a listing is made for: its name (e.g. {@code apikey:bob} or a token's subject),
     * scopes, and the claims rules read: {@code sub}, and {@code client_id} for an API key's name.
     */
    static Principal principalOf(String name, String scopes) {
        if (name == null || name.isBlank()) {
            return Principal.ANONYMOUS;
        }
        ObjectNode claims = JSON.objectNode().put("sub", name);
        if (name.startsWith("apikey:")) {
            claims.put("client_id", name.substring("apikey:".length()));
        }
        Set<String> s = scopes == null || scopes.isBlank() ? Set.of() : Set.of(scopes.trim().split("[\\s,]+"));
        claims.put("scope", String.join(" ", s));
        return new Principal(name, s, claims, null);
    }

    /** GET /console/api/sessions: the sessions the store holds, at most the configured number. */
    Future<ObjectNode> sessions() {
        int max = config.maxListedSessions();
        return store.list(max).map(listed -> {
            ObjectNode out = JSON.objectNode();
            long now = System.currentTimeMillis();
            out.put("replica", gateway.replicaName().orElse("this replica"));
            out.put("store", String.valueOf(gateway.store()).toLowerCase(Locale.ROOT));
            out.put("openStreamsOnReplica", metrics.openStreams());
            out.put("total", store.size());
            out.put("truncated", listed.size() >= max);
            ArrayNode list = out.putArray("sessions");
            listed.stream().sorted((a, b) -> Long.compare(b.session().createdAtMillis(), a.session().createdAtMillis()))
                    .forEach(l -> session(l, now, list.addObject().put("streamHere", streams.readsHere(l.session().id()))));
            return out;
        });
    }

    private static void session(SessionStore.Listed l, long now, ObjectNode o) {
        GatewaySession s = l.session();
        o.put("id", s.id());
        o.put("route", s.route());
        o.put("principal", s.principal());
        o.put("protocolVersion", s.protocolVersion());
        o.put("shared", s.id().startsWith("pool."));
        o.put("client", s.clientInfo() == null ? null : s.clientInfo().path("name").asText(null));
        o.put("createdAt", s.createdAtMillis());
        o.put("ageSeconds", Math.max(0, (now - s.createdAtMillis()) / 1000));
        o.put("lastActiveAt", l.lastActiveMillis());
        o.put("idleSeconds", Math.max(0, (now - l.lastActiveMillis()) / 1000));
        ObjectNode ups = o.putObject("backends");
        s.upstreams().forEach((name, u) -> ups.put(name, u.protocolVersion()));
    }

    /** DELETE /console/api/sessions/{id}: true when it existed. */
    Future<Boolean> end(String id) {
        return router.end(id);
    }

    /** GET /console/api/traffic */
    ObjectNode traffic(int minutes) {
        return traffic.snapshot(minutes);
    }
}
