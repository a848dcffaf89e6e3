package dev.mcpgateway.session;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import io.vertx.core.Future;

/**
 * Grants in this process: lost at restart (standalone use). Entries with a lifespan are dropped when
 * read after it, and swept when the map grows past {@code maxEntries} (beyond it new entries are refused).
 */
final class InMemoryGrantStore implements GrantStore {

    private record Stored(String value, long expiresAt) {
        boolean live(long now) {
            return expiresAt == 0 || now < expiresAt;
        }
    }

    private final Map<String, Stored> entries = new ConcurrentHashMap<>();
    private final int maxEntries;
    private final LongSupplier clock;

    InMemoryGrantStore(int maxEntries, LongSupplier clock) {
        this.maxEntries = maxEntries;
        this.clock = clock;
    }

    @Override
    public Future<String> get(String key) {
        Stored s = entries.get(key);
        if (s == null) {
            return Future.succeededFuture();
        }
        if (!s.live(clock.getAsLong())) {
            entries.remove(key, s);
            return Future.succeededFuture();
        }
        return Future.succeededFuture(s.value());
    }

    @Override
    public Future<Void> put(String key, String value, Duration lifespan) {
        if (!room(key)) {
            return Future.failedFuture(new StoreUnavailableException(new IllegalStateException(
                    "the in-memory grant store holds " + maxEntries + " entries")));
        }
        entries.put(key, stored(value, lifespan));
        return Future.succeededFuture();
    }

    @Override
    public Future<Boolean> putIfAbsent(String key, String value, Duration lifespan) {
        if (!room(key)) {
            return Future.failedFuture(new StoreUnavailableException(new IllegalStateException(
                    "the in-memory grant store holds " + maxEntries + " entries")));
        }
        long now = clock.getAsLong();
        Stored mine = stored(value, lifespan);
        Stored[] before = new Stored[1];
        entries.compute(key, (k, old) -> {
            before[0] = old != null && old.live(now) ? old : null;
            return before[0] != null ? old : mine;
        });
        return Future.succeededFuture(before[0] == null);
    }

    @Override
    public Future<String> remove(String key) {
        Stored s = entries.remove(key);
        return Future.succeededFuture(s == null || !s.live(clock.getAsLong()) ? null : s.value());
    }

    private Stored stored(String value, Duration lifespan) {
        return new Stored(value, lifespan == null ? 0 : clock.getAsLong() + Math.max(1, lifespan.toMillis()));
    }

    private boolean room(String key) {
        if (entries.size() < maxEntries || entries.containsKey(key)) {
            return true;
        }
        long now = clock.getAsLong();
        entries.values().removeIf(s -> !s.live(now));
        return entries.size() < maxEntries;
    }
}
