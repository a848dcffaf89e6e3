package dev.mcpgateway.session;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.vertx.core.Future;

/** Leases within one process: always free or held by this process. */
public final class InMemoryLeases implements Leases {

    private record Lease(String owner, long until) {
    }

    private final Map<String, Lease> leases = new ConcurrentHashMap<>();
    private final Map<String, String> states = new ConcurrentHashMap<>();

    @Override
    public Future<Boolean> acquire(String key, String owner, String state, Duration ttl) {
        long now = System.currentTimeMillis();
        Lease next = new Lease(owner, now + ttl.toMillis());
        Lease held = leases.compute(key,
                (k, cur) -> cur == null || cur.owner().equals(owner) || cur.until() < now ? next : cur);
        boolean mine = held == next;
        if (mine && state != null) {
            states.put(key, state);
        }
        return Future.succeededFuture(mine);
    }

    @Override
    public Future<String> state(String key) {
        return Future.succeededFuture(states.get(key));
    }

    @Override
    public Future<Void> release(String key, String owner) {
        leases.computeIfPresent(key, (k, cur) -> cur.owner().equals(owner) ? null : cur);
        states.remove(key);
        return Future.succeededFuture();
    }
}
