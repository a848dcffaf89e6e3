package dev.mcpgateway.session;

import java.time.Duration;

import io.vertx.core.Future;

/**
 * Values that may be used once within a time window, such as the {@code jti} of a DPoP proof: the
 * first use of a key records it for the window, and every later use within it is a replay. With
 * the Infinispan store the record is shared by every replica, so a proof replayed at another
 * replica is caught as well.
 */
public interface ReplayStore {

    /**
     * Records {@code key} for {@code window}; answers true when it was not recorded yet (first use),
     * false when it was (a replay). Fails when the store cannot record it (unreachable, or full):
     * the caller then refuses rather than risk accepting a replay.
     */
    Future<Boolean> firstUse(String key, Duration window);
}
