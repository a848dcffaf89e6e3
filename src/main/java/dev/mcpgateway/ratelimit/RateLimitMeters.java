package dev.mcpgateway.ratelimit;

import java.util.concurrent.ConcurrentHashMap;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * {@code mcp.gateway.rate.limit.requests}: requests a rate-limit rule counted, by route, rule,
 * {@code decision} ({@code allowed}, {@code limited}) and {@code counted} ({@code store}: in the shared
 * counters, or this process's own standalone; {@code local}: this replica's share while the store was
 * unreachable; {@code none}: not counted, the store being unreachable).
 */
@Singleton
public class RateLimitMeters {

    private final MeterRegistry registry;
    /** Route, then rule, then one counter per outcome: no allocation once a rule has counted each outcome. */
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, Counter[]>> counters = new ConcurrentHashMap<>();

    @Inject
    public RateLimitMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    void record(String route, String rule, Outcome outcome) {
        Counter[] byOutcome = counters.computeIfAbsent(route, r -> new ConcurrentHashMap<>()).computeIfAbsent(rule,
                r -> new Counter[Outcome.values().length]);
        Counter c = byOutcome[outcome.ordinal()];
        if (c == null) {
            c = Counter.builder("mcp.gateway.rate.limit.requests").description("Requests counted by rate-limit rules")
                    .tags("route", route, "rule", rule, "decision", outcome.allowed ? "allowed" : "limited", "counted",
                            outcome.counted)
                    .register(registry);
            byOutcome[outcome.ordinal()] = c;
        }
        c.increment();
    }
}
