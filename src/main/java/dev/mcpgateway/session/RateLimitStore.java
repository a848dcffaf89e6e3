package dev.mcpgateway.session;

import java.time.Duration;
import java.util.function.LongSupplier;

import io.vertx.core.Future;

/**
 * Counters of rate limits, by an opaque key (route, rule, who, window): in memory on one replica, or
 * in Infinispan shared by all. A counter lives for the lifespan it was created with.
 */
public interface RateLimitStore {

    /**
     * The outcome of a reservation.
     *
     * @param granted how many of the wanted requests were granted (0 when the limit is reached)
     * @param count the counter after the reservation
     */
    record Grant(long granted, long count) {
    }

    /**
     * Adds up to {@code want} to the counter under {@code key}, never beyond {@code limit}, atomically
     * across every user of the store; a missing counter starts at 0 and lives for {@code lifespan}.
     */
    Future<Grant> reserve(String key, long want, long limit, Duration lifespan);

    /** Records that {@code replica} counts in this store, for {@code ttl}; answers how many replicas do now. */
    Future<Integer> announce(String replica, Duration ttl);

    /** Whether other replicas count in this store too (false: counters of this process only). */
    boolean shared();

    /** Counters of this process only, exact. */
    static RateLimitStore inMemory(LongSupplier clock) {
        return new InMemoryRateLimitStore(clock);
    }
}
