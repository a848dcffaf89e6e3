package dev.mcpgateway.session;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.infinispan.client.hotrod.RemoteCache;
import org.infinispan.client.hotrod.RemoteCacheManager;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Results in the Infinispan cache {@code mcp-results}, shared by the replicas: a result stored by one
 * is a hit on every other. An entry is {@code <expires-at millis>\n<result>}, written with the ttl as
 * Infinispan lifespan, so the servers drop it when it lapses and a reader knows how long it has left.
 * Eviction to make room is Infinispan's (the cache's {@code memory} bound) and shows in its statistics.
 */
final class InfinispanResultStore implements ResultStore {

    private final InfinispanCaches caches;
    private final InfinispanCaches.Connection<RemoteCache<String, String>> results;
    private final LongSupplier clock;

    InfinispanResultStore(Supplier<RemoteCacheManager> manager, Vertx vertx, Duration operationTimeout, LongSupplier clock) {
        this.caches = new InfinispanCaches(manager, vertx, operationTimeout);
        this.results = caches.connection("results",
                () -> caches.cacheBlocking(InfinispanCaches.RESULTS, InfinispanCaches.RESULTS_CONFIG));
        this.clock = clock;
    }

    /** Connects now (in the background), so the first call does not wait for it. */
    Future<Void> connect() {
        return caches.run(results, c -> CompletableFuture.completedFuture((Void) null));
    }

    @Override
    public Future<Entry> get(String key) {
        return caches.run(results, c -> c.getAsync(key)).map(this::decode);
    }

    @Override
    public Future<Void> put(String key, String backend, String value, Duration ttl) {
        String stored = (clock.getAsLong() + ttl.toMillis()) + "\n" + value;
        return caches.run(results, c -> c.putAsync(key, stored, ttl.toMillis(), TimeUnit.MILLISECONDS))
                .mapEmpty();
    }

    private Entry decode(String stored) {
        int nl = stored == null ? -1 : stored.indexOf('\n');
        if (nl <= 0) {
            return null;
        }
        long expiresAt;
        try {
            expiresAt = Long.parseLong(stored, 0, nl, 10);
        } catch (NumberFormatException e) {
            return null;
        }
        // Replicas' clocks differ a little: an entry past its time here is a miss here.
        return expiresAt <= clock.getAsLong() ? null : new Entry(stored.substring(nl + 1), expiresAt);
    }
}
