package dev.mcpgateway.session;

import java.time.Duration;
import java.util.function.Consumer;

import io.vertx.core.Future;

/**
 * Tool results kept for a while (the result cache), by an opaque key: in memory on one replica, or in
 * Infinispan shared by all. Every entry has a lifespan; one read after it has lapsed is a miss.
 */
public interface ResultStore {

    /**
     * A stored result.
     *
     * @param value the result as it was stored
     * @param expiresAt when the entry lapses (epoch milliseconds)
     */
    record Entry(String value, long expiresAt) {

        /** Milliseconds the entry still lives at {@code now}, never negative. */
        public long remainingMillis(long now) {
            return Math.max(0, expiresAt - now);
        }
    }

    /** The live entry under {@code key}, or null. */
    Future<Entry> get(String key);

    /**
     * Keeps {@code value} under {@code key} for {@code ttl}.
     *
     * @param backend whose result it is, named when the entry is evicted early to make room
     */
    Future<Void> put(String key, String backend, String value, Duration ttl);

    /** Called with the backend of each entry evicted before its lifespan ended, where the store can tell. */
    default void onEviction(Consumer<String> listener) {
    }
}
