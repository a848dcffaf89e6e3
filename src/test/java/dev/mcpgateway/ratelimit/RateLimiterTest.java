package dev.mcpgateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.config.GatewayConfig;
import dev.mcpgateway.config.GatewayConfig.WhenStoreUnavailable;
import dev.mcpgateway.config.PrefixMode;
import dev.mcpgateway.config.RateLimitRule;
import dev.mcpgateway.config.RouteConfig;
import dev.mcpgateway.jsonrpc.ErrorCodes;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import dev.mcpgateway.security.Caller;
import dev.mcpgateway.security.Principal;
import dev.mcpgateway.session.RateLimitStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.impl.headers.HeadersMultiMap;

/** Counting, windows, keys and the store-unavailable choices of {@link RateLimiter}, on the in-memory store. */
class RateLimiterTest {

    private static final Vertx VERTX = Vertx.vertx();
    private static final long MINUTE = 60_000;

    @AfterAll
    static void close() {
        VERTX.close();
    }

    private final AtomicLong now = new AtomicLong(10 * MINUTE + 15_000);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private static GatewayConfig.RateLimits settings(WhenStoreUnavailable when, int batch, OptionalInt replicas) {
        return new GatewayConfig.RateLimits() {
            @Override
            public WhenStoreUnavailable whenStoreUnavailable() {
                return when;
            }

            @Override
            public OptionalInt replicas() {
                return replicas;
            }

            @Override
            public int batch() {
                return batch;
            }

            @Override
            public Duration storeTimeout() {
                return Duration.ofMillis(500);
            }

            @Override
            public Duration storeRetry() {
                return Duration.ofSeconds(5);
            }
        };
    }

    private RateLimiter limiter(RateLimitStore store, WhenStoreUnavailable when, int batch) {
        return new RateLimiter(store, new RateLimitMeters(registry), settings(when, batch, OptionalInt.empty()), VERTX,
                now::get);
    }

    private static RouteConfig route(RateLimitRule... rules) {
        return new RouteConfig("r", "/mcp", PrefixMode.ALWAYS, List.of()).withRateLimits(List.of(rules));
    }

    private static RateLimitRule rule(String name, long requests, RateLimitRule.Key key, RateLimitRule.Match match) {
        return new RateLimitRule(name, match, requests, Duration.ofMinutes(1), key);
    }

    private static RateLimitRule.Match tools(String... globs) {
        List<Pattern> patterns = new ArrayList<>();
        for (String g : globs) {
            patterns.add(Pattern.compile(g.replace("*", ".*")));
        }
        return new RateLimitRule.Match(List.of("tools/call", "prompts/get", "resources/read"), List.of(),
                java.util.Map.of(), List.of(), patterns, List.of(), List.of());
    }

    private static Caller caller(String name) {
        ObjectNode claims = JsonNodeFactory.instance.objectNode();
        return new Caller(new Principal(name, Set.of(), claims, null), new HeadersMultiMap());
    }

    /** Calls a tool; answers "ok", or the refusal's code and retry hint. */
    private static String call(RateLimiter limiter, RouteConfig route, Caller caller, String tool, AtomicInteger upstream) {
        Future<String> f = limiter.admit(route, caller, "tools/call", "b", "tool", tool, () -> {
            upstream.incrementAndGet();
            return Future.succeededFuture("ok");
        });
        try {
            return f.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            JsonRpcException x = (JsonRpcException) e.getCause();
            return x.error().code() + " retry=" + x.error().data().path("retryAfterSeconds").asLong();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void exactlyTheLimitPassesPerWindowAndTheRestCarryTheRetryHint() {
        RateLimiter limiter = limiter(RateLimitStore.inMemory(now::get), WhenStoreUnavailable.LOCAL, 10);
        RouteConfig route = route(rule("per-user", 5, RateLimitRule.Key.PRINCIPAL, tools("search")));
        AtomicInteger upstream = new AtomicInteger();
        Caller alice = caller("alice");
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            answers.add(call(limiter, route, alice, "search", upstream));
        }
        assertThat(answers).containsExactly("ok", "ok", "ok", "ok", "ok", ErrorCodes.RATE_LIMITED + " retry=45",
                ErrorCodes.RATE_LIMITED + " retry=45", ErrorCodes.RATE_LIMITED + " retry=45");
        assertThat(upstream).as("refused calls never reach the upstream").hasValue(5);
        assertThat(alice.facts().rateLimitRule()).isEqualTo("per-user");
        assertThat(alice.facts().rateLimitDecision()).isEqualTo("limited");
        assertThat(call(limiter, route, caller("bob"), "search", upstream)).as("another principal").isEqualTo("ok");
        assertThat(call(limiter, route, alice, "other", upstream)).as("a tool no rule names").isEqualTo("ok");
        now.addAndGet(45_000);
        assertThat(call(limiter, route, alice, "search", upstream)).as("the next window").isEqualTo("ok");
        assertThat(registry.get("mcp.gateway.rate.limit.requests").tags("rule", "per-user", "decision", "allowed")
                .counter().count()).isEqualTo(7);
        assertThat(registry.get("mcp.gateway.rate.limit.requests").tags("rule", "per-user", "decision", "limited")
                .counter().count()).isEqualTo(3);
    }

    @Test
    void theKeySaysWhoSharesACounterAndTheFirstMatchingRuleDecides() {
        RateLimiter limiter = limiter(RateLimitStore.inMemory(now::get), WhenStoreUnavailable.LOCAL, 1);
        AtomicInteger upstream = new AtomicInteger();
        RouteConfig perTool = route(rule("t", 1, RateLimitRule.Key.PRINCIPAL_TOOL, RateLimitRule.Match.ALL));
        assertThat(call(limiter, perTool, caller("a"), "x", upstream)).isEqualTo("ok");
        assertThat(call(limiter, perTool, caller("a"), "y", upstream)).isEqualTo("ok");
        assertThat(call(limiter, perTool, caller("a"), "x", upstream)).startsWith("" + ErrorCodes.RATE_LIMITED);
        RouteConfig shared = route(rule("everyone", 2, RateLimitRule.Key.ROUTE, RateLimitRule.Match.ALL));
        assertThat(call(limiter, shared, caller("a"), "x", upstream)).isEqualTo("ok");
        assertThat(call(limiter, shared, caller("b"), "y", upstream)).isEqualTo("ok");
        assertThat(call(limiter, shared, caller("c"), "z", upstream)).startsWith("" + ErrorCodes.RATE_LIMITED);
        RouteConfig ordered = route(rule("generous", 100, RateLimitRule.Key.PRINCIPAL, tools("x")),
                rule("strict", 1, RateLimitRule.Key.PRINCIPAL, RateLimitRule.Match.ALL));
        for (int i = 0; i < 3; i++) {
            assertThat(call(limiter, ordered, caller("d"), "x", upstream)).isEqualTo("ok");
        }
        assertThat(call(limiter, ordered, caller("d"), "y", upstream)).isEqualTo("ok");
        assertThat(call(limiter, ordered, caller("d"), "y", upstream)).startsWith("" + ErrorCodes.RATE_LIMITED);
    }

    @Test
    void aRouteWithoutRulesOrACallNoRuleMatchesIsNotCounted() {
        RateLimiter limiter = limiter(RateLimitStore.inMemory(now::get), WhenStoreUnavailable.LOCAL, 10);
        AtomicInteger upstream = new AtomicInteger();
        Caller c = caller("a");
        assertThat(call(limiter, route(), c, "x", upstream)).isEqualTo("ok");
        assertThat(call(limiter, route(rule("r", 1, RateLimitRule.Key.ROUTE, tools("y"))), c, "x", upstream))
                .isEqualTo("ok");
        assertThat(c.facts().rateLimitRule()).isNull();
        Future<String> list = limiter.admit(route(rule("r", 1, RateLimitRule.Key.ROUTE, RateLimitRule.Match.ALL)), c,
                "tools/list", null, null, null, () -> Future.succeededFuture("listed"));
        assertThat(list.result()).as("lists are counted only when a rule names them").isEqualTo("listed");
    }

    @Test
    void replicasSharingAStoreNeverAdmitMoreThanTheLimit() {
        RateLimitStore memory = RateLimitStore.inMemory(now::get);
        RateLimitStore shared = new RateLimitStore() {
            @Override
            public Future<Grant> reserve(String key, long want, long limit, Duration lifespan) {
                return memory.reserve(key, want, limit, lifespan);
            }

            @Override
            public Future<Integer> announce(String replica, Duration ttl) {
                return Future.succeededFuture(3);
            }

            @Override
            public boolean shared() {
                return true;
            }
        };
        List<RateLimiter> replicas = List.of(limiter(shared, WhenStoreUnavailable.LOCAL, 10),
                limiter(shared, WhenStoreUnavailable.LOCAL, 10), limiter(shared, WhenStoreUnavailable.LOCAL, 10));
        RouteConfig route = route(rule("per-user", 30, RateLimitRule.Key.PRINCIPAL, RateLimitRule.Match.ALL));
        AtomicInteger upstream = new AtomicInteger();
        int ok = 0;
        for (int i = 0; i < 90; i++) {
            if (call(replicas.get(i % 3), route, caller("alice"), "x", upstream).equals("ok")) {
                ok++;
            }
        }
        assertThat(ok).as("round robin: every reservation is used").isEqualTo(30);
        assertThat(upstream).hasValue(30);
    }

    /** A store that cannot be reached (a fault no real store in a test produces on demand). */
    private static final class Unreachable implements RateLimitStore {
        final AtomicInteger attempts = new AtomicInteger();

        @Override
        public Future<Grant> reserve(String key, long want, long limit, Duration lifespan) {
            attempts.incrementAndGet();
            return Future.failedFuture(new IllegalStateException("connection refused"));
        }

        @Override
        public Future<Integer> announce(String replica, Duration ttl) {
            return Future.failedFuture(new IllegalStateException("connection refused"));
        }

        @Override
        public boolean shared() {
            return true;
        }
    }

    @Test
    void withoutTheStoreAReplicaCountsItsShareAllowsOrDeniesAsConfigured() {
        RouteConfig route = route(rule("per-user", 10, RateLimitRule.Key.PRINCIPAL, RateLimitRule.Match.ALL));
        AtomicInteger upstream = new AtomicInteger();
        Unreachable store = new Unreachable();
        RateLimiter local = new RateLimiter(store, new RateLimitMeters(registry),
                settings(WhenStoreUnavailable.LOCAL, 10, OptionalInt.of(4)), VERTX, now::get);
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            answers.add(call(local, route, caller("alice"), "x", upstream));
        }
        assertThat(answers).as("10 shared by 4 replicas: 3 here").containsExactly("ok", "ok", "ok",
                ErrorCodes.RATE_LIMITED + " retry=45");
        assertThat(store.attempts).as("the store is not asked again until the retry time").hasValue(1);
        Caller c = caller("alice");
        call(local, route, c, "x", upstream);
        assertThat(c.facts().rateLimitDecision()).isEqualTo("limited_local");
        now.addAndGet(6_000);
        call(local, route, caller("bob"), "x", upstream);
        assertThat(store.attempts).as("tried again after store-retry").hasValue(2);
        assertThat(registry.get("mcp.gateway.rate.limit.requests").tags("counted", "local", "decision", "allowed")
                .counter().count()).isEqualTo(4);

        RateLimiter allow = limiter(new Unreachable(), WhenStoreUnavailable.ALLOW, 10);
        for (int i = 0; i < 20; i++) {
            assertThat(call(allow, route, caller("alice"), "x", upstream)).isEqualTo("ok");
        }
        RateLimiter deny = limiter(new Unreachable(), WhenStoreUnavailable.DENY, 10);
        Caller denied = caller("alice");
        assertThat(call(deny, route, denied, "x", upstream)).isEqualTo(ErrorCodes.RATE_LIMITED + " retry=5");
        assertThat(denied.facts().rateLimitDecision()).isEqualTo("limited_uncounted");
    }
}
