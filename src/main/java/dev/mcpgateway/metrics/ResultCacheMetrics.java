package dev.mcpgateway.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The tool result cache's meters, tagged by backend (a configured name): hits, misses (a cacheable
 * call that went to the backend) and evictions (entries dropped before their ttl to make room).
 */
@ApplicationScoped
public class ResultCacheMetrics {

    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    @Inject
    public ResultCacheMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void hit(String backend) {
        counter("hits", "Tool calls answered from the result cache", backend).increment();
    }

    public void miss(String backend) {
        counter("misses", "Cacheable tool calls not found in the result cache", backend).increment();
    }

    public void evicted(String backend) {
        counter("evictions", "Cached tool results evicted before their ttl to make room", backend).increment();
    }

    private Counter counter(String what, String description, String backend) {
        return counters.computeIfAbsent(what + '\0' + backend, k -> Counter.builder("mcp.gateway.result.cache." + what)
                .description(description).tag("backend", backend).register(registry));
    }
}
