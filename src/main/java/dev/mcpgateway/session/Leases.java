package dev.mcpgateway.session;

import java.time.Duration;
import java.util.Collection;
import java.util.Set;

import io.vertx.core.Future;

/**
 * Short-lived ownership of a piece of work across replicas (e.g. pumping a session's upstream
 * streams): taken when free, renewed while held, lapsing when its holder stops renewing. Beside the
 * leases, each replica keeps a heartbeat (one small entry per replica, renewed often): a replica
 * whose heartbeat has lapsed is dead, and its leases may be taken over at once rather than after
 * they lapse.
 */
public interface Leases {

    /**
     * Takes the lease if free, or renews it if {@code owner} holds it; answers who holds it now
     * ({@code owner} when the caller does).
     */
    Future<String> acquire(String key, String owner, Duration ttl);

    /**
     * Takes the lease from {@code from} (a replica found dead) for {@code owner}, only if {@code from}
     * still holds it: a conditional replace, so of two replicas taking over the same lease one wins.
     * Answers whether {@code owner} holds it now.
     */
    Future<Boolean> takeOver(String key, String owner, String from, Duration ttl);

    /** Gives the lease up if {@code owner} holds it. */
    Future<Void> release(String key, String owner);

    /** Records that {@code replica} is alive, for {@code ttl}. */
    Future<Void> heartbeat(String replica, Duration ttl);

    /** Those of {@code replicas} whose last heartbeat has not lapsed. */
    Future<Set<String>> alive(Collection<String> replicas);
}
