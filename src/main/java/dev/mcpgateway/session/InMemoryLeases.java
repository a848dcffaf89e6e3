package dev.mcpgateway.session;

import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.vertx.core.Future;

/** Leases within one process: always free or held by this process. */
public final class InMemoryLeases implements Leases {

    private record Lease(String owner, long until) {
    }

    private final Map<String, Lease> leases = new ConcurrentHashMap<>();
    /** Per replica, until when its last heartbeat lasts. */
    private final Map<String, Long> heartbeats = new ConcurrentHashMap<>();

    @Override
    public Future<String> acquire(String key, String owner, Duration ttl) {
        long now = System.currentTimeMillis();
        Lease next = new Lease(owner, now + ttl.toMillis());
        Lease held = leases.compute(key,
                (k, cur) -> cur == null || cur.owner().equals(owner) || cur.until() < now ? next : cur);
        return Future.succeededFuture(held.owner());
    }

    @Override
    public Future<Boolean> takeOver(String key, String owner, String from, Duration ttl) {
        long now = System.currentTimeMillis();
        Lease next = new Lease(owner, now + ttl.toMillis());
        Lease held = leases.compute(key, (k, cur) -> cur == null || cur.owner().equals(from) || cur.until() < now
                ? next
                : cur);
        return Future.succeededFuture(held == next);
    }

    @Override
    public Future<Void> release(String key, String owner) {
        leases.computeIfPresent(key, (k, cur) -> cur.owner().equals(owner) ? null : cur);
        return Future.succeededFuture();
    }

    @Override
    public Future<Void> heartbeat(String replica, Duration ttl) {
        heartbeats.put(replica, System.currentTimeMillis() + ttl.toMillis());
        return Future.succeededFuture();
    }

    @Override
    public Future<Set<String>> alive(Collection<String> replicas) {
        long now = System.currentTimeMillis();
        Set<String> out = new HashSet<>();
        for (String r : replicas) {
            Long until = heartbeats.get(r);
            if (until != null && until >= now) {
                out.add(r);
            }
        }
        return Future.succeededFuture(out);
    }
}
