package dev.mcpgateway.session;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.infinispan.client.hotrod.Flag;
import org.infinispan.client.hotrod.RemoteCache;
import org.infinispan.client.hotrod.RemoteCacheManager;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Used-once values in the Infinispan cache {@code mcp-leases}, shared by the replicas: the entry
 * {@code once:<key>} written with a put-if-absent whose lifespan is the window, so of two replicas
 * seeing the same value only one finds it absent, and Infinispan drops it when the window ends.
 * The cluster's memory bounds it (the entries are small and short-lived).
 */
final class InfinispanReplayStore implements ReplayStore {

    private final InfinispanCaches caches;
    private final InfinispanCaches.Connection<RemoteCache<String, String>> cache;

    InfinispanReplayStore(Supplier<RemoteCacheManager> manager, Vertx vertx, Duration operationTimeout) {
        this.caches = new InfinispanCaches(manager, vertx, operationTimeout);
        this.cache = caches.connection("replay", () -> caches.cacheBlocking(InfinispanCaches.LEASES));
    }

    /** Connects now (in the background), so the first proof does not wait for it. */
    Future<Void> connect() {
        return caches.run(cache, c -> CompletableFuture.completedFuture((Void) null));
    }

    @Override
    public Future<Boolean> firstUse(String key, Duration window) {
        return caches.run(cache, c -> c.withFlags(Flag.FORCE_RETURN_VALUE)
                .putIfAbsentAsync("once:" + key, "1", Math.max(1, window.toMillis()), TimeUnit.MILLISECONDS)
                .thenApply(previous -> previous == null));
    }
}
