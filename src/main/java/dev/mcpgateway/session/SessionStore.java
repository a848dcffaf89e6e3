package dev.mcpgateway.session;

import java.util.List;
import java.util.function.Consumer;

import io.vertx.core.Future;

/**
 * Where sessions live. Implementations never block the caller: every method answers with a future.
 * Sessions idle longer than the configured timeout expire and are reported to the expiry listener.
 */
public interface SessionStore {

    /** The session, or null when it is unknown, ended or expired. Counts as activity. */
    Future<GatewaySession> get(String id);

    /** Stores a new session or replaces one. */
    Future<Void> put(GatewaySession session);

    /**
     * Replaces a live session with a changed copy; answers false, storing nothing, when it is gone
     * (ended or expired), so a change racing with a DELETE never brings the session back.
     */
    Future<Boolean> replace(GatewaySession session);

    /**
     * Stores a session unless one with its id exists; answers the one already stored, or null when
     * this one was stored. Two replicas opening the same shared session at once keep one.
     */
    Future<GatewaySession> putIfAbsent(GatewaySession session);

    /** Whether the session is live, without counting as activity where the store can tell. */
    default Future<Boolean> exists(String id) {
        return get(id).map(s -> s != null);
    }

    /** Removes a session; answers the removed one, or null when there was none. */
    Future<GatewaySession> remove(String id);

    /** Number of live sessions this store can see (for metrics; may be approximate). */
    long size();

    /**
     * A session as a listing shows it.
     *
     * @param lastActiveMillis when it was last used (epoch millis), as precisely as the store knows:
     *        the last request in memory, the last write in Infinispan
     */
    record Listed(GatewaySession session, long lastActiveMillis) {
    }

    /** At most {@code max} live sessions, in no particular order (for the operator console). */
    default Future<List<Listed>> list(int max) {
        return Future.succeededFuture(List.of());
    }

    /** Called once for each session that expired through inactivity. */
    void onExpiry(Consumer<GatewaySession> listener);
}
