package dev.mcpgateway.session;

import java.time.Duration;

import io.vertx.core.Future;

/**
 * Short-lived ownership of a piece of work across replicas (e.g. pumping a session's upstream
 * streams): taken when free, renewed while held, lapsing when its holder dies. A lease carries a
 * small state its holder keeps current, so a successor can pick up where it stopped.
 */
public interface Leases {

    /** Takes the lease if free, or renews it if {@code owner} holds it; answers whether it is held now. */
    Future<Boolean> acquire(String key, String owner, String state, Duration ttl);

    /** The state last stored with the lease, held or lapsed; null if there never was one. */
    Future<String> state(String key);

    /** Gives the lease up if {@code owner} holds it. */
    Future<Void> release(String key, String owner);
}
