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
 * Grants in the Infinispan cache {@code mcp-grants}, shared by the replicas: consent completed
 * through one replica serves calls on every other, and a replica's restart loses nothing. Values
 * arrive encrypted; the servers never see a token in clear.
 */
final class InfinispanGrantStore implements GrantStore {

    private final InfinispanCaches caches;
    private final InfinispanCaches.Connection<RemoteCache<String, String>> grants;

    InfinispanGrantStore(Supplier<RemoteCacheManager> manager, Vertx vertx, Duration operationTimeout) {
        this.caches = new InfinispanCaches(manager, vertx, operationTimeout);
        this.grants = caches.connection("grants", () -> caches.cacheBlocking(InfinispanCaches.GRANTS));
    }

    /** Connects now (in the background), so the first call does not wait for it. */
    Future<Void> connect() {
        return caches.run(grants, c -> CompletableFuture.completedFuture((Void) null));
    }

    @Override
    public Future<String> get(String key) {
        return caches.run(grants, c -> c.getAsync(key));
    }

    @Override
    public Future<Void> put(String key, String value, Duration lifespan) {
        return caches.run(grants, c -> lifespan == null ? c.putAsync(key, value)
                : c.putAsync(key, value, lifespan.toMillis(), TimeUnit.MILLISECONDS)).mapEmpty();
    }

    @Override
    public Future<Boolean> putIfAbsent(String key, String value, Duration lifespan) {
        // FORCE_RETURN_VALUE: Hot Rod answers null for "was absent" only when asked for the old value.
        return caches.run(grants, c -> {
            RemoteCache<String, String> r = c.withFlags(Flag.FORCE_RETURN_VALUE);
            return lifespan == null ? r.putIfAbsentAsync(key, value)
                    : r.putIfAbsentAsync(key, value, lifespan.toMillis(), TimeUnit.MILLISECONDS);
        }).map(previous -> previous == null);
    }

    @Override
    public Future<String> remove(String key) {
        return caches.run(grants, c -> c.withFlags(Flag.FORCE_RETURN_VALUE).removeAsync(key));
    }
}
