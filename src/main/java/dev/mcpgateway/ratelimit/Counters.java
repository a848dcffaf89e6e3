package dev.mcpgateway.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import org.jboss.logging.Logger;

import dev.mcpgateway.config.GatewayConfig.WhenStoreUnavailable;
import dev.mcpgateway.session.RateLimitStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

/**
 * The counters of this replica: for each counter and window, requests reserved from the store in
 * batches and handed out locally. A reservation never takes the store's counter beyond the limit,
 * so the replicas together never admit more than the limit per window; what a replica reserved and
 * did not use by the end of the window is lost to the others (at most {@code batch} per replica, and
 * less near the limit: a replica asks for a part of what it last saw remaining, divided among the
 * replicas). Requests that find no reserved one wait for one reservation, shared by all of them.
 * While the store is unreachable, each window is counted here against this replica's share.
 */
final class Counters {

    private static final Logger LOG = Logger.getLogger(Counters.class);
    private static final Future<Outcome> ALLOWED = Future.succeededFuture(Outcome.ALLOWED);
    private static final Future<Outcome> LIMITED = Future.succeededFuture(Outcome.LIMITED);
    /** A counter outlives its window by this much in the store, so clocks a little apart share it. */
    static final long LIFESPAN_MARGIN_MILLIS = 10_000;

    /** One counter in one window, as this replica sees it. Guarded by itself. */
    static final class Window {
        final long end;
        /** Reserved from the store and not handed out yet. */
        long tokens;
        /** Requests this replica admitted in the window (from reservations or its local share). */
        long admitted;
        /** The store's count at the last reservation. */
        long seen;
        /** The store's counter reached the limit. */
        boolean exhausted;
        boolean reserving;
        List<Waiter> waiting;

        Window(long end) {
            this.end = end;
        }
    }

    /** A request waiting for a reservation, answered on its own Vert.x context. */
    private record Waiter(Promise<Outcome> promise, Context context) {
        void complete(Outcome o) {
            if (context == null || context == Vertx.currentContext()) {
                promise.complete(o);
            } else {
                context.runOnContext(v -> promise.complete(o));
            }
        }
    }

    private final RateLimitStore store;
    private final LongSupplier clock;
    private final int batch;
    private final WhenStoreUnavailable whenUnavailable;
    private final OptionalInt configuredReplicas;
    private final long retryMillis;
    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();
    private volatile int replicasSeen = 1;
    private volatile long storeDownUntil;

    Counters(RateLimitStore store, LongSupplier clock, int batch, WhenStoreUnavailable whenUnavailable,
            OptionalInt configuredReplicas, Duration storeRetry) {
        this.store = store;
        this.clock = clock;
        this.batch = Math.max(1, batch);
        this.whenUnavailable = whenUnavailable;
        this.configuredReplicas = configuredReplicas;
        this.retryMillis = storeRetry.toMillis();
    }

    /** The number of replicas counting in the store, as last announced. */
    void replicasSeen(int n) {
        replicasSeen = Math.max(1, n);
    }

    int replicasSeen() {
        return replicasSeen;
    }

    /**
     * Counts one request in the counter {@code key} (the window's: it names the window), allowing
     * {@code limit} per window; the window ends at {@code end} (epoch milliseconds).
     */
    Future<Outcome> take(String key, long limit, long end) {
        Window w = windows.get(key);
        if (w == null) {
            w = windows.computeIfAbsent(key, k -> new Window(end));
        }
        Promise<Outcome> waiter;
        long want;
        synchronized (w) {
            if (w.tokens > 0) {
                w.tokens--;
                w.admitted++;
                return ALLOWED;
            }
            if (w.exhausted) {
                return LIMITED;
            }
            if (clock.getAsLong() < storeDownUntil) {
                return Future.succeededFuture(unavailable(w, limit));
            }
            waiter = Promise.promise();
            if (w.waiting == null) {
                w.waiting = new ArrayList<>(2);
            }
            w.waiting.add(new Waiter(waiter, Vertx.currentContext()));
            if (w.reserving) {
                return waiter.future();
            }
            w.reserving = true;
            want = want(w, limit);
        }
        reserve(key, w, want, limit);
        return waiter.future();
    }

    /** A part of what remains, shared among the replicas, at most a batch. */
    private long want(Window w, long limit) {
        long remaining = limit - w.seen;
        long share = store.shared() ? remaining / (2L * replicasSeen) : remaining;
        return Math.max(1, Math.min(batch, share));
    }

    private void reserve(String key, Window w, long want, long limit) {
        long lifespan = Math.max(1, w.end - clock.getAsLong()) + LIFESPAN_MARGIN_MILLIS;
        store.reserve(key, want, limit, Duration.ofMillis(lifespan)).onComplete(ar -> {
            List<Waiter> done;
            List<Outcome> outcomes = new ArrayList<>(2);
            long again = 0;
            synchronized (w) {
                w.reserving = false;
                done = w.waiting;
                w.waiting = null;
                if (ar.failed()) {
                    if (clock.getAsLong() >= storeDownUntil) {
                        LOG.warnf("Rate limits: the shared counters are unreachable (%s); counting %s for %d ms",
                                ar.cause().getMessage(), whenUnavailable.name().toLowerCase(java.util.Locale.ROOT),
                                retryMillis);
                    }
                    storeDownUntil = clock.getAsLong() + retryMillis;
                    for (int i = 0; i < done.size(); i++) {
                        outcomes.add(unavailable(w, limit));
                    }
                } else {
                    RateLimitStore.Grant g = ar.result();
                    w.tokens += g.granted();
                    w.seen = g.count();
                    w.exhausted = g.count() >= limit;
                    int served = 0;
                    while (served < done.size() && w.tokens > 0) {
                        w.tokens--;
                        w.admitted++;
                        outcomes.add(Outcome.ALLOWED);
                        served++;
                    }
                    if (served < done.size()) {
                        if (w.exhausted) {
                            while (outcomes.size() < done.size()) {
                                outcomes.add(Outcome.LIMITED);
                            }
                        } else {
                            // Others arrived meanwhile and took the reservation: reserve again for the rest.
                            w.waiting = new ArrayList<>(done.subList(served, done.size()));
                            done = done.subList(0, served);
                            w.reserving = true;
                            again = want(w, limit);
                        }
                    }
                }
            }
            for (int i = 0; i < done.size(); i++) {
                done.get(i).complete(outcomes.get(i));
            }
            if (again > 0) {
                reserve(key, w, again, limit);
            }
        });
    }

    /** The store cannot be asked: decide as configured. Called holding the window. */
    private Outcome unavailable(Window w, long limit) {
        return switch (whenUnavailable) {
            case ALLOW -> Outcome.ALLOWED_UNCOUNTED;
            case DENY -> Outcome.LIMITED_UNCOUNTED;
            case LOCAL -> {
                int replicas = configuredReplicas.orElse(replicasSeen);
                long share = Math.max(1, (limit + Math.max(1, replicas) - 1) / Math.max(1, replicas));
                if (w.admitted < share) {
                    w.admitted++;
                    yield Outcome.ALLOWED_LOCAL;
                }
                yield Outcome.LIMITED_LOCAL;
            }
        };
    }

    /** Forgets the windows that have ended (their counters in the store lapse by themselves). */
    void sweep() {
        long now = clock.getAsLong();
        windows.values().removeIf(w -> {
            synchronized (w) {
                return w.end <= now && !w.reserving;
            }
        });
    }

    int windows() {
        return windows.size();
    }
}
