package dev.mcpgateway.federation;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import dev.mcpgateway.config.BackendConfig;
import dev.mcpgateway.config.Resilience;
import dev.mcpgateway.config.RouteConfig;
import dev.mcpgateway.jsonrpc.ErrorCodes;
import dev.mcpgateway.jsonrpc.JsonRpcError;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.jsonrpc.McpMethods;
import dev.mcpgateway.security.Caller;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;

/**
 * The circuit breakers and concurrency bounds of every backend that configures one, on this
 * replica, kept in step with the configuration: a reload keeps a backend's guard (and its state)
 * while its settings stay the same, replaces it when they change, and drops it with its meters when
 * the backend or its route goes. Backends without settings have no guard and cost one map lookup.
 */
@Singleton
class BackendGuards {

    /** A guard and the meters bound to it, which leave the registry with it. */
    private record Guarded(BackendGuard guard, List<Meter> meters, Counter refusedCircuit, Counter refusedBulkhead) {
    }

    private final RouteTable routes;
    private final MeterRegistry registry;
    /** Route name, then backend name. */
    private final Map<String, Map<String, Guarded>> guards = new ConcurrentHashMap<>();

    @Inject
    BackendGuards(RouteTable routes, MeterRegistry registry) {
        this.routes = routes;
        this.registry = registry;
    }

    @PostConstruct
    void start() {
        sync(routes.routeConfigs());
        routes.onRoutesChanged(this::sync);
    }

    /**
     * Installs the guards a configuration asks for; keeps unchanged ones, drops the rest. Meters of
     * dropped guards leave the registry before new ones register: a meter with the same name and
     * tags would otherwise be handed back bound to the old guard.
     */
    synchronized void sync(List<RouteConfig> configs) {
        Map<String, Map<String, Resilience>> wanted = new HashMap<>();
        for (RouteConfig rc : configs) {
            for (BackendConfig b : rc.backends()) {
                if (b.resilience().guarded()) {
                    wanted.computeIfAbsent(rc.name(), k -> new HashMap<>()).put(b.name(), b.resilience());
                }
            }
        }
        guards.forEach((route, byBackend) -> byBackend.entrySet().removeIf(e -> {
            Resilience w = wanted.getOrDefault(route, Map.of()).get(e.getKey());
            boolean drop = w == null || !w.equals(e.getValue().guard().settings);
            if (drop) {
                e.getValue().meters().forEach(registry::remove);
            }
            return drop;
        }));
        guards.values().removeIf(Map::isEmpty);
        wanted.forEach((route, byBackend) -> byBackend.forEach((backend, r) -> guards
                .computeIfAbsent(route, k -> new ConcurrentHashMap<>()).computeIfAbsent(backend, b -> create(route, b, r))));
    }

    private Guarded create(String route, String backend, Resilience r) {
        BackendGuard guard = new BackendGuard(route, backend, r, System::nanoTime);
        List<Meter> meters = new ArrayList<>();
        meters.add(Gauge.builder("mcp.gateway.circuit.state", guard, g -> g.state().value)
                .description("Circuit state of a backend on this replica: 0 closed, 1 open, 2 half-open")
                .tags("route", route, "backend", backend).strongReference(true).register(registry));
        meters.add(Gauge.builder("mcp.gateway.upstream.in.flight", guard, BackendGuard::inFlight)
                .description("Requests in flight to a backend with maxConcurrent, on this replica")
                .tags("route", route, "backend", backend).strongReference(true).register(registry));
        Counter circuit = Counter.builder("mcp.gateway.upstream.refused")
                .description("Calls refused without reaching the backend: open circuit or maxConcurrent reached")
                .tags("route", route, "backend", backend, "reason", "circuit").register(registry);
        Counter bulkhead = Counter.builder("mcp.gateway.upstream.refused")
                .description("Calls refused without reaching the backend: open circuit or maxConcurrent reached")
                .tags("route", route, "backend", backend, "reason", "bulkhead").register(registry);
        meters.add(circuit);
        meters.add(bulkhead);
        return new Guarded(guard, meters, circuit, bulkhead);
    }

    /** The backend's guard, or null when it configures none. */
    BackendGuard of(Route route, String backend) {
        Map<String, Guarded> byBackend = guards.get(route.name());
        Guarded g = byBackend == null ? null : byBackend.get(backend);
        return g == null ? null : g.guard();
    }

    /**
     * The answer to a call the guard refused: the backend-unavailable error; for a {@code tools/list}
     * while the circuit is open (and tools are not hidden), the last listing this caller got.
     */
    Future<JsonRpcResponse> refused(Route route, BackendGuard guard, int permit, Caller caller, JsonRpcRequest request) {
        count(route, guard, permit);
        if (permit == BackendGuard.REFUSED_CIRCUIT && McpMethods.TOOLS_LIST.equals(request.method())) {
            JsonRpcResponse kept = guard.listing(listingKey(caller, request), request.id());
            if (kept != null) {
                return Future.succeededFuture(kept);
            }
        }
        return Future.failedFuture(guard.refusal(permit));
    }

    /**
     * The end of a permitted call: counts it for the circuit; remembers a listing, and answers the
     * last one instead of a failure that leaves the circuit open.
     */
    AsyncResult<JsonRpcResponse> done(BackendGuard guard, int permit, Caller caller, JsonRpcRequest request,
            AsyncResult<JsonRpcResponse> ar) {
        guard.release(permit, ar.failed() ? ar.cause() : null);
        if (!McpMethods.TOOLS_LIST.equals(request.method())) {
            return ar;
        }
        if (ar.succeeded()) {
            guard.rememberListing(listingKey(caller, request), ar.result());
            return ar;
        }
        JsonRpcResponse kept = guard.state() == BackendGuard.State.CLOSED ? null
                : guard.listing(listingKey(caller, request), request.id());
        return kept == null ? ar : Future.succeededFuture(kept);
    }

    /** Runs a call to the backend under its guard: refused at once when the guard refuses it. */
    <T> Future<T> guarded(Route route, String backend, Supplier<Future<T>> call) {
        BackendGuard guard = of(route, backend);
        if (guard == null) {
            return call.get();
        }
        int permit = guard.acquire();
        if (permit < BackendGuard.PERMITTED) {
            count(route, guard, permit);
            return Future.failedFuture(guard.refusal(permit));
        }
        Future<T> f;
        try {
            f = call.get();
        } catch (RuntimeException e) {
            guard.release(permit, e);
            throw e;
        }
        return f.onComplete(ar -> guard.release(permit, ar.failed() ? ar.cause() : null));
    }

    /**
     * The error for a new session that could not open a backend whose failure mode is
     * {@code failClosed}, or null when every such backend opened.
     */
    JsonRpcError failClosed(Route route, Set<String> opened, List<String> failures) {
        for (BackendConfig b : route.config().backends()) {
            if (b.resilience().failureMode() != Resilience.FailureMode.FAIL_CLOSED || opened.contains(b.name())) {
                continue;
            }
            String why = failures.stream().filter(f -> f.contains("'" + b.name() + "'")).findFirst()
                    .orElse("it could not be initialized");
            return new JsonRpcError(ErrorCodes.UPSTREAM_UNAVAILABLE,
                    "Session refused: backend '" + b.name() + "' is required (failureMode failClosed) and could not be"
                            + " opened: " + why,
                    JsonNodeFactory.instance.objectNode().put("backend", b.name()).put("failureMode", "failClosed"));
        }
        return null;
    }

    /** Whether a listing leaves out the backend's tools now (its circuit is open and it hides them). */
    boolean hidesTools(Route route, String backend) {
        BackendGuard g = of(route, backend);
        return g != null && g.hidesTools();
    }

    /** Every guarded backend's circuit state, as {@code route/backend} to closed, open or half-open. */
    Map<String, String> states() {
        Map<String, String> out = new TreeMap<>();
        guards.forEach((route, byBackend) -> byBackend
                .forEach((backend, g) -> out.put(route + "/" + backend, g.guard().state().label)));
        return out;
    }

    private void count(Route route, BackendGuard guard, int permit) {
        Guarded g = guards.getOrDefault(route.name(), Map.of()).get(guard.backend);
        if (g != null) {
            (permit == BackendGuard.REFUSED_BULKHEAD ? g.refusedBulkhead() : g.refusedCircuit()).increment();
        }
    }

    /** The listing a caller got, by principal and cursor: no one is shown what only another could see. */
    private static String listingKey(Caller caller, JsonRpcRequest request) {
        JsonNode cursor = request.params() == null ? null : request.params().get("cursor");
        return caller.principal().name() + "\0" + (cursor == null ? "" : cursor.asText());
    }

    @PreDestroy
    void unregister() {
        guards.values().forEach(m -> m.values().forEach(g -> g.meters().forEach(registry::remove)));
    }
}
