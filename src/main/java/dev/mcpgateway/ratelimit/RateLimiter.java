package dev.mcpgateway.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.config.GatewayConfig;
import dev.mcpgateway.config.RateLimitRule;
import dev.mcpgateway.config.RouteConfig;
import dev.mcpgateway.jsonrpc.ErrorCodes;
import dev.mcpgateway.jsonrpc.JsonRpcError;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import dev.mcpgateway.security.Caller;
import dev.mcpgateway.session.RateLimitStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Applies a route's {@code rateLimits}: the first rule that matches a request counts it in its
 * counter for the current window (fixed windows of the rule's period, starting at multiples of it in
 * epoch time), and a request over the limit ends with {@link ErrorCodes#RATE_LIMITED} and
 * {@code data.retryAfterSeconds} (the rest of the window) before anything is sent upstream. The
 * decision is recorded in the request's facts and counted in {@link RateLimitMeters}. A route without
 * rules costs one emptiness check.
 */
@Singleton
public class RateLimiter {

    private static final Logger LOG = Logger.getLogger(RateLimiter.class);
    /** How often a replica announces itself to the others, and how long an announcement lasts. */
    private static final long ANNOUNCE_EVERY_MILLIS = 10_000;
    private static final Duration ANNOUNCE_TTL = Duration.ofSeconds(30);
    private static final long SWEEP_EVERY_MILLIS = 10_000;

    private final RateLimitStore store;
    private final RateLimitMeters meters;
    private final Vertx vertx;
    private final LongSupplier clock;
    private final Counters counters;
    private final long storeRetrySeconds;
    private final String replicaId = UUID.randomUUID().toString();
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile long announceTimer = -1;
    private volatile long sweepTimer = -1;

    @Inject
    public RateLimiter(RateLimitStore store, RateLimitMeters meters, GatewayConfig config, Vertx vertx) {
        this(store, meters, config.rateLimits(), vertx, System::currentTimeMillis);
    }

    RateLimiter(RateLimitStore store, RateLimitMeters meters, GatewayConfig.RateLimits settings, Vertx vertx,
            LongSupplier clock) {
        this.store = store;
        this.meters = meters;
        this.vertx = vertx;
        this.clock = clock;
        this.counters = new Counters(store, clock, settings.batch(), settings.whenStoreUnavailable(), settings.replicas(),
                settings.storeRetry());
        this.storeRetrySeconds = Math.max(1, (settings.storeRetry().toMillis() + 999) / 1000);
    }

    /**
     * Runs {@code next} when no rule of the route counts the request or it is within its limit;
     * otherwise answers the rate-limit error without running it.
     *
     * @param method the MCP method
     * @param backend the backend the request goes to (null for a list)
     * @param kind {@code tool}, {@code prompt} or {@code resource} (null for a list)
     * @param name the item's name (a resource's URI) as the backend lists it (null for a list)
     */
    public <T> Future<T> admit(RouteConfig route, Caller caller, String method, String backend, String kind, String name,
            Supplier<Future<T>> next) {
        List<RateLimitRule> rules = route.rateLimits();
        if (rules.isEmpty()) {
            return next.get();
        }
        RateLimitRule rule = RateLimitRules.first(rules, caller.principal(), method, backend, kind, name);
        if (rule == null) {
            return next.get();
        }
        start();
        long period = rule.period().toMillis();
        long window = clock.getAsLong() / period;
        long end = (window + 1) * period;
        String key = RateLimitRules.counter(route.name(), rule, caller.principal(), backend, kind, name) + '\n' + window;
        return counters.take(key, rule.requests(), end).compose(outcome -> {
            caller.facts().rateLimit(rule.name(), outcome.fact);
            meters.record(route.name(), rule.name(), outcome);
            if (outcome.allowed) {
                return next.get();
            }
            return Future.failedFuture(limited(rule, outcome, end));
        });
    }

    private JsonRpcException limited(RateLimitRule rule, Outcome outcome, long end) {
        long retryAfter = outcome == Outcome.LIMITED_UNCOUNTED ? storeRetrySeconds
                : Math.max(1, (end - clock.getAsLong() + 999) / 1000);
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        data.put("retryAfterSeconds", retryAfter);
        data.put("rule", rule.name());
        data.put("limit", rule.requests());
        data.put("periodSeconds", rule.period().toSeconds());
        String message = outcome == Outcome.LIMITED_UNCOUNTED
                ? "Rate limit unavailable: rule \"" + rule.name() + "\" cannot be counted now; retry after " + retryAfter + "s"
                : "Rate limit exceeded: rule \"" + rule.name() + "\" allows " + rule.requests() + " requests per "
                        + rule.period().toSeconds() + "s; retry after " + retryAfter + "s";
        return new JsonRpcException(new JsonRpcError(ErrorCodes.RATE_LIMITED, message, data));
    }

    /** At the first counted request: forget ended windows now and then, and tell the other replicas this one counts. */
    private void start() {
        if (started.get() || !started.compareAndSet(false, true)) {
            return;
        }
        sweepTimer = vertx.setPeriodic(SWEEP_EVERY_MILLIS, t -> counters.sweep());
        if (store.shared()) {
            announce();
            announceTimer = vertx.setPeriodic(ANNOUNCE_EVERY_MILLIS, t -> announce());
        }
    }

    private void announce() {
        store.announce(replicaId, ANNOUNCE_TTL).onComplete(ar -> {
            if (ar.succeeded()) {
                counters.replicasSeen(ar.result());
            } else {
                LOG.debugf("Rate limits: cannot announce this replica: %s", ar.cause().getMessage());
            }
        });
    }

    /** The number of replicas counting in the store, as last seen (1 standalone). */
    public int replicasSeen() {
        return counters.replicasSeen();
    }

    @PreDestroy
    void stop() {
        if (sweepTimer >= 0) {
            vertx.cancelTimer(sweepTimer);
        }
        if (announceTimer >= 0) {
            vertx.cancelTimer(announceTimer);
        }
    }
}
