package dev.mcpgateway.session;

import java.time.Duration;

import io.vertx.core.Future;

/**
 * Small opaque values by key for per-user OAuth: stored grants (already encrypted by the caller),
 * authorizations in progress and used consent links. In memory on one replica, or in Infinispan
 * shared by all. A {@code lifespan} of null keeps an entry until it is removed.
 */
public interface GrantStore {

    /** The value under {@code key}, or null. */
    Future<String> get(String key);

    /** Keeps {@code value} under {@code key}, replacing what was there. */
    Future<Void> put(String key, String value, Duration lifespan);

    /** Keeps {@code value} only when nothing lives under {@code key}; true when it was kept. */
    Future<Boolean> putIfAbsent(String key, String value, Duration lifespan);

    /** Removes the entry and answers what it held (null when there was none): a take that works once. */
    Future<String> remove(String key);
}
