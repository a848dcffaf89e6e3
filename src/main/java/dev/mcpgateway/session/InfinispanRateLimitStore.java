package dev.mcpgateway.session;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.infinispan.client.hotrod.Flag;
import org.infinispan.client.hotrod.RemoteCache;
import org.infinispan.client.hotrod.RemoteCacheManager;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Rate-limit counters in the Infinispan cache {@code mcp-rate-limits}, shared by the replicas. A
 * counter is the entry {@code <key>} holding its count as decimal text, with the window's lifespan;
 * a reservation reads it with its version and writes the new count with a versioned replace (a
 * put-if-absent when it is new), so concurrent reservations from any replicas never take more than
 * the limit together. Two Hot Rod operations per reservation, more only under contention. The
 * replicas that count announce themselves in the entry {@code replicas} ({@code <id>=<expires-at>}
 * lines, replaced the same way).
 */
final class InfinispanRateLimitStore implements RateLimitStore {

    /** Conditional-write attempts before a reservation fails (contention by many replicas at once). */
    private static final int MAX_ATTEMPTS = 16;
    private static final String REPLICAS = "replicas";

    private final InfinispanCaches caches;
    /** The same caches with the default deadline: connecting (once) may take longer than a reservation. */
    private final InfinispanCaches connecting;
    private final InfinispanCaches.Connection<RemoteCache<String, String>> counters;
    private final LongSupplier clock;

    InfinispanRateLimitStore(Supplier<RemoteCacheManager> manager, Vertx vertx, Duration operationTimeout,
            LongSupplier clock) {
        this.caches = new InfinispanCaches(manager, vertx, operationTimeout);
        this.connecting = new InfinispanCaches(manager, vertx,
                operationTimeout.compareTo(InfinispanCaches.DEFAULT_OPERATION_TIMEOUT) > 0 ? operationTimeout
                        : InfinispanCaches.DEFAULT_OPERATION_TIMEOUT);
        this.counters = caches.connection("rate limits", () -> caches.cacheBlocking(InfinispanCaches.RATE_LIMITS));
        this.clock = clock;
    }

    /** Connects now (in the background), so the first reservation does not wait for it. */
    Future<Void> connect() {
        return connecting.run(counters, c -> CompletableFuture.completedFuture((Void) null));
    }

    @Override
    public Future<Grant> reserve(String key, long want, long limit, Duration lifespan) {
        return (counters.connected() ? caches : connecting).run(counters,
                c -> reserve(c, key, want, limit, lifespan.toMillis(), 1));
    }

    private CompletionStage<Grant> reserve(RemoteCache<String, String> c, String key, long want, long limit,
            long lifespanMillis, int attempt) {
        return c.getWithMetadataAsync(key).thenCompose(current -> {
            if (current == null) {
                long granted = Math.max(0, Math.min(want, limit));
                return c.withFlags(Flag.FORCE_RETURN_VALUE)
                        .putIfAbsentAsync(key, Long.toString(granted), lifespanMillis, TimeUnit.MILLISECONDS)
                        .thenCompose(
                                previous -> previous == null ? CompletableFuture.completedFuture(new Grant(granted, granted))
                                        : retry(c, key, want, limit, lifespanMillis, attempt));
            }
            long count = Long.parseLong(current.getValue());
            long granted = Math.max(0, Math.min(want, limit - count));
            if (granted == 0) {
                return CompletableFuture.completedFuture(new Grant(0, count));
            }
            // The caller's lifespan ends with the window (plus a margin), the same whenever it is written.
            return c.replaceWithVersionAsync(key, Long.toString(count + granted), current.getVersion(), lifespanMillis,
                    TimeUnit.MILLISECONDS, -1, TimeUnit.MILLISECONDS)
                    .thenCompose(replaced -> replaced ? CompletableFuture.completedFuture(new Grant(granted, count + granted))
                            : retry(c, key, want, limit, lifespanMillis, attempt));
        });
    }

    private CompletionStage<Grant> retry(RemoteCache<String, String> c, String key, long want, long limit,
            long lifespanMillis, int attempt) {
        if (attempt >= MAX_ATTEMPTS) {
            return CompletableFuture.failedFuture(new IllegalStateException(
                    "rate limit counter " + key + " changed " + attempt + " times while it was being reserved"));
        }
        return reserve(c, key, want, limit, lifespanMillis, attempt + 1);
    }

    @Override
    public Future<Integer> announce(String replica, Duration ttl) {
        return connecting.run(counters, c -> announce(c, replica, ttl.toMillis(), 1));
    }

    private CompletionStage<Integer> announce(RemoteCache<String, String> c, String replica, long ttlMillis, int attempt) {
        return c.getWithMetadataAsync(REPLICAS).thenCompose(current -> {
            long now = clock.getAsLong();
            StringBuilder out = new StringBuilder();
            int alive = 1;
            out.append(replica).append('=').append(now + ttlMillis);
            if (current != null) {
                for (String line : current.getValue().split("\n")) {
                    int eq = line.lastIndexOf('=');
                    if (eq <= 0 || line.substring(0, eq).equals(replica)) {
                        continue;
                    }
                    long expires;
                    try {
                        expires = Long.parseLong(line.substring(eq + 1));
                    } catch (NumberFormatException e) {
                        continue;
                    }
                    if (expires > now) {
                        out.append('\n').append(line);
                        alive++;
                    }
                }
            }
            int count = alive;
            CompletableFuture<Boolean> written = current == null
                    ? c.withFlags(Flag.FORCE_RETURN_VALUE).putIfAbsentAsync(REPLICAS, out.toString())
                            .thenApply(previous -> previous == null)
                    : c.replaceWithVersionAsync(REPLICAS, out.toString(), current.getVersion());
            return written.thenCompose(ok -> ok || attempt >= MAX_ATTEMPTS ? CompletableFuture.completedFuture(count)
                    : announce(c, replica, ttlMillis, attempt + 1));
        });
    }

    @Override
    public boolean shared() {
        return true;
    }
}
