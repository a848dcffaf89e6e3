package dev.mcpgateway.session;

import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;
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
 * put-if-absent, renewed and taken over with a versioned replace, so two replicas never both hold
 * it. A replica's heartbeat is the entry {@code alive:<replica>}, written with the heartbeat's
 * lifespan: once it lapses, Infinispan no longer returns it.
 */
final class InfinispanLeases implements Leases {

    /** Versioned-replace attempts before a renewal gives up. */
    private static final int MAX_ATTEMPTS = 8;

    private final InfinispanCaches caches;
    private final InfinispanCaches.Connection<RemoteCache<String, String>> leases;

    InfinispanLeases(Supplier<RemoteCacheManager> manager, Vertx vertx, Duration operationTimeout) {
        this.caches = new InfinispanCaches(manager, vertx, operationTimeout);
        this.leases = caches.connection("leases", () -> caches.cacheBlocking(InfinispanCaches.LEASES));
    }

    /** Connects now (in the background), so the first operations do not wait for it. */
    Future<Void> connect() {
        return caches.run(leases, c -> CompletableFuture.completedFuture((Void) null));
    }

    @Override
    public Future<String> acquire(String key, String owner, Duration ttl) {
        return caches.run(leases, c -> acquire(c, leaseKey(key), owner, ttl.toMillis(), 1));
    }

    private CompletionStage<String> acquire(RemoteCache<String, String> c, String leaseKey, String owner, long ttlMillis,
            int attempt) {
        return c.getWithMetadataAsync(leaseKey).thenCompose(current -> {
            if (current == null) {
                return c.withFlags(Flag.FORCE_RETURN_VALUE)
                        .putIfAbsentAsync(leaseKey, owner, ttlMillis, TimeUnit.MILLISECONDS)
                        .thenApply(previous -> previous == null ? owner : previous);
            }
            if (!owner.equals(current.getValue())) {
                return CompletableFuture.completedFuture(current.getValue());
            }
            return c.replaceWithVersionAsync(leaseKey, owner, current.getVersion(), ttlMillis, TimeUnit.MILLISECONDS, -1,
                    TimeUnit.MILLISECONDS).thenCompose(renewed -> {
                        if (renewed) {
                            return CompletableFuture.completedFuture(owner);
                        }
                        return attempt >= MAX_ATTEMPTS ? c.getAsync(leaseKey)
                                : acquire(c, leaseKey, owner, ttlMillis, attempt + 1);
                    });
        });
    }

    @Override
    public Future<Boolean> takeOver(String key, String owner, String from, Duration ttl) {
        String leaseKey = leaseKey(key);
        long ttlMillis = ttl.toMillis();
        return caches.run(leases, c -> c.getWithMetadataAsync(leaseKey).thenCompose(current -> {
            if (current == null) {
                return acquire(c, leaseKey, owner, ttlMillis, 1).thenApply(owner::equals);
            }
            if (owner.equals(current.getValue())) {
                return CompletableFuture.completedFuture(true);
            }
            if (!from.equals(current.getValue())) {
                return CompletableFuture.completedFuture(false);
            }
            return c.replaceWithVersionAsync(leaseKey, owner, current.getVersion(), ttlMillis, TimeUnit.MILLISECONDS, -1,
                    TimeUnit.MILLISECONDS);
        }));
    }

    @Override
    public Future<Void> release(String key, String owner) {
        return caches.run(leases, c -> c.getWithMetadataAsync(leaseKey(key)).thenCompose(current -> {
            if (current == null || !owner.equals(current.getValue())) {
                return CompletableFuture.completedFuture((Void) null);
            }
            return c.removeWithVersionAsync(leaseKey(key), current.getVersion()).thenApply(ignored -> (Void) null);
        }));
    }

    @Override
    public Future<Void> heartbeat(String replica, Duration ttl) {
        return caches.run(leases,
                c -> c.putAsync(aliveKey(replica), replica, ttl.toMillis(), TimeUnit.MILLISECONDS).thenApply(ignored -> null));
    }

    @Override
    public Future<Set<String>> alive(Collection<String> replicas) {
        if (replicas.isEmpty()) {
            return Future.succeededFuture(Set.of());
        }
        Set<String> keys = new LinkedHashSet<>();
        replicas.forEach(r -> keys.add(aliveKey(r)));
        return caches.run(leases, c -> c.getAllAsync(keys).thenApply(found -> {
            Set<String> out = new HashSet<>();
            found.forEach((k, v) -> out.add(v));
            return out;
        }));
    }

    private static String leaseKey(String key) {
        return "lease:" + key;
    }

    private static String aliveKey(String replica) {
        return "alive:" + replica;
    }
}
