package dev.mcpgateway.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.mcpgateway.session.SessionStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The gateway's meters (Prometheus at {@code /q/metrics}). Tag keys are fixed per meter and their
 * values bounded: MCP method names, configured backend names, a few outcomes; never ids.
 */
@ApplicationScoped
public class GatewayMetrics {

    private final MeterRegistry registry;
    private final Map<String, Timer> requests = new ConcurrentHashMap<>();
    private final Map<String, Timer> upstream = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> upstreamUp = new ConcurrentHashMap<>();
    private final AtomicInteger openStreams = new AtomicInteger();
    /** Gauges are bound to this instance's state: they leave the registry with it. */
    private final java.util.List<io.micrometer.core.instrument.Meter> gauges = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final java.util.Set<String> registeredUp = ConcurrentHashMap.newKeySet();
    private volatile RequestObserver observer = RequestObserver.NONE;
    private final Counter appended;
    private final Counter replayed;

    @Inject
    public GatewayMetrics(MeterRegistry registry, SessionStore sessions) {
        this.registry = registry;
        gauges.add(Gauge.builder("mcp.gateway.sessions.active", sessions, SessionStore::size)
                .description("Sessions this replica's store can see").strongReference(true).register(registry));
        gauges.add(Gauge.builder("mcp.gateway.streams.open", openStreams, AtomicInteger::get)
                .description("Event streams open to clients on this replica").strongReference(true).register(registry));
        appended = Counter.builder("mcp.gateway.events.appended").description("Events appended to stream logs")
                .register(registry);
        replayed = Counter.builder("mcp.gateway.events.replayed").description("Events replayed to resuming clients")
                .register(registry);
    }

    /** One MCP request answered: method, the backend it went to ("*" for several), outcome. */
    public void request(String method, String backend, String outcome, long nanos) {
        requests.computeIfAbsent(method + '\0' + backend + '\0' + outcome,
                k -> Timer.builder("mcp.gateway.requests").description("MCP requests answered by the gateway")
                        .tags("method", method, "backend", backend, "outcome", outcome)
                        .publishPercentileHistogram().register(registry))
                .record(nanos, TimeUnit.NANOSECONDS);
        observer.request(method, backend, outcome, nanos);
    }

    /** One request to a backend: ok (any JSON-RPC answer), error, or timeout. */
    public void upstream(String backend, String outcome, long nanos) {
        upstream.computeIfAbsent(backend + '\0' + outcome,
                k -> Timer.builder("mcp.gateway.upstream.requests").description("Requests to upstream MCP servers")
                        .tags("backend", backend, "outcome", outcome).publishPercentileHistogram().register(registry))
                .record(nanos, TimeUnit.NANOSECONDS);
        up(backend).set("error".equals(outcome) ? 0 : 1);
        observer.upstream(backend, outcome, nanos);
    }

    /** Sets the one observer of every recorded request (replacing any). */
    public void observe(RequestObserver requestObserver) {
        observer = requestObserver == null ? RequestObserver.NONE : requestObserver;
    }

    /** Event streams open to clients on this replica. */
    public int openStreams() {
        return openStreams.get();
    }

    /**
     * The timers of requests to one backend, by outcome (for the console: percentiles come from
     * their histograms), or an empty map before the first request.
     */
    public Map<String, Timer> upstreamTimers(String backend) {
        Map<String, Timer> out = new java.util.TreeMap<>();
        upstream.forEach((k, t) -> {
            int sep = k.indexOf('\0');
            if (k.substring(0, sep).equals(backend)) {
                out.put(k.substring(sep + 1), t);
            }
        });
        return out;
    }

    private AtomicInteger up(String backend) {
        AtomicInteger v = upstreamUp.computeIfAbsent(backend, b -> new AtomicInteger(1));
        if (registeredUp.add(backend)) {
            gauges.add(Gauge.builder("mcp.gateway.upstream.up", v, AtomicInteger::get).tag("backend", backend)
                    .description("1 when the last request to the backend got an answer").strongReference(true)
                    .register(registry));
        }
        return v;
    }

    /**
     * A registry outlives an application restarted in the same JVM (dev mode, tests) and would hand
     * the next one these gauges, bound to this instance's dead state.
     */
    @jakarta.annotation.PreDestroy
    void unregister() {
        gauges.forEach(registry::remove);
    }

    /** Backend name to whether its last request got an answer (backends not used yet are absent). */
    public Map<String, Boolean> upstreamStatus() {
        Map<String, Boolean> out = new java.util.TreeMap<>();
        upstreamUp.forEach((b, v) -> out.put(b, v.get() == 1));
        return out;
    }

    public void streamOpened() {
        openStreams.incrementAndGet();
    }

    public void streamClosed() {
        openStreams.decrementAndGet();
    }

    public void eventAppended() {
        appended.increment();
    }

    public void eventsReplayed(int n) {
        replayed.increment(n);
    }
}
