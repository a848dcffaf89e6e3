package dev.mcpgateway.session;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

import io.vertx.core.Future;

/** Rate-limit counters of this process (standalone gateway): exact, and lapsed ones are dropped as the map grows. */
final class InMemoryRateLimitStore implements RateLimitStore {

    /** Every this many reservations, lapsed counters are swept. */
    private static final int SWEEP_EVERY = 4096;

    private static final class Counter {
        long count;
        final long expiresAt;

        Counter(long expiresAt) {
            this.expiresAt = expiresAt;
        }
    }

    private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();
    private final AtomicInteger sinceSweep = new AtomicInteger();
    private final LongSupplier clock;

    InMemoryRateLimitStore(LongSupplier clock) {
        this.clock = clock;
    }

    @Override
    public Future<Grant> reserve(String key, long want, long limit, Duration lifespan) {
        long now = clock.getAsLong();
        if (sinceSweep.incrementAndGet() >= SWEEP_EVERY) {
            sinceSweep.set(0);
            counters.values().removeIf(c -> c.expiresAt <= now);
        }
        long[] out = new long[2];
        counters.compute(key, (k, c) -> {
            Counter counter = c == null || c.expiresAt <= now ? new Counter(now + lifespan.toMillis()) : c;
            long granted = Math.max(0, Math.min(want, limit - counter.count));
            counter.count += granted;
            out[0] = granted;
            out[1] = counter.count;
            return counter;
        });
        return Future.succeededFuture(new Grant(out[0], out[1]));
    }

    @Override
    public Future<Integer> announce(String replica, Duration ttl) {
        return Future.succeededFuture(1);
    }

    @Override
    public boolean shared() {
        return false;
    }

    int size() {
        return counters.size();
    }
}
