package dev.mcpgateway.session;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import io.vertx.core.Future;

/**
 * Results in this process, bounded by a number of entries and a number of characters (the size of
 * the stored JSON): when either is exceeded, lapsed entries go first, then the least recently used.
 */
final class InMemoryResultStore implements ResultStore {

    private record Stored(String backend, String value, long expiresAt) {
    }

    private final int maxEntries;
    private final long maxChars;
    private final LongSupplier clock;
    /** Access order: the first entry is the least recently used. Guarded by {@code this}. */
    private final LinkedHashMap<String, Stored> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long chars;
    private volatile Consumer<String> evicted = backend -> {
    };

    InMemoryResultStore(int maxEntries, long maxChars, LongSupplier clock) {
        this.maxEntries = maxEntries;
        this.maxChars = maxChars;
        this.clock = clock;
    }

    @Override
    public Future<Entry> get(String key) {
        long now = clock.getAsLong();
        synchronized (this) {
            Stored s = entries.get(key);
            if (s == null) {
                return Future.succeededFuture();
            }
            if (s.expiresAt() <= now) {
                remove(key);
                return Future.succeededFuture();
            }
            return Future.succeededFuture(new Entry(s.value(), s.expiresAt()));
        }
    }

    @Override
    public Future<Void> put(String key, String backend, String value, Duration ttl) {
        if (value.length() > maxChars || maxEntries <= 0) {
            return Future.succeededFuture();
        }
        long now = clock.getAsLong();
        List<String> evictedBackends = new ArrayList<>(0);
        synchronized (this) {
            remove(key);
            entries.put(key, new Stored(backend, value, now + ttl.toMillis()));
            chars += value.length();
            if (full()) {
                dropLapsed(now);
            }
            Iterator<Map.Entry<String, Stored>> it = entries.entrySet().iterator();
            while (full() && it.hasNext()) {
                Map.Entry<String, Stored> eldest = it.next();
                if (!eldest.getKey().equals(key)) {
                    chars -= eldest.getValue().value().length();
                    evictedBackends.add(eldest.getValue().backend());
                    it.remove();
                }
            }
        }
        evictedBackends.forEach(evicted);
        return Future.succeededFuture();
    }

    private boolean full() {
        return entries.size() > maxEntries || chars > maxChars;
    }

    @Override
    public void onEviction(Consumer<String> listener) {
        evicted = listener;
    }

    synchronized int size() {
        return entries.size();
    }

    private void dropLapsed(long now) {
        Iterator<Map.Entry<String, Stored>> it = entries.entrySet().iterator();
        while (it.hasNext()) {
            Stored s = it.next().getValue();
            if (s.expiresAt() <= now) {
                chars -= s.value().length();
                it.remove();
            }
        }
    }

    private void remove(String key) {
        Stored old = entries.remove(key);
        if (old != null) {
            chars -= old.value().length();
        }
    }
}
