package dev.mcpgateway.session;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.infinispan.client.hotrod.Flag;
import org.infinispan.client.hotrod.RemoteCache;
import org.infinispan.client.hotrod.RemoteCacheManager;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Leases in the Infinispan cache {@code mcp-leases}, shared by the replicas. A lease is the entry
 * {@code lease:<key>} holding its owner, with the lease time as Infinispan lifespan: taken with a
 * put-if-absent, renewed with a versioned replace, so two replicas never both hold it. The state
 * is the entry {@code state:<key>}; it outlives a lapsed lease (a successor reads it) and expires
 * after the session idle timeout without use.
 */
final class InfinispanLeases implements Leases {

    /** Versioned-replace attempts before a renewal gives up. */
    private static final int MAX_ATTEMPTS = 8;

    private final InfinispanCaches caches;
    private final InfinispanCaches.Connection<RemoteCache<String, String>> leases;
    private final long stateIdleMillis;

    InfinispanLeases(Supplier<RemoteCacheManager> manager, Vertx vertx, Duration stateIdleTimeout, Duration operationTimeout) {
        this.caches = new InfinispanCaches(manager, vertx, operationTimeout);
        this.stateIdleMillis = stateIdleTimeout.toMillis();
        this.leases = caches.connection("leases", () -> caches.cacheBlocking(InfinispanCaches.LEASES));
    }

    @Override
    public Future<Boolean> acquire(String key, String owner, String state, Duration ttl) {
        return caches.run(leases, c -> acquire(c, key, owner, ttl.toMillis(), 1).thenCompose(held -> {
            if (!held || state == null) {
                return CompletableFuture.completedFuture(held);
            }
            return c.putAsync(stateKey(key), state, -1, TimeUnit.MILLISECONDS, stateIdleMillis, TimeUnit.MILLISECONDS)
                    .thenApply(previous -> true);
        }));
    }

    private CompletionStage<Boolean> acquire(RemoteCache<String, String> c, String key, String owner, long ttlMillis,
            int attempt) {
        String leaseKey = leaseKey(key);
        return c.getWithMetadataAsync(leaseKey).thenCompose(current -> {
            if (current == null) {
                return c.withFlags(Flag.FORCE_RETURN_VALUE)
                        .putIfAbsentAsync(leaseKey, owner, ttlMillis, TimeUnit.MILLISECONDS)
                        .thenApply(previous -> previous == null);
            }
            if (!owner.equals(current.getValue())) {
                return CompletableFuture.completedFuture(false);
            }
            return c.replaceWithVersionAsync(leaseKey, owner, current.getVersion(), ttlMillis, TimeUnit.MILLISECONDS, -1,
                    TimeUnit.MILLISECONDS).thenCompose(
                            renewed -> renewed || attempt >= MAX_ATTEMPTS
                                    ? CompletableFuture.completedFuture(renewed)
                                    : acquire(c, key, owner, ttlMillis, attempt + 1));
        });
    }

    @Override
    public Future<String> state(String key) {
        return caches.run(leases, c -> c.getAsync(stateKey(key)));
    }

    @Override
    public Future<Void> release(String key, String owner) {
        return caches.run(leases, c -> c.getWithMetadataAsync(leaseKey(key)).thenCompose(current -> {
            if (current != null && !owner.equals(current.getValue())) {
                return CompletableFuture.completedFuture((Void) null);
            }
            CompletionStage<Boolean> released = current == null ? CompletableFuture.completedFuture(true)
                    : c.removeWithVersionAsync(leaseKey(key), current.getVersion());
            return released.thenCompose(ignored -> c.removeAsync(stateKey(key))).thenApply(ignored -> (Void) null);
        }));
    }

    private static String leaseKey(String key) {
        return "lease:" + key;
    }

    private static String stateKey(String key) {
        return "state:" + key;
    }
}
